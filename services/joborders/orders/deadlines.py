"""Processing time: the deadline an order is due by, and when it counts as overdue."""

from datetime import date
from typing import Any

from sqlalchemy import and_

from services.joborders.common.workdays import aware, local_date
from services.joborders.models import OPEN_STATUSES, JobOrder
from shared.db import utcnow


def today() -> date:
    """Today in Denmark."""
    return local_date(utcnow())


def overdue_condition(on: date) -> Any:
    """SQL: no mediation action yet and the processing deadline has passed."""
    return and_(
        JobOrder.first_action_at.is_(None),
        JobOrder.status.in_(OPEN_STATUSES),
        JobOrder.processing_deadline < on,
    )


def is_overdue(order: JobOrder, on: date | None = None) -> bool:
    """The same rule as `overdue_condition`, for one loaded order."""
    on = on or today()
    return (
        order.first_action_at is None
        and order.status in OPEN_STATUSES
        and order.processing_deadline < on
    )


def processing_seconds(order: JobOrder) -> float | None:
    """Processing time: from receipt to the first mediation action."""
    if order.first_action_at is None:
        return None
    return (aware(order.first_action_at) - aware(order.received_at)).total_seconds()
