"""Jinja2 environment shared by every page of the UI."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.responses import Response

from services.web.labels import ALL as LABELS
from shared.actor import Actor
from shared.auth import ensure_csrf_token
from shared.geo import postal_name

TEMPLATE_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATE_DIR)

ROLE_DA = {"mediator": "formidler", "caseworker": "sagsbehandler", "administrator": "administrator"}
ORG_KIND_DA = {"jobcentre": "jobcenter", "akasse": "a-kasse", "employer": "virksomhed"}

MONTHS_DA = [
    "jan.",
    "feb.",
    "mar.",
    "apr.",
    "maj",
    "jun.",
    "jul.",
    "aug.",
    "sep.",
    "okt.",
    "nov.",
    "dec.",
]


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def local(value: datetime) -> datetime:
    """A stored time (UTC; SQLite drops the zone) in Danish local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(COPENHAGEN)


def dato(value: date | datetime | None) -> str:
    """A date the Danish way: 5. mar. 2026."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.day}. {MONTHS_DA[value.month - 1]} {value.year}"


def tidspunkt(value: datetime | None) -> str:
    """A date and time the Danish way: 5. mar. 2026 kl. 14.05."""
    if value is None:
        return "–"
    value = local(value)
    return f"{dato(value)} kl. {value.hour:02d}.{value.minute:02d}"


def tal(value: float | int | None) -> str:
    """A number the Danish way, without a needless ',0': 37 or 37,5."""
    if value is None:
        return "–"
    return f"{value:g}".replace(".", ",")


def procent(value: float | None) -> str:
    """A share as a Danish percentage with one decimal (comma)."""
    if value is None:
        return "–"
    return f"{value * 100:.1f} %".replace(".", ",")


def by(postal_code: str | None) -> str:
    """A postal code with its town, as Danes read it: 8500 Grenaa."""
    if not postal_code:
        return "–"
    name = postal_name(postal_code)
    return f"{postal_code} {name}" if name else postal_code


def query(request: Request, **changes: Any) -> str:
    """The current query string with some parameters changed (for filters and pages)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


templates.env.globals.update(ROLE_DA=ROLE_DA, ORG_KIND_DA=ORG_KIND_DA, query=query, **LABELS)
templates.env.filters.update(dato=dato, tidspunkt=tidspunkt, procent=procent, tal=tal, by=by)

# The job-order service registers how the header counts unread notifications, so this
# module does not import it (and the login page works before that service exists).
NotificationCounter = Callable[[Session, Actor], int]
_counter: list[NotificationCounter] = []


def set_notification_counter(counter: NotificationCounter) -> None:
    _counter[:] = [counter]


def render(
    request: Request,
    name: str,
    actor: Actor | None = None,
    status_code: int = 200,
    *,
    session: Session | None = None,
    **context: Any,
) -> Response:
    """Render a page; with a session, the header also shows the unread notifications."""
    unread = 0
    if session is not None and actor is not None and actor.kind == "user" and _counter:
        unread = _counter[0](session, actor)
    if "flash" not in context and "flash" in request.session:
        kind, message, *place = request.session.pop("flash")
        at, link = [*place, "", None][:2]
        context.update(flash=message, flash_kind=kind, flash_at=at or "", flash_link=link)
    context.update(
        actor=actor,
        csrf_token=ensure_csrf_token(request),
        unread_notifications=unread,
        htmx=request.headers.get("HX-Request") == "true",
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)
