"""Mediation ownership: hand-over by the owner, take-over by the coordinator's administrator."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.joborders.common.store import (
    check_version,
    claim_version,
    get_order,
    get_order_for_update,
)
from services.joborders.mediation_log.service import log_event
from services.joborders.models import EventType, JobOrder, OwnerChange, OwnerChangeKind
from services.joborders.policy import access
from shared import audit
from shared.actor import Actor
from shared.errors import Forbidden, ValidationFailed
from shared.models import User


def _target(
    session: Session, actor: Actor, new_owner_id: uuid.UUID | None, new_owner_email: str | None
) -> User:
    if new_owner_id is not None:
        user = session.get(User, new_owner_id)
    elif new_owner_email is not None:
        user = session.scalar(select(User).where(User.email == new_owner_email.lower()))
    else:
        user = session.get(User, actor.id) if actor.id is not None else None
    if user is None or not user.active:
        raise ValidationFailed("The new owner must be an active person", field="new_owner_id")
    return user


def record_owner_change(
    session: Session,
    actor: Actor,
    order: JobOrder,
    new_owner: User,
    *,
    kind: OwnerChangeKind,
    reason: str,
) -> None:
    """Set the owner of a locked order and write the history row and the log event."""
    previous = order.owner_user_id
    order.owner_user_id = new_owner.id
    order.owner_organisation_id = new_owner.organisation_id
    order.owner = new_owner
    session.add(
        OwnerChange(
            order_id=order.id,
            kind=kind,
            from_user_id=previous,
            to_user_id=new_owner.id,
            changed_by_type=actor.kind,
            changed_by_id=actor.id,
            changed_by_name=actor.name,
            changed_by_organisation_id=actor.organisation_id,
            reason=reason,
        )
    )
    log_event(
        session,
        order,
        actor,
        EventType.OWNER_CHANGED,
        data={
            "kind": kind.value,
            "from_user_id": str(previous),
            "to_user_id": str(new_owner.id),
            "to_name": new_owner.name,
            "reason": reason,
        },
    )


def change_owner(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    reason: str,
    expected_version: int | None,
    new_owner_id: uuid.UUID | None = None,
    new_owner_email: str | None = None,
) -> JobOrder:
    """Hand the order over (owner) or take it over (administrator of the coordinator)."""
    order = get_order_for_update(session, order_id)
    access.require_visible(session, actor, order, action="order.change_owner")
    # A caller who edited an old copy hears that first, whatever has changed since.
    check_version(order, expected_version)
    if access.is_owner(actor, order):
        kind = OwnerChangeKind.HAND_OVER
    elif access.can_take_over(actor, order):
        kind = OwnerChangeKind.TAKE_OVER
    else:
        raise Forbidden(
            "Only the owner hands an order over, and only an administrator of the "
            "coordinating organisation takes one over",
            action="order.change_owner",
            subject_type="job_order",
            subject_id=order.id,
        )
    new_owner = _target(session, actor, new_owner_id, new_owner_email)
    if new_owner.organisation_id != order.coordinator_organisation_id:
        raise ValidationFailed(
            "The new owner must work for the coordinating organisation; an a-kasse forwards "
            "the order to the jobcentre instead",
            field="new_owner_id",
        )
    if new_owner.id == order.owner_user_id:
        raise ValidationFailed("That person already owns the order", field="new_owner_id")
    claim_version(session, order, expected_version)
    record_owner_change(session, actor, order, new_owner, kind=kind, reason=reason)
    audit.record(
        session,
        actor,
        f"order.{kind.value}",
        subject_type="job_order",
        subject_id=order.id,
        detail=f"to {new_owner.id}",
    )
    return order


def owner_history(session: Session, actor: Actor, *, order_id: uuid.UUID) -> list[OwnerChange]:
    """Who owned the order, who changed it and why, oldest first."""
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="order.read")
    stmt = (
        select(OwnerChange)
        .where(OwnerChange.order_id == order.id)
        .order_by(OwnerChange.at, OwnerChange.id)
    )
    return list(session.scalars(stmt))


def eligible_owners(session: Session, actor: Actor, *, order: JobOrder) -> list[User]:
    """Whom the order can be handed to: active people of the coordinating organisation."""
    access.require_visible(session, actor, order, action="order.read")
    stmt = (
        select(User)
        .where(
            User.organisation_id == order.coordinator_organisation_id,
            User.active.is_(True),
            User.id != order.owner_user_id,
        )
        .order_by(User.name)
    )
    return list(session.scalars(stmt))
