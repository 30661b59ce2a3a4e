"""Which status changes an owner makes by hand; hires close and re-open orders on their own."""

from datetime import date

from services.joborders.models import CLOSED_STATUSES, JobOrder, OrderStatus

# Manual status changes; hires close an order as filled on their own.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.IN_PROCESS, OrderStatus.CLOSED_EXPIRED}),
    OrderStatus.IN_PROCESS: frozenset(
        {OrderStatus.INACTIVATED, OrderStatus.CLOSED_FILLED, OrderStatus.CLOSED_EXPIRED}
    ),
    OrderStatus.INACTIVATED: frozenset(
        {OrderStatus.IN_PROCESS, OrderStatus.CLOSED_FILLED, OrderStatus.CLOSED_EXPIRED}
    ),
    OrderStatus.CLOSED_FILLED: frozenset(),
    OrderStatus.CLOSED_EXPIRED: frozenset(),
}


def needs_reason(new: OrderStatus) -> bool:
    """Closing ends the mediation for good, so the log must say why."""
    return new in CLOSED_STATUSES


def deadline_passed(order: JobOrder, on: date) -> bool:
    """The placement deadline lies before `on` (the day the expiry task closes the order)."""
    return order.placement_deadline is not None and order.placement_deadline < on


def refusal(order: JobOrder, new: OrderStatus, *, hires: int, on: date) -> str | None:
    """Why the owner cannot choose `new` now, or None when the change is allowed.

    Besides the transition table: "closed, expired" only once the placement deadline has
    passed, and "closed, filled" only when someone was hired; a one-click close as filled
    or expired of an order that is neither would make the STAR figures lie.
    """
    if new not in TRANSITIONS[order.status]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[order.status])) or "none"
        return (
            f"An order that is {order.status.value} cannot become {new.value} (allowed: {allowed})"
        )
    if new is OrderStatus.CLOSED_EXPIRED and not deadline_passed(order, on):
        return "An order closes as expired only once its placement deadline has passed"
    if new is OrderStatus.CLOSED_FILLED and hires == 0:
        return "An order closes as filled only when a candidate has been hired"
    return None


def manual_targets(order: JobOrder, *, hires: int, on: date) -> list[OrderStatus]:
    """The statuses the owner may choose now, in the table's order."""
    return [
        s
        for s in sorted(TRANSITIONS[order.status])
        if refusal(order, s, hires=hires, on=on) is None
    ]
