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
    412: "Sagen er ændret af en anden",
    422: "Oplysningerne er ikke gyldige",
    503: "Tjenesten svarer ikke lige nu",
}

EXPLANATIONS_DA = {
    400: "Forespørgslen kunne ikke forstås.",
    401: "Log ind for at fortsætte.",
    403: "Din rolle eller organisation må ikke udføre denne handling. Afvisningen er logget.",
    404: "Den findes ikke, eller du har ikke adgang til at se den.",
    409: "Handlingen passer ikke til sagens nuværende tilstand.",
    412: "En anden har ændret sagen, siden du åbnede den. Genindlæs siden og prøv igen.",
    422: "Nogle oplysninger mangler eller er ugyldige.",
    503: "Prøv igen om lidt.",
}

# Refusals by the service action that raised them, in the words of the cooperation agreement.
ACTION_MESSAGES_DA: dict[str, str] = {
    "auth.csrf": "Formularen er udløbet. Genindlæs siden og prøv igen.",
}


def danish_error(error: AppError) -> tuple[str, str]:
    """A Danish title and explanation for a service error."""
    title = TITLES_DA.get(error.status, "Der opstod en fejl")
    message = ACTION_MESSAGES_DA.get(error.action or "") or EXPLANATIONS_DA.get(
        error.status, "Prøv igen, eller kontakt en administrator."
    )
    return title, message


def _back_link(request: Request) -> str | None:
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
    return render(
        request,
        "error.html",
        getattr(request.state, "actor", None),
        status_code=error.status,
        title=title,
        message=message,
        detail=error.detail,
        back=_back_link(request),
    )
