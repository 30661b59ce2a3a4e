"""Helpers every page module shares: the posted form, flash messages, redirects, paging."""

import math
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from shared.auth import SessionDep

PAGE_SIZE = 20

# The same per-request unit of work as the API's (it commits before the response leaves).
WebSession = SessionDep


async def read_form(request: Request) -> FormData:
    """The posted form (already parsed and cached by the CSRF check)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(read_form)]


def form_values(form: FormData) -> dict[str, str]:
    """Single-valued form fields as strings (files are ignored)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def flash(
    request: Request,
    message: str,
    kind: str = "ok",
    *,
    at: str = "",
    link: tuple[str, str] | None = None,
) -> None:
    """A message shown once on the next page.

    `at` names the place on the page the message belongs to (an action's element id), so
    an error shows where the user acted rather than out of view at the top; `link` is an
    (url, text) pair shown after the message.
    """
    request.session["flash"] = [kind, message, at, list(link) if link else None]


def redirect(url: str) -> Response:
    """Post/redirect/get: a reload never repeats a write."""
    return RedirectResponse(url, status_code=303)


def flash_redirect(
    request: Request, url: str, message: str, kind: str = "ok", *, at: str = ""
) -> Response:
    """Say what happened on the page the user is sent to next (at the action when `at`)."""
    flash(request, message, kind, at=at)
    return redirect(f"{url}#{at}" if at else url)


def page_number(value: Any) -> int:
    """A 1-based page number from the query string; nonsense means page 1."""
    try:
        return max(1, min(int(value), 10_000))
    except (TypeError, ValueError):
        return 1


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))
