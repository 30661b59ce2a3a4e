"""Login, logout and the landing page; other pages live in their own modules."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from services.web.pages import candidates, cv, indicators, notifications
from services.web.pages.contact import interviews as contact_interviews
from services.web.pages.contact import recommendations as contact_recommendations
from services.web.pages.orders import actions, detail, form, listing, pipeline
from services.web.pages.orders import bulk as order_bulk
from services.web.pages.orders import cards as order_cards
from services.web.pages.orders import notes as order_notes
from services.web.templating import render
from shared.actor import Actor
from shared.audit import record_denied
from shared.auth import SESSION_TOKEN, CurrentActor, SessionDep, optional_actor, require_csrf
from shared.errors import Forbidden, Unauthenticated
from shared.identity import service as identity
from shared.identity.throttle import TooManyAttempts

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so the login form cannot become an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_form(
    request: Request,
    actor: Annotated[Actor | None, Depends(optional_actor)],
    next: str | None = None,
) -> Response:
    if actor is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", next=_safe_next(next), error=None, email="")


async def _login_csrf_ok(request: Request) -> bool:
    try:
        await require_csrf(request)
    except Forbidden as exc:
        record_denied(None, "auth.csrf", detail=f"login form: {exc.detail}")
        return False
    return True


def _wait_da(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} sekunder"
    return f"{(seconds + 59) // 60} minutter"


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    csrf_ok: Annotated[bool, Depends(_login_csrf_ok)],
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    def again(status: int, error: str, headers: dict[str, str] | None = None) -> Response:
        page = render(
            request,
            "login.html",
            status_code=status,
            next=_safe_next(next),
            error=error,
            email=email,
        )
        page.headers.update(headers or {})
        return page

    if not csrf_ok:
        return again(403, "Siden var for gammel. Prøv at logge ind igen.")
    address = request.client.host if request.client else "unknown"
    try:
        _actor, token = identity.log_in(session, email=email, password=password, address=address)
    except TooManyAttempts as exc:
        return again(
            429,
            "For mange mislykkede forsøg på at logge ind. "
            f"Vent {_wait_da(exc.retry_after)}, og prøv igen.",
            {"Retry-After": str(exc.retry_after)},
        )
    except Unauthenticated:
        return again(401, "Forkert e-mail eller adgangskode.")
    # A new cookie (and CSRF token) at login, so a planted cookie never becomes a login.
    request.session.clear()
    request.session[SESSION_TOKEN] = token
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    if token := request.session.get(SESSION_TOKEN):
        identity.log_out(session, str(token))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(actor: CurrentActor) -> Response:
    """The landing page after login is Mine jobordrer."""
    return RedirectResponse("/jobordrer", status_code=303)


for _pages in (listing, form, detail, actions, pipeline, candidates, cv, indicators, notifications):
    router.include_router(_pages.router)
for _pages in (contact_recommendations, contact_interviews):
    router.include_router(_pages.router)
for _pages in (order_bulk, order_notes, order_cards):
    router.include_router(_pages.router)
