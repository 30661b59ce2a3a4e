"""The mediation log: one append-only row per event on an order, and reading it back."""

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.joborders.common.store import get_order
from services.joborders.mediation_log.schemas import EventOut
from services.joborders.models import Candidate, EventType, JobOrder, OrderEvent
from services.joborders.policy import access, disclosure
from shared.actor import Actor
from shared.db import utcnow

# What counts as acting on an order for processing time: forwarding alone leaves it waiting.
MEDIATION_ACTIONS = frozenset(
    {
        EventType.SHARED,
        EventType.CANDIDATE_ADDED,
        EventType.CONTACTED,
        EventType.REFERRED,
        EventType.HIRED,
        EventType.NOT_HIRED,
        EventType.STATUS_CHANGED,
    }
)


def log_event(
    session: Session,
    order: JobOrder,
    actor: Actor,
    type_: EventType,
    *,
    candidate: Candidate | None = None,
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    """Append an event to the order's log and stamp the first mediation action."""
    session.flush()
    # The counter is bumped in SQL so concurrent writers on one order queue on its row lock.
    seq = session.execute(
        update(JobOrder)
        .where(JobOrder.id == order.id)
        .values(event_seq=JobOrder.event_seq + 1)
        .returning(JobOrder.event_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(order, "event_seq", seq)
    now = utcnow()
    event = OrderEvent(
        order_id=order.id,
        seq=seq,
        at=now,
        type=type_,
        actor_type=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        organisation_id=actor.organisation_id,
        candidate_id=candidate.id if candidate is not None else None,
        data=data or {},
    )
    session.add(event)
    if type_ in MEDIATION_ACTIONS and order.first_action_at is None:
        order.first_action_at = now
    return event


def mediation_log(session: Session, actor: Actor, *, order_id: uuid.UUID) -> list[EventOut]:
    """The order's mediation log, oldest first, as `actor` may see it.

    The API and the order page both read it here, so notes and reasons about another
    a-kasse's members are left out of every rendering by the candidate list's rule.
    """
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="order.read")
    stmt = select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.seq)
    events = list(session.scalars(stmt))
    candidates = {
        c.id: c for c in session.scalars(select(Candidate).where(Candidate.order_id == order.id))
    }
    return [
        _event_out(actor, order, e, candidates.get(e.candidate_id) if e.candidate_id else None)
        for e in events
    ]


def _event_out(
    actor: Actor, order: JobOrder, event: OrderEvent, candidate: Candidate | None
) -> EventOut:
    data, visible = disclosure.event_data_for(actor, order, candidate, event.data or {})
    return EventOut(
        seq=event.seq,
        at=event.at,
        type=event.type,
        actor_type=event.actor_type,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        organisation_id=event.organisation_id,
        candidate_id=event.candidate_id,
        data=data,
        details_visible=visible,
    )
