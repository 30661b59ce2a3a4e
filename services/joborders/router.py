"""Job-order endpoints: orders, ownership, JobAG forwarding, sharing, mediation log."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.joborders import actions, candidates, forwarding, orders, ownership
from services.joborders.deps import IdempotencyKeyHeader, IfMatchHeader, expected_version
from services.joborders.models import JobOrder, OrderStatus
from services.joborders.schemas import (
    AllowedActions,
    EmployerContactUpdate,
    EventOut,
    ForwardIn,
    OrderCreate,
    OrderOut,
    OrderPage,
    OrderUpdate,
    OwnerChangeIn,
    OwnerChangeOut,
    ShareIn,
    ShareOut,
    StatusChange,
    TakeForwardedIn,
)
from services.joborders.views import order_out
from shared.actor import Actor
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/orders", tags=["job orders"], responses=PROBLEM_RESPONSES)


def _with_etag(response: Response, order: JobOrder, actor: Actor) -> OrderOut:
    response.headers["ETag"] = f'"{order.version}"'
    return order_out(order, actor)


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
    return _with_etag(response, order, actor)


@router.get("", response_model=OrderPage)
def list_orders(
    actor: CurrentActor,
    session: SessionDep,
    view: orders.OrderView = "all",
    status_: Annotated[list[OrderStatus] | None, Query(alias="status")] = None,
    overdue: bool | None = None,
    owner_user_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sort: orders.OrderSort = "overdue",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> OrderPage:
    """Orders the caller takes part in; `view=inbox` is the forwarded-orders inbox."""
    filters = orders.OrderFilter(
        view=view,
        statuses=tuple(status_ or ()),
        overdue=overdue,
        owner_user_id=owner_user_id,
        text=q,
        sort=sort,
    )
    rows, total = orders.list_orders(session, actor, filters=filters, limit=limit, offset=offset)
    return OrderPage(total=total, items=[order_out(o, actor) for o in rows])


@router.get("/{order_id}", response_model=OrderOut)
def get_order(
    order_id: uuid.UUID, actor: CurrentActor, session: SessionDep, response: Response
) -> OrderOut:
    """One order; the ETag carries its version for If-Match."""
    return _with_etag(response, orders.read_order(session, actor, order_id=order_id), actor)


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
    return _with_etag(response, order, actor)


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
    return _with_etag(response, order, actor)


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
    return _with_etag(response, order, actor)


@router.post("/{order_id}/owner", response_model=OrderOut)
def change_owner(
    order_id: uuid.UUID,
    body: OwnerChangeIn,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderOut:
    """Hand-over by the owner or take-over by an administrator of the coordinator."""
    order = ownership.change_owner(
        session,
        actor,
        order_id=order_id,
        reason=body.reason,
        expected_version=expected_version(if_match, body.version),
        new_owner_id=body.new_owner_id,
        new_owner_email=body.new_owner_email,
    )
    return _with_etag(response, order, actor)


@router.get("/{order_id}/owners", response_model=list[OwnerChangeOut])
def owner_history(
    order_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[OwnerChangeOut]:
    """Who owned the order and why it changed."""
    rows = orders.owner_history(session, actor, order_id=order_id)
    return [OwnerChangeOut.model_validate(r) for r in rows]


@router.post("/{order_id}/forward", response_model=OrderOut)
def forward_order(
    order_id: uuid.UUID,
    body: ForwardIn,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderOut:
    """An a-kasse forwards the order to the jobcentre via JobAG."""
    order = forwarding.forward_order(
        session,
        actor,
        order_id=order_id,
        reason=body.reason,
        jobcentre_id=body.jobcentre_id,
        idempotency_key=idempotency_key,
    )
    return _with_etag(response, order, actor)


@router.post("/{order_id}/take", response_model=OrderOut)
def take_forwarded(
    order_id: uuid.UUID,
    body: TakeForwardedIn,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderOut:
    """A jobcentre mediator takes a forwarded order from the inbox."""
    order = forwarding.take_forwarded_order(
        session,
        actor,
        order_id=order_id,
        reason=body.reason,
        expected_version=expected_version(if_match, body.version, required=False),
    )
    return _with_etag(response, order, actor)


@router.post("/{order_id}/shares", response_model=list[ShareOut])
def share_order(
    order_id: uuid.UUID, body: ShareIn, actor: CurrentActor, session: SessionDep
) -> list[ShareOut]:
    """The coordinating jobcentre shares the order with a-kasser (sharing twice is harmless)."""
    shares = forwarding.share_order(
        session, actor, order_id=order_id, organisation_ids=body.organisation_ids
    )
    return [ShareOut.model_validate(s) for s in shares]


@router.get("/{order_id}/shares", response_model=list[ShareOut])
def list_shares(order_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> list[ShareOut]:
    """The a-kasser the order is shared with."""
    shares = forwarding.list_shares(session, actor, order_id=order_id)
    return [ShareOut.model_validate(s) for s in shares]


@router.get("/{order_id}/log", response_model=list[EventOut])
def mediation_log(order_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> list[EventOut]:
    """The mediation log (formidlingslog), oldest first."""
    return [
        EventOut.model_validate(e) for e in orders.mediation_log(session, actor, order_id=order_id)
    ]


@router.get("/{order_id}/actions", response_model=AllowedActions)
def allowed_actions(
    order_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> AllowedActions:
    """What the caller may do now on the order and on each candidate."""
    order, rows = candidates.list_candidates(session, actor, order_id=order_id)
    return AllowedActions(
        order=actions.allowed_actions(session, actor, order),
        candidates={c.id: actions.candidate_actions(actor, order, c) for c in rows},
    )
