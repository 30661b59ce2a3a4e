"""The single way anything is written to the audit log."""

import logging

from sqlalchemy.orm import Session

from shared.actor import Actor
from shared.context import request_id_var
from shared.db import unit_of_work
from shared.errors import Forbidden, NotFound
from shared.models import AuditEvent, Outcome

log = logging.getLogger("jobbro.audit")


def _event(
    actor: Actor | None,
    action: str,
    outcome: Outcome,
    subject_type: str | None,
    subject_id: object,
    detail: str | None,
) -> AuditEvent:
    return AuditEvent(
        actor_type=actor.kind if actor else "anonymous",
        actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else None,
        organisation_id=actor.organisation_id if actor else None,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        outcome=outcome,
        request_id=request_id_var.get(),
        detail=detail,
    )


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    subject_type: str | None = None,
    subject_id: object = None,
    outcome: Outcome = Outcome.PERMIT,
    detail: str | None = None,
) -> None:
    """Audit a permitted action inside the caller's transaction, so it lands with the data."""
    session.add(_event(actor, action, outcome, subject_type, subject_id, detail))


def record_denied(
    actor: Actor | None,
    action: str,
    *,
    subject_type: str | None = None,
    subject_id: object = None,
    detail: str | None = None,
) -> None:
    """Audit a refusal in its own transaction: the refused request's own work rolls back."""
    event = _event(actor, action, Outcome.DENY, subject_type, subject_id, detail)
    try:
        with unit_of_work() as session:
            session.add(event)
    except Exception:  # the refusal must still reach the caller if the audit store is down
        log.exception("could not write deny audit event for %s", action)


class RefusedAsNotFound(NotFound, Forbidden):
    """A refusal answered as 404, so the caller does not learn that the thing exists.

    It is a Forbidden too, so the error handler audits it like every 403: a CV a jobcentre
    may not see, another person's notification, a candidate id from another order.
    The response is the plain 404 problem.
    """

    status, title, slug = NotFound.status, NotFound.title, NotFound.slug
