"""Acting for a person across the service boundary: a signed, short-lived actor assertion.

When the job-order service calls a separately deployed matching service, it authenticates
with its own API key, but the CVs the answer may show, and the audit trail, depend on the
person (or a-kasse system) it acts for. A bare header naming that person could be set by
any key holder, so the job-order service signs the actor with a secret only the two
services share (`JOBBRO_MATCHING_ACTOR_SECRET`), binds it to its own key and lets it
expire within a minute. The matching service checks signature, age and key, loads the
organisation from its own tables, and then applies that organisation's visibility.
"""

import uuid
from typing import Annotated, Any

import itsdangerous
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from shared.actor import Actor
from shared.auth import CurrentActor, SessionDep
from shared.errors import Forbidden, Unauthenticated
from shared.models import ApiKey, Organisation, Role
from shared.security import split_api_key
from shared.settings import get_settings

ACTOR_HEADER = "X-Jobbro-Actor"
# Long enough for one call over a slow network, short enough that a copied header is
# useless soon after; the assertion is made anew for every call.
MAX_AGE_SECONDS = 60
_SALT = "jobbro.matching.acting-for"


def _serializer(secret: str) -> itsdangerous.URLSafeTimedSerializer:
    return itsdangerous.URLSafeTimedSerializer(secret, salt=_SALT)


def sign_actor(actor: Actor, *, api_key: str, secret: str) -> str:
    """The assertion the job-order service sends with a call made with `api_key`."""
    parts = split_api_key(api_key)
    payload: dict[str, Any] = {
        "kind": actor.kind,
        "id": str(actor.id) if actor.id else None,
        "name": actor.name,
        "org": str(actor.organisation_id),
        "role": actor.role.value if actor.role else None,
        # Bound to the calling key: another key holder cannot replay it as their own.
        "key": parts[0] if parts else None,
    }
    return _serializer(secret).dumps(payload)


def _refuse(detail: str) -> Unauthenticated:
    return Unauthenticated(detail, action="auth.acting_for")


def verify_actor(session: Session, caller: Actor, assertion: str, *, secret: str) -> Actor:
    """The person or system the calling key acts for, once the assertion proves it."""
    if not secret:
        raise _refuse("This matching service does not accept calls on behalf of others")
    if caller.kind != "api_key":
        raise _refuse("Only a service's API key may act on behalf of others")
    try:
        payload = _serializer(secret).loads(assertion, max_age=MAX_AGE_SECONDS)
    except itsdangerous.SignatureExpired as exc:
        raise _refuse("The actor assertion has expired") from exc
    except itsdangerous.BadData as exc:
        raise _refuse("The actor assertion is not validly signed") from exc
    key = session.get(ApiKey, caller.id)
    if key is None or not isinstance(payload, dict) or payload.get("key") != key.prefix:
        raise Forbidden(
            "The actor assertion was made for another API key", action="auth.acting_for"
        )
    try:
        organisation = session.get(Organisation, uuid.UUID(str(payload["org"])))
        acting_id = uuid.UUID(payload["id"]) if payload.get("id") else None
        role = Role(payload["role"]) if payload.get("role") else None
        kind = payload["kind"]
    except (KeyError, ValueError) as exc:
        raise _refuse("The actor assertion is incomplete") from exc
    if organisation is None or kind not in ("user", "api_key", "system"):
        raise _refuse("The actor assertion names an unknown organisation")
    return Actor(
        kind=kind,
        id=acting_id,
        # The audit row names both: the person in its actor columns, the service here.
        name=f"{payload.get('name', '')} (via {caller.name})"[:200],
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        organisation_kind=organisation.kind,
        role=role,
    )


def acting_actor(request: Request, caller: CurrentActor, session: SessionDep) -> Actor:
    """The caller, or the person a trusted service acts for (visibility and audit are theirs)."""
    assertion = request.headers.get(ACTOR_HEADER)
    if not assertion:
        return caller
    actor = verify_actor(session, caller, assertion, secret=get_settings().matching_actor_secret)
    # Refusals after this point are audited under the person, like the permitted reads.
    request.state.actor = actor
    return actor


ActingActor = Annotated[Actor, Depends(acting_actor)]
