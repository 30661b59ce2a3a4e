"""Mediation-ownership endpoints: hand-over, take-over and the owner history."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.joborders.common import cursor as cursors
from services.joborders.deps import IfMatchHeader, expected_version
from services.joborders.orders.schemas import OrderOut
from services.joborders.orders.views import order_with_etag
from services.joborders.ownership import service as ownership
from services.joborders.ownership.schemas import (
    OwnerChangeIn,
    OwnerChangeOut,
    OwnerChangePage,
)
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/orders", tags=["job orders"], responses=PROBLEM_RESPONSES)


@router.post("/{order_id}/owners", response_model=OrderOut)
# The old path, beside `GET .../owners`; kept for existing clients until they move.
@router.post("/{order_id}/owner", response_model=OrderOut, deprecated=True)
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
    return order_with_etag(response, order, actor)


@router.get("/{order_id}/owners", response_model=OwnerChangePage)
def owner_history(
    order_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> OwnerChangePage:
    """Who owned the order and why it changed, oldest first."""
    after = cursors.decode(cursor, datetime, uuid.UUID)
    rows = ownership.owner_history(session, actor, order_id=order_id)
    if after is not None:
        rows = [r for r in rows if (r.at, r.id) > after]
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    next_cursor = cursors.encode(last.at, last.id) if last is not None else None
    return OwnerChangePage(
        items=[OwnerChangeOut.model_validate(r) for r in page],
        next_cursor=next_cursor,
        next=cursors.next_link(request, next_cursor),
    )
