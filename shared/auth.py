"""Authentication (session cookie or bearer API key) and the authorisation helpers."""

import secrets
import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.actor import Actor
from shared.db import get_session
from shared.errors import Forbidden, Unauthenticated
from shared.models import ApiKey, OrgKind, Role, User
from shared.security import constant_time_equal, hash_api_secret, split_api_key

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

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
    return actor_for_api_key(key)


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
    if "user_id" not in request.session:
        return
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
    elif user_id := request.session.get("user_id"):
        try:
            user = session.get(User, uuid.UUID(str(user_id)))
        except ValueError:
            user = None
        if user is not None and user.active:
            actor = actor_for_user(user)
        else:
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
