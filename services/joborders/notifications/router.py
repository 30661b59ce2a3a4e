"""Notification endpoints: the caller's notifications, read and unread."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.joborders.notifications import service as notifications
from services.joborders.notifications.schemas import NotificationOut, NotificationPage
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api", tags=["notifications"], responses=PROBLEM_RESPONSES)


@router.get("/notifications", response_model=NotificationPage)
def list_notifications(
    actor: CurrentActor,
    session: SessionDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> NotificationPage:
    """The caller's notifications, newest first."""
    rows, total, unread_count = notifications.list_notifications(
        session, actor, unread_only=unread, limit=limit, offset=offset
    )
    return NotificationPage(
        total=total,
        unread=unread_count,
        items=[NotificationOut.model_validate(n) for n in rows],
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
