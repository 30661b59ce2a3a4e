"""Job-order endpoints: register, list, read, edit, employer contact, status, allowed actions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from services.joborders.candidates.service import list_candidates
from services.joborders.common import cursor as cursors
from services.joborders.deps import IdempotencyKeyHeader, IfMatchHeader, expected_version
from services.joborders.models import OrderStatus
from services.joborders.orders import paging
from services.joborders.orders import service as orders
from services.joborders.orders.deadlines import today
from services.joborders.orders.schemas import (
    AllowedActions,
    EmployerContactUpdate,
    OrderCreate,
    OrderOut,
    OrderPage,
    OrderUpdate,
    StatusChange,
)
from services.joborders.orders.views import order_out, order_with_etag
from services.joborders.policy import actions
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES, ValidationFailed

router = APIRouter(prefix="/api/orders", tags=["job orders"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrderOut)
def create_order(
    body: OrderCreate,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderOut:
    """Register an order; a system client names the owner with `owner_email`."""
    order = orders.create_order(session, actor, data=body, idempotency_key=idempotency_key)
    response.headers["Location"] = f"/api/orders/{order.id}"
    return order_with_etag(response, order, actor)


@router.get("", response_model=OrderPage)
def list_orders(
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    view: orders.OrderView = "all",
    status_: Annotated[list[OrderStatus] | None, Query(alias="status")] = None,
    overdue: bool | None = None,
    owner_user_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sort: orders.OrderSort = "overdue",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page")
    ] = None,
    offset: Annotated[
        int,
        Query(
            ge=0,
            le=100_000,
            deprecated=True,
            description="Deprecated: skips or repeats orders when the list changes; use `cursor`",
        ),
    ] = 0,
) -> OrderPage:
    """Orders the caller takes part in; `view=inbox` is the forwarded-orders inbox.

    Page with `cursor`: each page's `next_cursor` (or the `next` URL) gives the next
    one; an order that does not change is listed exactly once, however the list changes
    meanwhile.
    """
    on, after = paging.decode(cursor, sort) if cursor is not None else (None, None)
    if cursor is not None and offset:
        raise ValidationFailed("Send either cursor or offset, not both", field="offset")
    filters = orders.OrderFilter(
        view=view,
        statuses=tuple(status_ or ()),
        overdue=overdue,
        owner_user_id=owner_user_id,
        text=q,
        sort=sort,
    )
    on = on or today()
    rows, total = orders.list_orders(
        session, actor, filters=filters, limit=limit + 1, offset=offset, on=on, after=after
    )
    page = rows[:limit]
    next_cursor = paging.encode(sort, on, page[-1]) if len(rows) > limit else None
    return OrderPage(
        total=total,
        items=[order_out(o, actor) for o in page],
        next_cursor=next_cursor,
        next=cursors.next_link(request, next_cursor),
    )


@router.get("/{order_id}", response_model=OrderOut)
def get_order(
    order_id: uuid.UUID, actor: CurrentActor, session: SessionDep, response: Response
) -> OrderOut:
    """One order; the ETag carries its version for If-Match."""
    return order_with_etag(response, orders.read_order(session, actor, order_id=order_id), actor)


@router.patch("/{order_id}", response_model=OrderOut)
def update_order(
    order_id: uuid.UUID,
    body: OrderUpdate,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderOut:
    """Change the job description; needs the version you edited."""
    order = orders.update_order(
        session,
        actor,
        order_id=order_id,
        changes=body,
        expected_version=expected_version(if_match, body.version),
    )
    return order_with_etag(response, order, actor)


@router.put("/{order_id}/employer-contact", response_model=OrderOut)
def change_employer_contact(
    order_id: uuid.UUID,
    body: EmployerContactUpdate,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderOut:
    """The mediation owner changes the employer and contact person."""
    order = orders.change_employer_contact(
        session,
        actor,
        order_id=order_id,
        contact=body,
        expected_version=expected_version(if_match, body.version),
    )
    return order_with_etag(response, order, actor)


@router.post("/{order_id}/status", response_model=OrderOut)
def change_status(
    order_id: uuid.UUID,
    body: StatusChange,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderOut:
    """The owner inactivates, re-opens or closes the order."""
    order = orders.change_status(
        session,
        actor,
        order_id=order_id,
        status=body.status,
        reason=body.reason,
        expected_version=expected_version(if_match, body.version),
    )
    return order_with_etag(response, order, actor)


@router.get("/{order_id}/actions", response_model=AllowedActions)
def allowed_actions(
    order_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> AllowedActions:
    """What the caller may do now on the order and on each candidate."""
    order, rows = list_candidates(session, actor, order_id=order_id)
    return AllowedActions(
        order=actions.allowed_actions(session, actor, order),
        candidates={c.id: actions.candidate_actions(actor, order, c) for c in rows},
    )
