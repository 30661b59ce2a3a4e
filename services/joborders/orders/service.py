"""Job orders: create, read, list, edit, and move through the statuses."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.joborders.common import idempotency
from services.joborders.common.store import (
    check_version,
    claim_version,
    get_order,
    get_order_for_update,
    hires,
)
from services.joborders.common.workdays import add_working_days, local_date
from services.joborders.mediation_log.service import log_event
from services.joborders.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    EventType,
    JobOrder,
    OrderStatus,
    OwnerChange,
    OwnerChangeKind,
)
from services.joborders.orders import paging
from services.joborders.orders.deadlines import overdue_condition, today
from services.joborders.orders.schemas import (
    EmployerContact,
    OrderCreate,
    OrderUpdate,
    order_date_problems,
)
from services.joborders.policy import access
from services.joborders.policy import status as status_policy
from services.joborders.webhooks import service as webhooks
from services.joborders.webhooks.models import WebhookEvent
from shared import audit
from shared.actor import Actor
from shared.db import utcnow
from shared.errors import Forbidden, InvalidState, ValidationFailed
from shared.models import Organisation, OrgKind, User
from shared.settings import get_joborder_settings

OrderView = Literal["all", "mine", "inbox", "shared", "coordinated"]
OrderSort = Literal["received", "-received", "deadline", "overdue"]


def _owner_for_create(session: Session, actor: Actor, owner_email: str | None) -> User:
    if owner_email is None:
        if actor.kind != "user" or actor.id is None:
            raise ValidationFailed(
                "A system client must name the mediation owner: send owner_email of an "
                "active person in your organisation"
            )
        user = session.get(User, actor.id)
    else:
        user = session.scalar(select(User).where(User.email == owner_email.lower()))
    if user is None or not user.active or user.organisation_id != actor.organisation_id:
        raise ValidationFailed(
            "The mediation owner must be an active person in your organisation",
            field="owner_email",
        )
    return user


def _refuse_dates(problems: list[dict[str, Any]]) -> None:
    if problems:
        raise ValidationFailed("; ".join(p["msg"] for p in problems), errors=problems)


def create_order(
    session: Session, actor: Actor, *, data: OrderCreate, idempotency_key: str | None = None
) -> JobOrder:
    """Register an employer's order; the caller's organisation coordinates it."""
    if actor.organisation_kind not in (OrgKind.JOBCENTRE, OrgKind.AKASSE):
        raise Forbidden("Only jobcentres and a-kasser register job orders", action="order.create")
    claim, earlier = idempotency.claim(
        session,
        actor,
        key=idempotency_key,
        operation="order.create",
        payload=data.model_dump(mode="json"),
    )
    if earlier is not None:
        return get_order(session, earlier)
    owner = _owner_for_create(session, actor, data.owner_email)
    received_at = data.received_at or utcnow()
    if received_at > utcnow():
        raise ValidationFailed("received_at lies in the future", field="received_at")
    received_on = local_date(received_at)
    _refuse_dates(
        order_date_problems(
            received_on,
            start_date=data.start_date,
            placement_deadline=data.placement_deadline,
            processing_deadline=data.processing_deadline,
            today=today(),
        )
    )
    deadline = data.processing_deadline or add_working_days(
        received_on, get_joborder_settings().default_processing_working_days
    )
    fields = data.model_dump(
        exclude={"owner_email", "received_at", "processing_deadline", "status", "channel"}
    )
    order = JobOrder(
        **fields,
        status=data.status,
        channel=data.channel,
        received_at=received_at,
        processing_deadline=deadline,
        owner_user_id=owner.id,
        owner_organisation_id=owner.organisation_id,
        coordinator_organisation_id=actor.organisation_id,
        origin_organisation_id=actor.organisation_id,
        version=1,
        event_seq=0,
        # Set the loaded rows too, so the response needs no lazy loads.
        owner=owner,
        coordinator=session.get(Organisation, actor.organisation_id),
    )
    session.add(order)
    session.flush()
    session.add(
        OwnerChange(
            order_id=order.id,
            kind=OwnerChangeKind.INITIAL,
            from_user_id=None,
            to_user_id=owner.id,
            changed_by_type=actor.kind,
            changed_by_id=actor.id,
            changed_by_name=actor.name,
            changed_by_organisation_id=actor.organisation_id,
            reason="Jobordre oprettet",
        )
    )
    log_event(
        session,
        order,
        actor,
        EventType.CREATED,
        data={"channel": data.channel.value, "owner_user_id": str(owner.id)},
    )
    audit.record(session, actor, "order.create", subject_type="job_order", subject_id=order.id)
    claim.complete(order.id)
    return order


def read_order(session: Session, actor: Actor, *, order_id: uuid.UUID) -> JobOrder:
    """One order, if the caller's organisation takes part in it (else 403, audited)."""
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="order.read")
    return order


@dataclass(frozen=True)
class OrderFilter:
    """What a list of orders is narrowed to; every field is optional."""

    view: OrderView = "all"
    statuses: tuple[OrderStatus, ...] = ()
    overdue: bool | None = None
    owner_user_id: uuid.UUID | None = None
    text: str | None = None
    sort: OrderSort = "overdue"


def list_orders(
    session: Session,
    actor: Actor,
    *,
    filters: OrderFilter | None = None,
    limit: int = 50,
    offset: int = 0,
    on: date | None = None,
    after: list[Any] | None = None,
) -> tuple[list[JobOrder], int]:
    """Orders the caller may see, filtered, sorted and paged; returns (page, total).

    `after` is the sort key of the last order of the previous page (orders/paging.py),
    and `on` the date that page was sorted on.
    """
    f = filters or OrderFilter()
    org = actor.organisation_id
    stmt = select(JobOrder).where(access.visible_condition(actor))
    if f.view == "mine":
        stmt = stmt.where(JobOrder.owner_user_id == actor.id)
    elif f.view == "inbox":
        stmt = stmt.where(
            JobOrder.forwarded_to_organisation_id == org, JobOrder.forward_taken_at.is_(None)
        )
    elif f.view == "shared":
        stmt = stmt.where(access.shared_condition(org))
    elif f.view == "coordinated":
        stmt = stmt.where(JobOrder.coordinator_organisation_id == org)
    if f.statuses:
        stmt = stmt.where(JobOrder.status.in_(f.statuses))
    on = on or today()
    if f.overdue is True:
        stmt = stmt.where(overdue_condition(on))
    elif f.overdue is False:
        stmt = stmt.where(~overdue_condition(on))
    if f.owner_user_id is not None:
        stmt = stmt.where(JobOrder.owner_user_id == f.owner_user_id)
    if f.text:
        like = f"%{f.text.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(JobOrder.title).like(like), func.lower(JobOrder.employer_name).like(like)
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if after is not None:
        stmt = stmt.where(paging.after(f.sort, on, after))
    rows = session.scalars(stmt.order_by(*paging.order_by(f.sort, on)).limit(limit).offset(offset))
    return list(rows.unique()), total


def _require_open(order: JobOrder, what: str) -> None:
    if order.status in CLOSED_STATUSES:
        raise InvalidState(
            f"The order is closed ({order.status.value}); it cannot {what}",
            current_status=order.status.value,
        )


def update_order(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    changes: OrderUpdate,
    expected_version: int | None,
) -> JobOrder:
    """Change what the employer wants; the coordinating organisation edits."""
    order = get_order_for_update(session, order_id)
    access.require_visible(session, actor, order, action="order.update")
    # A caller who edited an old copy hears that first, whatever has changed since.
    check_version(order, expected_version)
    if not access.can_edit_details(actor, order):
        raise Forbidden(
            "Only the coordinating organisation edits the order",
            action="order.update",
            subject_type="job_order",
            subject_id=order.id,
        )
    _require_open(order, "be edited")
    claim_version(session, order, expected_version)
    values = changes.model_dump(exclude_unset=True, exclude={"version"})
    if values.get("positions") is not None and values["positions"] < hires(session, order.id):
        raise ValidationFailed("There are more hires than that number of positions")
    for required in ("title", "positions", "processing_deadline"):
        if required in values and values[required] is None:
            raise ValidationFailed(f"A job order needs {required}; it cannot be cleared")
    new_placement = values.get("placement_deadline")
    _refuse_dates(
        order_date_problems(
            local_date(order.received_at),
            start_date=values.get("start_date", order.start_date),
            placement_deadline=values.get("placement_deadline", order.placement_deadline),
            processing_deadline=values.get("processing_deadline", order.processing_deadline),
            # A placement deadline set now must lie ahead; an old one may have passed.
            today=today() if new_placement not in (None, order.placement_deadline) else None,
        )
    )
    if "description" in values and values["description"] is None:
        values["description"] = ""
    changed = {}
    for name, value in values.items():
        if name in ("skills", "certificates", "driving_licences", "languages", "education"):
            value = value or []
        if getattr(order, name) != value:
            changed[name] = value
            setattr(order, name, value)
    log_event(session, order, actor, EventType.UPDATED, data={"fields": sorted(changed)})
    audit.record(session, actor, "order.update", subject_type="job_order", subject_id=order.id)
    return order


def change_employer_contact(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    contact: EmployerContact,
    expected_version: int | None,
) -> JobOrder:
    """The mediation owner is the only contact into the employer, so only they change it."""
    order = get_order_for_update(session, order_id)
    access.require_visible(session, actor, order, action="order.employer_contact")
    # A caller who edited an old copy hears that first, whatever has changed since.
    check_version(order, expected_version)
    access.require_owner(
        actor, order, action="order.employer_contact", what="change the employer contact"
    )
    claim_version(session, order, expected_version)
    values = contact.model_dump(include=set(EmployerContact.model_fields))
    changed = sorted(k for k, v in values.items() if getattr(order, k) != v)
    for name, value in values.items():
        setattr(order, name, value)
    log_event(session, order, actor, EventType.EMPLOYER_CONTACT_CHANGED, data={"fields": changed})
    audit.record(
        session, actor, "order.employer_contact", subject_type="job_order", subject_id=order.id
    )
    return order


def set_status(
    session: Session, actor: Actor, order: JobOrder, new: OrderStatus, reason: str | None
) -> None:
    """Move a locked order to `new` and log it; callers have checked who may."""
    old = order.status
    order.status = new
    order.closed_at = utcnow() if new in CLOSED_STATUSES else None
    data = {"from": old.value, "to": new.value, "reason": reason}
    log_event(session, order, actor, EventType.STATUS_CHANGED, data=data)
    if new in CLOSED_STATUSES:
        log_event(session, order, actor, EventType.CLOSED, data=data)
        webhooks.emit(session, order, WebhookEvent.ORDER_CLOSED)


def change_status(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    status: OrderStatus,
    reason: str | None,
    expected_version: int | None,
) -> JobOrder:
    """The owner inactivates, re-opens or closes the order, along the transition table."""
    order = get_order_for_update(session, order_id)
    access.require_visible(session, actor, order, action="order.status")
    # A caller who edited an old copy hears that first, whatever has changed since.
    check_version(order, expected_version)
    access.require_owner(actor, order, action="order.status", what="change the order's status")
    refused = status_policy.refusal(order, status, hires=hires(session, order.id), on=today())
    if refused is not None:
        raise InvalidState(refused, current_status=order.status.value, wanted_status=status.value)
    if status_policy.needs_reason(status) and not (reason or "").strip():
        raise ValidationFailed("Closing an order needs a reason", field="reason")
    claim_version(session, order, expected_version)
    set_status(session, actor, order, status, reason)
    audit.record(
        session,
        actor,
        "order.status",
        subject_type="job_order",
        subject_id=order.id,
        detail=status.value,
    )
    return order


def close_expired_orders(session: Session, *, on: date | None = None) -> list[uuid.UUID]:
    """Close open orders whose placement deadline has passed, as Jobbro on the owner's behalf."""
    on = on or today()
    stmt = select(JobOrder.id).where(
        JobOrder.status.in_(OPEN_STATUSES),
        JobOrder.placement_deadline.is_not(None),
        JobOrder.placement_deadline < on,
    )
    closed = []
    for order_id in list(session.scalars(stmt)):
        order = get_order_for_update(session, order_id)
        if order.status not in OPEN_STATUSES:
            continue  # closed by someone while we looked
        system = Actor(
            kind="system",
            id=None,
            name="Jobbro",
            organisation_id=order.coordinator_organisation_id,
            organisation_name=order.coordinator.name,
            organisation_kind=order.coordinator.kind,
        )
        claim_version(session, order, None)
        set_status(session, system, order, OrderStatus.CLOSED_EXPIRED, "Formidlingsfristen udløb")
        audit.record(session, system, "order.expire", subject_type="job_order", subject_id=order.id)
        closed.append(order.id)
    return closed
