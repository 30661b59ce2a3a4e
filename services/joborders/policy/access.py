"""Who may see an order and who may act on it: the rules of the cooperation agreement."""

import uuid

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from services.joborders.models import Candidate, JobOrder, OrderShare
from shared.actor import Actor
from shared.errors import Forbidden
from shared.models import Role


def visible_condition(actor: Actor) -> ColumnElement[bool]:
    """SQL filter: orders the actor's organisation takes part in."""
    org = actor.organisation_id
    return or_(
        JobOrder.coordinator_organisation_id == org,
        JobOrder.owner_organisation_id == org,
        JobOrder.origin_organisation_id == org,
        JobOrder.forwarded_to_organisation_id == org,
        shared_condition(org),
    )


def shared_condition(organisation_id: uuid.UUID) -> ColumnElement[bool]:
    """SQL filter: orders shared with that organisation."""
    return exists().where(
        OrderShare.order_id == JobOrder.id, OrderShare.organisation_id == organisation_id
    )


def shared_with(session: Session, order: JobOrder, organisation_id: uuid.UUID) -> bool:
    """Whether the order is shared with that organisation."""
    stmt = select(OrderShare.id).where(
        OrderShare.order_id == order.id, OrderShare.organisation_id == organisation_id
    )
    return session.scalar(stmt) is not None


def can_see(session: Session, actor: Actor, order: JobOrder) -> bool:
    """Owner's and coordinator's organisation, the forwarding a-kasse, its inbox, shares."""
    org = actor.organisation_id
    if org in (
        order.coordinator_organisation_id,
        order.owner_organisation_id,
        order.origin_organisation_id,
        order.forwarded_to_organisation_id,
    ):
        return True
    return shared_with(session, order, org)


def require_visible(session: Session, actor: Actor, order: JobOrder, *, action: str) -> None:
    """Refuse (403, audited) an actor whose organisation has no part in the order."""
    if not can_see(session, actor, order):
        raise Forbidden(
            "This job order belongs to organisations you do not work with on it",
            action=action,
            subject_type="job_order",
            subject_id=order.id,
        )


def is_owner(actor: Actor, order: JobOrder) -> bool:
    """The mediation owner is a person; a system client never is."""
    return actor.kind == "user" and actor.id == order.owner_user_id


def require_owner(actor: Actor, order: JobOrder, *, action: str, what: str) -> None:
    """Refuse (403, audited) anyone but the mediation owner."""
    if not is_owner(actor, order):
        raise Forbidden(
            f"Only the order's mediation owner may {what}",
            action=action,
            subject_type="job_order",
            subject_id=order.id,
        )


def is_coordinator(actor: Actor, order: JobOrder) -> bool:
    """The actor works for the organisation that coordinates the order."""
    return actor.organisation_id == order.coordinator_organisation_id


def can_take_over(actor: Actor, order: JobOrder) -> bool:
    """An administrator of the coordinating organisation may take ownership."""
    return (
        actor.kind == "user" and actor.role is Role.ADMINISTRATOR and is_coordinator(actor, order)
    )


def can_forward(actor: Actor, order: JobOrder) -> bool:
    """The a-kasse holding the order forwards it: its owner, its administrators or its system."""
    if not (actor.is_akasse and is_coordinator(actor, order)):
        return False
    return is_owner(actor, order) or actor.kind == "api_key" or actor.is_administrator


def can_take_forwarded(actor: Actor, order: JobOrder) -> bool:
    """A mediator or administrator of the jobcentre the order was forwarded to."""
    return (
        actor.kind == "user"
        and actor.is_jobcentre
        and actor.role in (Role.MEDIATOR, Role.ADMINISTRATOR)
        and order.forwarded_to_organisation_id == actor.organisation_id
    )


def can_share(actor: Actor, order: JobOrder) -> bool:
    """The coordinating jobcentre shares orders with a-kasser."""
    return actor.is_jobcentre and is_coordinator(actor, order)


def can_edit_details(actor: Actor, order: JobOrder) -> bool:
    """People and systems of the coordinating organisation edit the job description."""
    return is_coordinator(actor, order) or is_owner(actor, order)


def can_propose(session: Session, actor: Actor, order: JobOrder) -> bool:
    """Organisations working on the order, and a-kasser it is shared with, propose candidates."""
    org = actor.organisation_id
    if org in (
        order.coordinator_organisation_id,
        order.owner_organisation_id,
        order.origin_organisation_id,
    ):
        return True
    return shared_with(session, order, org)


def can_contact(actor: Actor, order: JobOrder, candidate: Candidate) -> bool:
    """The contact rule: the finder's organisation first; after that the owner may contact again.

    The agreement: candidates found by the a-kasse are contacted by the a-kasse, those
    found by the jobcentre by the jobcentre; the owner may contact them again before
    referring. Coordinating an order gives no right to the first contact.
    """
    if actor.organisation_id == candidate.found_by_organisation_id:
        return True
    return is_owner(actor, order) and candidate.contact_outcome is not None


def can_archive(actor: Actor, order: JobOrder, candidate: Candidate) -> bool:
    """The owner, or the organisation that proposed the candidate."""
    return is_owner(actor, order) or actor.organisation_id == candidate.found_by_organisation_id
