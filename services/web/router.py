"""Login, logout and the landing page; other pages live in their own modules."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from services.web.pages import candidates, cv, indicators, notifications
from services.web.pages.orders import actions, detail, form, listing, pipeline
from services.web.templating import render
from shared.actor import Actor
from shared.audit import record_denied
from shared.auth import CurrentActor, SessionDep, optional_actor
from shared.errors import Unauthenticated
from shared.identity import service as identity

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


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        actor = identity.authenticate_user(session, email=email, password=password)
    except Unauthenticated:
        record_denied(
            None,
            "auth.login",
            subject_type="user",
            subject_id=email.lower()[:100],
            detail="wrong e-mail or password",
        )
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            error="Forkert e-mail eller adgangskode.",
            email=email,
        )
    request.session.clear()
    request.session["user_id"] = str(actor.id)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, actor: CurrentActor) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(actor: CurrentActor) -> Response:
    """The landing page after login is Mine jobordrer."""
    return RedirectResponse("/jobordrer", status_code=303)


for _pages in (listing, form, detail, actions, pipeline, candidates, cv, indicators, notifications):
    router.include_router(_pages.router)
