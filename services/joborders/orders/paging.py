"""Keyset paging of the order list: each sort's key, with the order id as the tiebreak.

The `overdue` sort depends on today's date, so the cursor carries the date the first
page was sorted on and later pages sort on that same date: a list read across midnight
neither skips nor repeats an order that did not change.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case

from services.joborders.common import cursor as cursors
from services.joborders.models import CLOSED_STATUSES, JobOrder
from services.joborders.orders.deadlines import is_overdue, overdue_condition
from shared.errors import ValidationFailed

# Per sort: the key columns' value types and whether each sorts descending.
_KEYS: dict[str, tuple[tuple[type, bool], ...]] = {
    "received": ((datetime, False),),
    "-received": ((datetime, True),),
    "deadline": ((date, False),),
    "overdue": ((int, False), (int, False), (date, False)),
}


def sort_columns(sort: str, on: date) -> list[tuple[Any, bool]]:
    """The sort's columns (SQL) and directions, before the id tiebreak."""
    if sort == "received":
        return [(JobOrder.received_at, False)]
    if sort == "-received":
        return [(JobOrder.received_at, True)]
    if sort == "deadline":
        return [(JobOrder.processing_deadline, False)]
    overdue_first = case((overdue_condition(on), 0), else_=1)
    closed_last = case((JobOrder.status.in_(CLOSED_STATUSES), 1), else_=0)
    return [(overdue_first, False), (closed_last, False), (JobOrder.processing_deadline, False)]


def order_by(sort: str, on: date) -> list[Any]:
    return [c.desc() if d else c.asc() for c, d in sort_columns(sort, on)] + [JobOrder.id.asc()]


def _values(sort: str, on: date, order: JobOrder) -> list[Any]:
    if sort in ("received", "-received"):
        return [order.received_at]
    if sort == "deadline":
        return [order.processing_deadline]
    return [
        0 if is_overdue(order, on) else 1,
        1 if order.status in CLOSED_STATUSES else 0,
        order.processing_deadline,
    ]


def encode(sort: str, on: date, last: JobOrder) -> str:
    return cursors.encode(sort, on, *_values(sort, on, last), last.id)


def decode(cursor: str, sort: str) -> tuple[date, list[Any]]:
    """The date the list is sorted on and the last key seen; 422 for another sort's cursor."""
    if cursors.peek(cursor) != sort:
        raise ValidationFailed(
            "This cursor belongs to a list with another sort; start again without it",
            field="cursor",
        )
    kinds = [t for t, _ in _KEYS[sort]]
    decoded = cursors.decode(cursor, str, date, *kinds, uuid.UUID)
    assert decoded is not None
    return decoded[1], list(decoded[2:])


def after(sort: str, on: date, values: list[Any]) -> ColumnElement[bool]:
    """SQL: the orders after the last key seen."""
    columns = sort_columns(sort, on)
    keys = [(c, v, d) for (c, d), v in zip(columns, values[:-1], strict=True)]
    return cursors.after_condition([*keys, (JobOrder.id, values[-1], False)])
