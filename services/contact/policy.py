"""Who takes part in a member's contact-process case: the member's a-kasse and jobcentre.

Nobody else sees a recommendation or an interview: another a-kasse, another jobcentre
and organisations outside the case get the same 404 as for an unknown id, audited.
"""

import uuid
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.actor import Actor
from shared.audit import RefusedAsNotFound
from shared.errors import Forbidden
from shared.models import Role


def is_party(actor: Actor, *, akasse_id: uuid.UUID, jobcentre_id: uuid.UUID) -> bool:
    return actor.organisation_id in (akasse_id, jobcentre_id)


class Case(Protocol):
    akasse_organisation_id: uuid.UUID
    jobcentre_organisation_id: uuid.UUID


C = TypeVar("C", bound=Case)


def case_or_404(
    session: Session,
    actor: Actor,
    model: type[C],
    case_id: uuid.UUID,
    *,
    action: str,
    subject: str,
    lock: bool = False,
) -> C:
    """The case when the caller is one of its parties; otherwise the 404 of an unknown id."""
    stmt = select(model).where(model.id == case_id)  # type: ignore[attr-defined]
    case = session.scalar(stmt.with_for_update() if lock else stmt)
    if case is None or not is_party(
        actor, akasse_id=case.akasse_organisation_id, jobcentre_id=case.jobcentre_organisation_id
    ):
        raise RefusedAsNotFound(
            f"No such {subject}", action=action, subject_type=subject, subject_id=case_id
        )
    return case


def require_side(actor: Actor, organisation_id: uuid.UUID, *, action: str, who: str) -> None:
    """Only the named side of the case acts here (`who` says which, for the refusal)."""
    if actor.organisation_id != organisation_id:
        raise Forbidden(f"Only the {who} may do this", action=action)


def require_staff(actor: Actor, *, action: str) -> None:
    """Case work is done by people or the organisation's own systems, never by Jobbro alone."""
    if actor.kind == "user" and actor.role not in (
        Role.MEDIATOR,
        Role.CASEWORKER,
        Role.ADMINISTRATOR,
    ):
        raise Forbidden("Your role may not do case work", action=action)
