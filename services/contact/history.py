"""The history of a recommendation or an interview: every step, who took it and when."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.contact.models import ContactEvent
from shared.actor import Actor


def log_step(
    session: Session,
    actor: Actor | None,
    *,
    subject_type: str,
    subject_id: uuid.UUID,
    kind: str,
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> ContactEvent:
    event = ContactEvent(
        id=uuid.uuid4(),
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        actor_name=actor_name or (actor.name if actor else "Jobbro"),
        organisation_id=actor.organisation_id if actor else None,
        detail=detail or {},
    )
    session.add(event)
    return event


def steps(session: Session, subject_id: uuid.UUID) -> list[ContactEvent]:
    return list(
        session.scalars(
            select(ContactEvent)
            .where(ContactEvent.subject_id == subject_id)
            .order_by(ContactEvent.at, ContactEvent.id)
        )
    )
