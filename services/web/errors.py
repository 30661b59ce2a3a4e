"""Errors shown as readable Danish pages instead of problem+json."""

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
}


def render_html_error(request: Request, error: AppError) -> Response | None:
    if isinstance(error, Unauthenticated) and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(
        request,
        "error.html",
        getattr(request.state, "actor", None),
        status_code=error.status,
        title=TITLES_DA.get(error.status, "Der opstod en fejl"),
        detail=error.detail,
    )
