"""Notification endpoints: the caller's notifications, read and unread."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.joborders.common import cursor as cursors
from services.joborders.notifications import service as notifications
from services.joborders.notifications.schemas import NotificationOut, NotificationPage
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES, ValidationFailed

router = APIRouter(prefix="/api", tags=["notifications"], responses=PROBLEM_RESPONSES)


@router.get("/notifications", response_model=NotificationPage)
def list_notifications(
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    unread: bool = False,
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
            description="Deprecated: repeats notifications when new ones arrive; use `cursor`",
        ),
    ] = 0,
) -> NotificationPage:
    """The caller's notifications, newest first, paged by `cursor`."""
    after = cursors.decode(cursor, datetime, uuid.UUID)
    if after is not None and offset:
        raise ValidationFailed("Send either cursor or offset, not both", field="offset")
    rows, total, unread_count = notifications.list_notifications(
        session,
        actor,
        unread_only=unread,
        limit=limit + 1,
        offset=offset,
        after=(after[0], after[1]) if after else None,
    )
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    next_cursor = cursors.encode(last.created_at, last.id) if last is not None else None
    return NotificationPage(
        total=total,
        unread=unread_count,
        items=[NotificationOut.model_validate(n) for n in page],
        next_cursor=next_cursor,
        next=cursors.next_link(request, next_cursor),
    )


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut)
def mark_read(
    notification_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> NotificationOut:
    """Mark one notification read."""
    note = notifications.mark_read(session, actor, notification_id=notification_id)
    return NotificationOut.model_validate(note)


@router.post("/notifications/read-all", response_model=dict[str, int])
def mark_all_read(actor: CurrentActor, session: SessionDep) -> dict[str, int]:
    """Mark all the caller's notifications read."""
    return {"marked": notifications.mark_all_read(session, actor)}
