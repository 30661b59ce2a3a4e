"""The application spine: middleware, error handlers and health checks every app gets."""

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Match

from shared import db, metrics
from shared.audit import record_denied
from shared.context import request_id_var
from shared.errors import (
    PROBLEM_JSON,
    AppError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from shared.health import health_router
from shared.input_encoding import Utf8Guard
from shared.logging import safe_db_error
from shared.settings import get_settings

log = logging.getLogger("jobbro.http")

HtmlErrorRenderer = Callable[[Request, AppError], Response | None]

# How long a client should wait before trying again after the database did not answer.
DATABASE_RETRY_AFTER_SECONDS = 5


def wants_problem_json(request: Request) -> bool:
    """API paths, and clients that ask for JSON rather than HTML, get problem+json."""
    if request.url.path.startswith("/api"):
        return True
    accept = request.headers.get("accept", "").lower()
    return "json" in accept and "text/html" not in accept


def _html_error(request: Request, error: AppError) -> Response | None:
    """The app's HTML page for an error a browser met, if it has a renderer."""
    renderer: HtmlErrorRenderer | None = getattr(request.app.state, "html_error_renderer", None)
    if renderer is None or wants_problem_json(request):
        return None
    return renderer(request, error)


# Everything the UI loads is served from here (vendored htmx and Pico, our CSS); the
# pages have no inline script or style. Pico's icons are data: URIs in its CSS.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# FastAPI's interactive API docs load Swagger UI / ReDoc from a CDN with an inline
# bootstrap script; they show no personal data.
API_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; worker-src blob:; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
API_DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


def set_security_headers(response: Response, path: str) -> None:
    """Headers every answer carries, errors included (`_unhandled` calls this too)."""
    headers = response.headers
    policy = API_DOCS_POLICY if path in API_DOCS_PATHS else CONTENT_SECURITY_POLICY
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if get_settings().secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not path.startswith("/static/"):
        # Pages and API answers carry personal data: no browser or proxy keeps a copy.
        headers["Cache-Control"] = "no-store"


def problem_response(request: Request, error: AppError) -> Response:
    renderer: HtmlErrorRenderer | None = getattr(request.app.state, "html_error_renderer", None)
    if renderer is not None and not wants_problem_json(request):
        html = renderer(request, error)
        if html is not None:
            return html
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    if retry_after := error.extra.get("retry_after"):
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(
        error.problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, Unauthenticated | Forbidden):
        # On a worker thread: this handler runs on the event loop, and a write that
        # waits for a slow database there would stall every request, /healthz included.
        await run_in_threadpool(
            record_denied,
            getattr(request.state, "actor", None),
            exc.action or f"{request.method} {request.url.path}",
            subject_type=exc.subject_type,
            subject_id=exc.subject_id,
            detail=exc.detail,
        )
    return problem_response(request, exc)


def _clean_errors(errors: Any) -> list[dict[str, Any]]:
    cleaned = []
    for err in errors:
        cleaned.append(
            {"loc": list(err.get("loc", ())), "msg": err.get("msg"), "type": err.get("type")}
        )
    return jsonable_encoder(cleaned)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_errors(exc.errors())
    # A browser that followed a broken link (/jobordrer/abc) meets a missing page, not a form
    # error; bad query values are invalid input.
    in_path = all(e["loc"][:1] == ["path"] for e in errors)
    html = _html_error(
        request,
        NotFound("No such page") if in_path else ValidationFailed("Invalid input", errors=errors),
    )
    if html is not None:
        return html
    fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
    body = {
        "type": "https://jobbro.dk/problems/validation-failed",
        "title": "Validation failed",
        "status": 422,
        "detail": f"Invalid input: {fields}" if fields else "Invalid input",
        "instance": request.url.path,
        "errors": errors,
    }
    return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    allow = ", ".join(sorted(_allowed_methods(request))) if exc.status_code == 405 else ""
    if exc.status_code in (404, 405):
        # A browser gets the Danish "page not found" page, with the true status and Allow.
        html = _html_error(request, NotFound(str(exc.detail)))
        if html is not None:
            html.status_code = exc.status_code
            if allow:
                html.headers["Allow"] = allow
            return html
    body = {
        "type": "about:blank",
        "title": str(exc.detail) if exc.status_code < 500 else "Server error",
        "status": exc.status_code,
        "detail": str(exc.detail),
        "instance": request.url.path,
    }
    headers = dict(getattr(exc, "headers", None) or {})
    if allow:
        # Starlette lists only the first matching route's methods; list every route's.
        headers["Allow"] = allow
    return JSONResponse(body, status_code=exc.status_code, media_type=PROBLEM_JSON, headers=headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> set[str]:
    # Ask every route (included routers too, which are not flat `Route`s) whether it
    # would take the path with each method.
    methods: set[str] = set()
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.routes):
            methods.add(method)
    return methods


async def _database_error(request: Request, exc: Exception) -> Response:
    """A database that did not answer within its bounded wait: 503 with the request id.

    Any other database error is a bug and goes on to the 500 handler.
    """
    if not db.is_unavailable(exc):
        raise exc
    detail = safe_db_error(exc) if isinstance(exc, DBAPIError) else type(exc).__name__
    log.warning("database unavailable", extra={"fields": {"error": detail}})
    error = ServiceUnavailable(
        "The database did not answer in time; nothing was changed. Try again shortly.",
        retry_after=DATABASE_RETRY_AFTER_SECONDS,
    )
    return problem_response(request, error)


async def _unhandled(request: Request, exc: Exception) -> Response:
    # This handler runs outside the middleware, after it reset the context variable;
    # the id the middleware left on the request's state is the one the caller saw.
    request_id = getattr(request.state, "request_id", None) or request_id_var.get()
    log.exception("unhandled error", extra={"fields": {"request_id": request_id}})
    body = {
        "type": "about:blank",
        "title": "Internal server error",
        "status": 500,
        "detail": "Something went wrong on our side; the request id identifies it in the logs",
        "request_id": request_id,
    }
    # This handler answers outside the middleware stack, so it sets the headers itself.
    headers = {"X-Request-ID": request_id} if request_id else None
    response = JSONResponse(body, status_code=500, media_type=PROBLEM_JSON, headers=headers)
    set_security_headers(response, request.url.path)
    return response


async def _request_context(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    incoming = request.headers.get("x-request-id", "")
    request_id = (
        incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
    )
    token = request_id_var.set(request_id)
    request.state.request_id = request_id
    request.state.actor = None
    started = time.perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        response.headers["X-Request-ID"] = request_id
        set_security_headers(response, request.url.path)
        return response
    finally:
        actor = getattr(request.state, "actor", None)
        seconds = time.perf_counter() - started
        # The route's template (/api/orders/{order_id}), not the path: ids would make
        # a series per order.
        route = getattr(request.scope.get("route"), "path", None) or "unmatched"
        metrics.observe_request(request.method, route, status, seconds)
        log.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.url.path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    # Ids, not names: logs carry no personal data (docs/security-sessions.md).
                    "actor_kind": actor.kind if actor else None,
                    "actor_id": str(actor.id) if actor and actor.id else None,
                    "organisation_id": str(actor.organisation_id) if actor else None,
                }
            },
        )
        request_id_var.reset(token)


def create_app(
    title: str,
    description: str,
    routers: list[APIRouter],
    on_startup: Sequence[Callable[[], None]] = (),
) -> FastAPI:
    """An app with the spine in place; each service passes its own routers and start hooks."""
    settings = get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for hook in on_startup:
            hook()
        yield

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(Exception, _unhandled)
    # Innermost (added first): its Danish error page needs the session and request id.
    app.add_middleware(Utf8Guard)
    app.middleware("http")(_request_context)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="jobbro_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.secure,
    )
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    return app
