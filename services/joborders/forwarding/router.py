"""JobAG forwarding endpoints: an a-kasse forwards, a jobcentre mediator takes the order."""

import uuid

from fastapi import APIRouter, Response

from services.joborders.deps import IdempotencyKeyHeader, IfMatchHeader, expected_version
from services.joborders.forwarding import service as forwarding
from services.joborders.forwarding.schemas import ForwardIn, TakeForwardedIn
from services.joborders.orders.schemas import OrderOut
from services.joborders.orders.views import order_with_etag
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/orders", tags=["job orders"], responses=PROBLEM_RESPONSES)


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
    return order_with_etag(response, order, actor)


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
    return order_with_etag(response, order, actor)
