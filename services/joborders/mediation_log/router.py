"""The mediation-log endpoint."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.joborders.common import cursor as cursors
from services.joborders.mediation_log import service as mediation_log_service
from services.joborders.mediation_log.schemas import LogEvent, LogPage
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/orders", tags=["job orders"], responses=PROBLEM_RESPONSES)

Cursor = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` of the previous page")
]


@router.get("/{order_id}/log", response_model=LogPage)
def mediation_log(
    order_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
) -> LogPage:
    """The mediation log (formidlingslog), oldest first, paged by event number.

    The log only grows, so `next_cursor` of the last page is also where to continue
    later: pass it again to read only the events added since.
    """
    after = cursors.decode(cursor, int)
    events = mediation_log_service.mediation_log(session, actor, order_id=order_id)
    if after is not None:
        events = [e for e in events if e.seq > after[0]]
    page = events[:limit]
    next_cursor = cursors.encode(page[-1].seq) if len(events) > limit else None
    return LogPage(
        items=[LogEvent.model_validate(e) for e in page],
        next_cursor=next_cursor,
        next=cursors.next_link(request, next_cursor),
    )
