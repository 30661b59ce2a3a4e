"""JobAG forwarding: an a-kasse hands an order to a jobcentre, whose mediator takes it."""

import uuid

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.joborders.common import idempotency
from services.joborders.common.store import (
    check_version,
    claim_version,
    get_order,
    get_order_for_update,
)
from services.joborders.forwarding.jobag import get_jobag
from services.joborders.mediation_log.service import log_event
from services.joborders.models import (
    CLOSED_STATUSES,
    EventType,
    JobOrder,
    OwnerChangeKind,
)
from services.joborders.notifications import service as notifications
from services.joborders.ownership.service import record_owner_change
from services.joborders.policy import access
from services.joborders.webhooks import service as webhooks
from services.joborders.webhooks.models import WebhookEvent
from shared import audit
from shared.actor import Actor
from shared.db import utcnow
from shared.errors import Forbidden, InvalidState, ValidationFailed
from shared.identity.service import jobcentre_for_postal_code
from shared.models import Organisation, OrgKind, User
from shared.tasks import send_after_commit


def _target_jobcentre(
    session: Session, order: JobOrder, jobcentre_id: uuid.UUID | None
) -> Organisation:
    if jobcentre_id is not None:
        org = session.get(Organisation, jobcentre_id)
        if org is None or org.kind is not OrgKind.JOBCENTRE:
            raise ValidationFailed("jobcentre_id is not a jobcentre", field="jobcentre_id")
        return org
    org = jobcentre_for_postal_code(session, order.workplace_postal_code)
    if org is None:
        raise ValidationFailed(
            "No jobcentre found for the workplace's municipality; send jobcentre_id",
            field="jobcentre_id",
        )
    return org


def _claim_forward(session: Session, order: JobOrder) -> None:
    """Mark the order forwarded in the database before JobAG hears of it.

    SQLite has no row locks, so two racing forwards both read "not forwarded yet"; the
    conditional UPDATE lets exactly one of them through (the other waits for the write
    lock, then finds the row taken), and only that one calls the exchange. A failing
    exchange rolls the claim back with the rest of the request.
    """
    claimed = session.execute(
        update(JobOrder)
        .where(JobOrder.id == order.id, JobOrder.forwarded_at.is_(None))
        .values(forwarded_at=utcnow())
        .returning(JobOrder.forwarded_at)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if claimed is None:
        raise InvalidState("The order has already been forwarded via JobAG")
    set_committed_value(order, "forwarded_at", claimed)


def forward_order(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    reason: str,
    jobcentre_id: uuid.UUID | None = None,
    idempotency_key: str | None = None,
) -> JobOrder:
    """An a-kasse that cannot fill an order forwards it to the jobcentre via JobAG."""
    payload = {"order_id": str(order_id), "reason": reason, "jobcentre_id": str(jobcentre_id)}
    claim, earlier = idempotency.claim(
        session, actor, key=idempotency_key, operation="order.forward", payload=payload
    )
    if earlier is not None:
        return get_order(session, earlier)
    order = get_order_for_update(session, order_id)
    access.require_visible(session, actor, order, action="order.forward")
    if not access.can_forward(actor, order):
        raise Forbidden(
            "Only the a-kasse holding the order (its owner, administrators or system) forwards it",
            action="order.forward",
            subject_type="job_order",
            subject_id=order.id,
        )
    if order.status in CLOSED_STATUSES:
        raise InvalidState("A closed order cannot be forwarded", current_status=order.status.value)
    if order.forwarded_at is not None:
        raise InvalidState("The order has already been forwarded via JobAG")
    jobcentre = _target_jobcentre(session, order, jobcentre_id)
    _claim_forward(session, order)
    with webhooks.on_refusal(session, order.id):  # subscribers hear of a JobAG refusal
        reference = get_jobag().forward_order(
            order_id=order.id,
            from_organisation=actor.organisation_name,
            to_organisation=jobcentre.name,
            reason=reason,
        )
    claim_version(session, order, None)
    order.forwarded_to_organisation_id = jobcentre.id
    order.forward_reason = reason
    order.jobag_reference = reference
    log_event(
        session,
        order,
        actor,
        EventType.FORWARDED,
        data={
            "via": "JobAG",
            "to_organisation_id": str(jobcentre.id),
            "to_name": jobcentre.name,
            "reason": reason,
            "jobag_reference": reference,
        },
    )
    audit.record(session, actor, "order.forward", subject_type="job_order", subject_id=order.id)
    claim.complete(order.id)
    send_after_commit(session, "joborders.notify_forwarded", str(order.id))
    return order


def take_forwarded_order(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    reason: str,
    expected_version: int | None = None,
) -> JobOrder:
    """A jobcentre mediator takes ownership of a forwarded order; the jobcentre coordinates."""
    order = get_order_for_update(session, order_id)
    access.require_visible(session, actor, order, action="order.take_forwarded")
    # A caller who edited an old copy hears that first, whatever has changed since.
    check_version(order, expected_version)
    if not access.can_take_forwarded(actor, order):
        raise Forbidden(
            "Only a mediator of the jobcentre the order was forwarded to takes it",
            action="order.take_forwarded",
            subject_type="job_order",
            subject_id=order.id,
        )
    if order.forward_taken_at is not None:
        if access.is_owner(actor, order):
            return order  # the same mediator's retry
        raise InvalidState("The forwarded order has already been taken by a mediator")
    if order.status in CLOSED_STATUSES:
        raise InvalidState("The order was closed", current_status=order.status.value)
    claim_version(session, order, expected_version)
    assert actor.id is not None
    user = session.get(User, actor.id)
    assert user is not None
    order.coordinator_organisation_id = actor.organisation_id
    order.forward_taken_at = utcnow()
    notifications.settle_forwarded(session, order_id=order.id)
    record_owner_change(
        session, actor, order, user, kind=OwnerChangeKind.FORWARD_TAKE_OVER, reason=reason
    )
    webhooks.emit(session, order, WebhookEvent.ORDER_TAKEN)
    audit.record(
        session, actor, "order.take_forwarded", subject_type="job_order", subject_id=order.id
    )
    return order
