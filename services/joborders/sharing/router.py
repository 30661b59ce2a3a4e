"""Sharing endpoints: the coordinating jobcentre shares an order with a-kasser."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.joborders.common import cursor as cursors
from services.joborders.sharing import service as sharing
from services.joborders.sharing.schemas import ShareIn, ShareOut, SharePage
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/orders", tags=["job orders"], responses=PROBLEM_RESPONSES)


@router.post("/{order_id}/shares", response_model=list[ShareOut])
def share_order(
    order_id: uuid.UUID, body: ShareIn, actor: CurrentActor, session: SessionDep
) -> list[ShareOut]:
    """The coordinating jobcentre shares the order with a-kasser (sharing twice is harmless)."""
    shares = sharing.share_order(
        session, actor, order_id=order_id, organisation_ids=body.organisation_ids
    )
    return [ShareOut.model_validate(s) for s in shares]


@router.get("/{order_id}/shares", response_model=SharePage)
def list_shares(
    order_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> SharePage:
    """The a-kasser the order is shared with, in the order it was shared."""
    after = cursors.decode(cursor, datetime, uuid.UUID)
    rows = sorted(
        sharing.list_shares(session, actor, order_id=order_id),
        key=lambda s: (s.shared_at, s.id),
    )
    if after is not None:
        rows = [s for s in rows if (s.shared_at, s.id) > after]
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    next_cursor = cursors.encode(last.shared_at, last.id) if last is not None else None
    return SharePage(
        items=[ShareOut.model_validate(s) for s in page],
        next_cursor=next_cursor,
        next=cursors.next_link(request, next_cursor),
    )
