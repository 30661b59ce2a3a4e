"""Errors shown as readable Danish pages instead of problem+json."""

from urllib.parse import urlparse

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from services.web.templating import render
from shared.errors import AppError, Unauthenticated

TITLES_DA = {
    400: "Ugyldig forespørgsel",
    401: "Du skal logge ind",
    403: "Det har du ikke adgang til",
    404: "Siden eller sagen findes ikke",
    409: "Det kan ikke lade sig gøre lige nu",
    412: "Jobordren er ændret, siden du åbnede den",
    422: "Oplysningerne er ikke gyldige",
    503: "Tjenesten svarer ikke lige nu",
}

EXPLANATIONS_DA = {
    400: "Forespørgslen kunne ikke forstås.",
    401: "Log ind for at fortsætte.",
    403: "Din rolle eller organisation må ikke udføre denne handling. Afvisningen er logget.",
    404: "Adressen findes ikke, eller du har ikke adgang til det, den peger på. Tjek linket, "
    "eller find sagen under Mine jobordrer.",
    409: "Handlingen passer ikke til sagens nuværende tilstand.",
    412: "Den er ændret siden – måske af dig selv i en anden fane. Intet er gemt. Åbn "
    "jobordren igen, så du ser den, som den er nu, og gentag det, du ville.",
    422: "Nogle oplysninger mangler eller er ugyldige.",
    503: "Prøv igen om lidt.",
}

# Refusals by the service action that raised them, in the words of the cooperation agreement.
ACTION_MESSAGES_DA: dict[str, str] = {
    "auth.csrf": "Formularen er udløbet. Genindlæs siden og prøv igen.",
    "input.encoding": "En tekst i formularen indeholder tegn, der ikke kan læses (ugyldig "
    "UTF-8), så intet er gemt. Gå tilbage, skriv teksten igen, og gem.",
    "order.read": "Jobordren tilhører organisationer, du ikke arbejder sammen med om den.",
    "order.candidates": "Jobordren tilhører organisationer, du ikke arbejder sammen med om den.",
    "order.create": "Kun jobcentre og a-kasser kan oprette jobordrer.",
    "order.update": "Kun tovholderen kan rette jobordren.",
    "order.employer_contact": "Kun den formidlingsansvarlige kan ændre virksomhedens "
    "kontaktoplysninger – den formidlingsansvarlige er den eneste indgang til virksomheden.",
    "order.status": "Kun den formidlingsansvarlige kan ændre jobordrens status.",
    "order.change_owner": "Kun den formidlingsansvarlige kan overdrage jobordren, og kun en "
    "administrator hos tovholderen kan overtage den.",
    "order.forward": "Kun den a-kasse, der har jobordren, kan videreformidle den via JobAG.",
    "order.take_forwarded": "Kun en formidler i det jobcenter, jobordren er videreformidlet til, "
    "kan tage ejerskab.",
    "order.share": "Kun jobcentret, der er tovholder, kan dele jobordren med a-kasser.",
    "candidate.add": "Du kan ikke foreslå denne kandidat: kun organisationer, der arbejder på "
    "jobordren, foreslår kandidater, og en a-kasse foreslår kun sine egne medlemmer.",
    "candidate.contact": "Kandidaten kontaktes først af den organisation, der fandt kandidaten; "
    "jobcentret som tovholder og den formidlingsansvarlige kan også kontakte.",
    "candidate.refer": "Kun den formidlingsansvarlige henviser kandidater til virksomheden.",
    "candidate.outcome": "Kun den formidlingsansvarlige registrerer, om kandidaten blev ansat.",
    "candidate.reverse": "Kun den formidlingsansvarlige kan tilbageføre et udfald.",
    "candidate.archive": "Kun den formidlingsansvarlige eller den organisation, der foreslog "
    "kandidaten, kan arkivere den.",
    "cv.read": "Du kan ikke se dette CV. En a-kasse ser kun sine egne medlemmers CV'er.",
    "cv.search": "Du har ikke adgang til at søge i CV-banken.",
    "notification.list": "Kun personer, der er logget ind, har notifikationer.",
}


def danish_error(error: AppError) -> tuple[str, str]:
    """A Danish title and explanation for a service error."""
    title = TITLES_DA.get(error.status, "Der opstod en fejl")
    message = ACTION_MESSAGES_DA.get(error.action or "") or EXPLANATIONS_DA.get(
        error.status, "Prøv igen, eller kontakt en administrator."
    )
    return title, message


def back_link(request: Request) -> str | None:
    """The page the user came from, when it is on this site (path and query)."""
    # Only a path on this site, so an error page never links off-site.
    referer = request.headers.get("referer")
    if not referer:
        return None
    parsed = urlparse(referer)
    if parsed.netloc and parsed.netloc != request.url.netloc:
        return None
    path = parsed.path or "/"
    return path + (f"?{parsed.query}" if parsed.query else "")


def render_html_error(request: Request, error: AppError) -> Response | None:
    if isinstance(error, Unauthenticated) and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    title, message = danish_error(error)
    if request.headers.get("HX-Request") == "true":
        # htmx swaps this in place of the element that asked, e.g. "Tilføj som kandidat".
        return render(
            request,
            "_error_fragment.html",
            status_code=error.status,
            title=title,
            message=message,
        )
    return render(
        request,
        "error.html",
        getattr(request.state, "actor", None),
        status_code=error.status,
        title=title,
        message=message,
        back=back_link(request),
    )
