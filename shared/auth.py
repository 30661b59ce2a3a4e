"""Authentication (session cookie or bearer API key) and the authorisation helpers."""

import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.actor import Actor
from shared.db import get_engine, get_session, utcnow
from shared.errors import Forbidden, Unauthenticated
from shared.identity import scopes as key_scopes
from shared.identity import sessions
from shared.models import ApiKey, OrgKind, Role, User
from shared.security import constant_time_equal, hash_api_secret, split_api_key

log = logging.getLogger("jobbro.auth")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# The signed cookie's key for the session token (shared/identity/sessions.py).
SESSION_TOKEN = "sid"
# A key's last_used_at is written at most this often, not on every call.
LAST_USED_INTERVAL = timedelta(seconds=60)

# "function" scope: the unit of work commits before the response is sent, so a client that
# follows a redirect reads the new state and a failed commit never follows a 2xx.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def actor_for_user(user: User) -> Actor:
    return Actor(
        kind="user",
        id=user.id,
        name=user.name,
        email=user.email,
        organisation_id=user.organisation_id,
        organisation_name=user.organisation.name,
        organisation_kind=user.organisation.kind,
        role=user.role,
    )


def actor_for_api_key(key: ApiKey) -> Actor:
    return Actor(
        kind="api_key",
        id=key.id,
        name=f"{key.organisation.name} ({key.name})",
        organisation_id=key.organisation_id,
        organisation_name=key.organisation.name,
        organisation_kind=key.organisation.kind,
        scopes=key.scope_set,
    )


def authenticate_api_key(session: Session, raw: str) -> Actor:
    parts = split_api_key(raw)
    if parts is None:
        raise Unauthenticated("Malformed API key", action="auth.api_key")
    prefix, secret = parts
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not constant_time_equal(key.secret_hash, hash_api_secret(secret)):
        raise Unauthenticated("Unknown API key", action="auth.api_key")
    if key.revoked_at is not None:
        raise Unauthenticated("This API key has been revoked", action="auth.api_key")
    now = utcnow()
    if key.expires_at is not None and _aware(key.expires_at) <= now:
        raise Unauthenticated("This API key has expired", action="auth.api_key")
    if key.last_used_at is None or now - _aware(key.last_used_at) > LAST_USED_INTERVAL:
        _touch_last_used(key.id, now)
    return actor_for_api_key(key)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _touch_last_used(key_id: uuid.UUID, now: datetime) -> None:
    """Record the use in a short transaction of its own: a refused or failed request
    still used the key, and its own work may roll back."""
    try:
        with get_engine().begin() as conn:
            conn.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
    except Exception:  # bookkeeping must never refuse a valid key
        log.warning("could not record API key use", exc_info=True)


def ensure_csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Cookie-authenticated writes must echo the session's CSRF token."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    if SESSION_TOKEN not in request.session:
        return
    await require_csrf(request)


async def require_csrf(request: Request) -> None:
    """The request must echo the CSRF token of its cookie (header or form field).

    The login form checks it too, though nobody is logged in yet: otherwise another
    site could log a browser in to an account of the attacker's choosing.
    """
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not constant_time_equal(str(expected), sent):
        raise Forbidden(
            "Missing or wrong CSRF token; reload the page and try again", action="auth.csrf"
        )


def optional_actor(request: Request, session: SessionDep) -> Actor | None:
    """The caller, if any credentials were sent; invalid credentials are refused."""
    header = request.headers.get("authorization")
    actor: Actor | None = None
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthenticated("Use 'Authorization: Bearer <API key>'", action="auth.api_key")
        actor = authenticate_api_key(session, value.strip())
    elif token := request.session.get(SESSION_TOKEN):
        user = sessions.resume(session, str(token))
        if user is not None:
            actor = actor_for_user(user)
        else:
            # Ended on the server (logout, password change, timeout): forget the cookie.
            request.session.clear()
    request.state.actor = actor
    return actor


def current_actor(
    request: Request,
    actor: Annotated[Actor | None, Depends(optional_actor)],
    _csrf: Annotated[None, Depends(check_csrf)],
) -> Actor:
    if actor is None:
        raise Unauthenticated(
            "Log in or send an API key", action=f"{request.method} {request.url.path}"
        )
    if actor.kind == "api_key":
        key_scopes.require_scope(actor.scopes, request.method, request.url.path)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_role(actor: Actor, *roles: Role, action: str) -> None:
    if actor.role not in roles:
        wanted = ", ".join(r.value for r in roles)
        raise Forbidden(f"This needs one of the roles: {wanted}", action=action)


def require_user(actor: Actor, *, action: str) -> None:
    if actor.kind != "user":
        raise Forbidden("Only a logged-in person may do this", action=action)


def require_org_kind(actor: Actor, *kinds: OrgKind, action: str) -> None:
    if actor.organisation_kind not in kinds:
        wanted = ", ".join(k.value for k in kinds)
        raise Forbidden(f"Only organisations of kind {wanted} may do this", action=action)


def require_same_org(
    actor: Actor,
    organisation_id: uuid.UUID,
    *,
    action: str,
    subject_type: str | None = None,
    subject_id: object = None,
) -> None:
    if actor.organisation_id != organisation_id:
        raise Forbidden(
            "This belongs to another organisation",
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
        )
