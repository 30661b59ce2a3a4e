"""Jinja2 environment shared by every page of the UI."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from shared.actor import Actor
from shared.auth import ensure_csrf_token

TEMPLATE_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATE_DIR)

ROLE_DA = {"mediator": "formidler", "caseworker": "sagsbehandler", "administrator": "administrator"}
ORG_KIND_DA = {"jobcentre": "jobcenter", "akasse": "a-kasse", "employer": "virksomhed"}
templates.env.globals["ROLE_DA"] = ROLE_DA
templates.env.globals["ORG_KIND_DA"] = ORG_KIND_DA


def render(
    request: Request,
    name: str,
    actor: Actor | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    context.update(actor=actor, csrf_token=ensure_csrf_token(request))
    return templates.TemplateResponse(request, name, context, status_code=status_code)
