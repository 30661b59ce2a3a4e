"""Sharing endpoints: the coordinating jobcentre shares an order with a-kasser."""

import uuid

from fastapi import APIRouter

from services.joborders.sharing import service as sharing
from services.joborders.sharing.schemas import ShareIn, ShareOut
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


@router.get("/{order_id}/shares", response_model=list[ShareOut])
def list_shares(order_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> list[ShareOut]:
    """The a-kasser the order is shared with."""
    shares = sharing.list_shares(session, actor, order_id=order_id)
    return [ShareOut.model_validate(s) for s in shares]
