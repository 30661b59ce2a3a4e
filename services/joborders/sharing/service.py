"""Sharing: the coordinating jobcentre lets a-kasser see an order and propose their members."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.joborders.common.store import get_order, get_order_for_update
from services.joborders.common.upsert import insert_if_absent
from services.joborders.forwarding.jobag import get_jobag
from services.joborders.mediation_log.service import log_event
from services.joborders.models import CLOSED_STATUSES, EventType, OrderShare
from services.joborders.policy import access
from shared import audit
from shared.actor import Actor
from shared.db import utcnow
from shared.errors import Forbidden, InvalidState, ValidationFailed
from shared.models import Organisation, OrgKind


def share_order(
    session: Session, actor: Actor, *, order_id: uuid.UUID, organisation_ids: list[uuid.UUID]
) -> list[OrderShare]:
    """The coordinating jobcentre shares an order with a-kasser; ownership does not move."""
    order = get_order_for_update(session, order_id)
    access.require_visible(session, actor, order, action="order.share")
    if not access.can_share(actor, order):
        raise Forbidden(
            "Only the jobcentre coordinating the order shares it",
            action="order.share",
            subject_type="job_order",
            subject_id=order.id,
        )
    if order.status in CLOSED_STATUSES:
        raise InvalidState("A closed order cannot be shared", current_status=order.status.value)
    existing = {
        s.organisation_id: s
        for s in session.scalars(select(OrderShare).where(OrderShare.order_id == order.id))
    }
    for org_id in dict.fromkeys(organisation_ids):
        if org_id in existing:
            continue
        org = session.get(Organisation, org_id)
        if org is None or org.kind is not OrgKind.AKASSE:
            raise ValidationFailed(
                f"{org_id} is not an a-kasse; orders are shared with a-kasser",
                field="organisation_ids",
            )
        share = _claim_share(session, actor, order.id, org.id)
        if share is None:
            continue  # a concurrent request shared it a moment ago; it called JobAG
        reference = get_jobag().share_order(
            order_id=order.id, from_organisation=actor.organisation_name, to_organisation=org.name
        )
        share.jobag_reference = reference
        existing[org.id] = share
        log_event(
            session,
            order,
            actor,
            EventType.SHARED,
            data={"organisation_id": str(org.id), "name": org.name, "jobag_reference": reference},
        )
        audit.record(
            session,
            actor,
            "order.share",
            subject_type="job_order",
            subject_id=order.id,
            detail=str(org.id),
        )
    session.flush()
    current = select(OrderShare).where(OrderShare.order_id == order.id)
    return sorted(session.scalars(current), key=lambda s: s.shared_at)


def _claim_share(
    session: Session, actor: Actor, order_id: uuid.UUID, organisation_id: uuid.UUID
) -> OrderShare | None:
    """Insert the share row before JobAG hears of it; None when another request has it.

    The unique (order, organisation) key decides between racing requests on SQLite,
    which has no row locks, so JobAG is called once per share.
    """
    share_id = uuid.uuid4()
    values = {
        "id": share_id,
        "order_id": order_id,
        "organisation_id": organisation_id,
        "shared_at": utcnow(),
        "shared_by_name": actor.name,
        "jobag_reference": None,
    }
    if not insert_if_absent(session, OrderShare, values):
        return None
    return session.get(OrderShare, share_id)


def list_shares(session: Session, actor: Actor, *, order_id: uuid.UUID) -> list[OrderShare]:
    """The a-kasser the order is shared with."""
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="order.read")
    stmt = select(OrderShare).where(OrderShare.order_id == order.id).order_by(OrderShare.shared_at)
    return list(session.scalars(stmt))


def share_targets(session: Session, actor: Actor, *, order_id: uuid.UUID) -> list[Organisation]:
    """The a-kasser the order can still be shared with, by name."""
    already = {s.organisation_id for s in list_shares(session, actor, order_id=order_id)}
    stmt = select(Organisation).where(Organisation.kind == OrgKind.AKASSE)
    return [o for o in session.scalars(stmt.order_by(Organisation.name)) if o.id not in already]
