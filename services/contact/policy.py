"""Who takes part in a member's contact-process case: the member's a-kasse and jobcentre.

Nobody else sees a recommendation or an interview: another a-kasse, another jobcentre
and organisations outside the case get the same 404 as for an unknown id, audited.
"""

import uuid

from shared.actor import Actor
from shared.audit import RefusedAsNotFound
from shared.errors import Forbidden
from shared.models import Role


def is_party(actor: Actor, *, akasse_id: uuid.UUID, jobcentre_id: uuid.UUID) -> bool:
    return actor.organisation_id in (akasse_id, jobcentre_id)


def require_party(
    actor: Actor,
    *,
    akasse_id: uuid.UUID,
    jobcentre_id: uuid.UUID,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID,
) -> None:
    if not is_party(actor, akasse_id=akasse_id, jobcentre_id=jobcentre_id):
        raise RefusedAsNotFound(
            f"No such {subject_type}",
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
        )


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
