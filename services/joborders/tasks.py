"""Celery tasks of the job-order service: they take ids and may safely run twice."""

import uuid

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from services.joborders.models import JobOrder
from services.joborders.notifications import mediators_of, notify
from services.joborders.orders import close_expired_orders, overdue_condition, today
from shared.db import unit_of_work
from shared.models import Organisation, User
from shared.tasks import celery_app

# A dropped database connection is worth a few retries; anything else is a bug to see.
_RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": True}


@celery_app.task(name="joborders.notify_forwarded", acks_late=True, **_RETRY)
def notify_forwarded(order_id: str) -> int:
    """Tell the receiving jobcentre's mediators about a forwarded order; returns new messages."""
    sent = 0
    with unit_of_work() as session:
        order = session.get(JobOrder, uuid.UUID(order_id))
        if order is None or order.forwarded_to_organisation_id is None:
            return 0
        origin = session.get(Organisation, order.origin_organisation_id)
        origin_name = origin.name if origin else "en a-kasse"
        message = (
            f"{origin_name} har videreformidlet jobordren «{order.title}» hos "
            f"{order.employer_name} via JobAG. Begrundelse: {order.forward_reason or '-'}"
        )
        for user in mediators_of(session, order.forwarded_to_organisation_id):
            note = notify(
                session,
                user,
                kind="forwarded",
                dedupe_key=f"forwarded:{order.id}",
                message=message,
                order=order,
            )
            sent += note is not None
    return sent


@celery_app.task(name="joborders.remind_overdue", acks_late=True, **_RETRY)
def remind_overdue() -> int:
    """Remind each owner once per order that has passed its processing deadline untouched."""
    sent = 0
    with unit_of_work() as session:
        overdue = session.scalars(select(JobOrder).where(overdue_condition(today())))
        for order in list(overdue.unique()):
            owner = session.get(User, order.owner_user_id)
            if owner is None or not owner.active:
                continue
            message = (
                f"Jobordren «{order.title}» hos {order.employer_name} har overskredet "
                f"behandlingsfristen {order.processing_deadline:%d.%m.%Y} uden handling."
            )
            note = notify(
                session,
                owner,
                kind="overdue",
                dedupe_key=f"overdue:{order.id}",
                message=message,
                order=order,
            )
            sent += note is not None
    return sent


@celery_app.task(name="joborders.close_expired", acks_late=True, **_RETRY)
def close_expired() -> int:
    """Close orders whose placement deadline has passed; returns how many it closed."""
    with unit_of_work() as session:
        return len(close_expired_orders(session))
