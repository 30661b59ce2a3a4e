"""Telling the other side of a case: in-app notifications to the organisation's staff."""

import uuid

from sqlalchemy.orm import Session

from services.joborders.notifications.service import mediators_of, notify
from shared.models import Role, User

STAFF = (Role.MEDIATOR, Role.CASEWORKER, Role.ADMINISTRATOR)


def staff_of(session: Session, organisation_id: uuid.UUID) -> list[User]:
    """Everyone who does case work in the organisation (caseworkers too)."""
    return mediators_of(session, organisation_id, STAFF)


def tell(
    session: Session, organisation_id: uuid.UUID, *, kind: str, dedupe_key: str, message: str
) -> int:
    """Notify every active staff member of one organisation once per dedupe key."""
    sent = 0
    for user in staff_of(session, organisation_id):
        sent += notify(session, user, kind=kind, dedupe_key=dedupe_key, message=message) is not None
    return sent
