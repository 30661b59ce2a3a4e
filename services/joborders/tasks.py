"""Celery tasks of the job-order service: they take ids and may safely run twice.

One module for the service's tasks, because the worker loads task modules by name; each task
is one unit of work around one service function.
"""

import uuid

from sqlalchemy.exc import OperationalError

from services.joborders.notifications.service import notify_forwarded_order, remind_overdue_owners
from services.joborders.orders.service import close_expired_orders
from shared.db import unit_of_work
from shared.tasks import celery_app

# A dropped database connection is worth a few retries; anything else is a bug to see.
_RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": True}


@celery_app.task(name="joborders.notify_forwarded", acks_late=True, **_RETRY)
def notify_forwarded(order_id: str) -> int:
    """Tell the receiving jobcentre's mediators about a forwarded order; returns new messages."""
    with unit_of_work() as session:
        return notify_forwarded_order(session, order_id=uuid.UUID(order_id))


@celery_app.task(name="joborders.remind_overdue", acks_late=True, **_RETRY)
def remind_overdue() -> int:
    """Remind each owner once per order that has passed its processing deadline untouched."""
    with unit_of_work() as session:
        return remind_overdue_owners(session)


@celery_app.task(name="joborders.close_expired", acks_late=True, **_RETRY)
def close_expired() -> int:
    """Close orders whose placement deadline has passed; returns how many it closed."""
    with unit_of_work() as session:
        return len(close_expired_orders(session))
