"""Idempotency keys: a retried system-API write returns the first result and creates nothing."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.joborders.common.upsert import insert_if_absent
from services.joborders.models import IdempotencyKey
from shared.actor import Actor
from shared.db import utcnow
from shared.errors import IdempotencyKeyInFlight, IdempotencyKeyReused


@dataclass
class Claim:
    """A key claimed by this request; `complete` stores what it created."""

    session: Session | None = None
    row_id: uuid.UUID | None = None

    def complete(self, resource_id: uuid.UUID) -> None:
        """Remember the resource the first request produced."""
        if self.session is not None and self.row_id is not None:
            self.session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.id == self.row_id)
                .values(resource_id=resource_id)
            )


def fingerprint(operation: str, payload: dict[str, Any]) -> str:
    """A hash of the request, so a key reused for a different request is caught."""
    text = json.dumps({"op": operation, **payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _check(row: IdempotencyKey, operation: str, digest: str) -> uuid.UUID:
    if row.operation != operation or row.fingerprint != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request",
            idempotency_key=row.key,
        )
    if row.resource_id is None:
        raise IdempotencyKeyInFlight("A request with this Idempotency-Key is still being processed")
    return row.resource_id


def lookup(
    session: Session, actor: Actor, *, key: str | None, operation: str, payload: dict[str, Any]
) -> uuid.UUID | None:
    """The resource a previous request with this key created, if there was one (read only)."""
    if key is None:
        return None
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.organisation_id == actor.organisation_id, IdempotencyKey.key == key
        )
    )
    return None if row is None else _check(row, operation, fingerprint(operation, payload))


def claim(
    session: Session, actor: Actor, *, key: str | None, operation: str, payload: dict[str, Any]
) -> tuple[Claim, uuid.UUID | None]:
    """Claim the key for this request, or return the resource an earlier request created."""
    if key is None:
        return Claim(), None
    digest = fingerprint(operation, payload)
    row_id = uuid.uuid4()
    values = {
        "id": row_id,
        "organisation_id": actor.organisation_id,
        "key": key,
        "operation": operation,
        "fingerprint": digest,
        "created_at": utcnow(),
    }
    # A concurrent twin inserting the same key makes us wait for it on the unique index.
    if insert_if_absent(session, IdempotencyKey, values):
        return Claim(session, row_id), None
    existing = session.scalar(
        select(IdempotencyKey)
        .where(
            IdempotencyKey.organisation_id == actor.organisation_id,
            IdempotencyKey.key == key,
        )
        .execution_options(populate_existing=True)
    )
    if existing is None:
        raise IdempotencyKeyInFlight("A request with this Idempotency-Key is still being processed")
    return Claim(), _check(existing, operation, digest)
