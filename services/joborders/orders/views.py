"""An order as its API shape, with the derived processing-time fields and the caller's view."""

from fastapi import Response

from services.joborders.models import JobOrder
from services.joborders.orders.deadlines import is_overdue, processing_seconds, today
from services.joborders.orders.schemas import OrderOut
from services.joborders.policy.disclosure import EMPLOYER_CONTACT_FIELDS, sees_employer_contact
from shared.actor import Actor


def order_out(order: JobOrder, actor: Actor | None = None) -> OrderOut:
    """An order with its derived processing-time fields, as `actor` may see it."""
    out = OrderOut(
        **{
            name: getattr(order, name)
            for name in OrderOut.model_fields
            if name not in ("processing_seconds", "overdue", "owner_name", "coordinator_name")
        },
        processing_seconds=processing_seconds(order),
        overdue=is_overdue(order, today()),
        owner_name=order.owner.name,
        coordinator_name=order.coordinator.name,
    )
    if actor is not None and not sees_employer_contact(actor, order):
        out = out.model_copy(update=dict.fromkeys(EMPLOYER_CONTACT_FIELDS))
    return out


def order_with_etag(response: Response, order: JobOrder, actor: Actor) -> OrderOut:
    """The order for `actor`, with its version in the ETag header for a later If-Match."""
    response.headers["ETag"] = f'"{order.version}"'
    return order_out(order, actor)
