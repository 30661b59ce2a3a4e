"""Which status changes an owner makes by hand; hires close and re-open orders on their own."""

from services.joborders.models import OrderStatus

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
