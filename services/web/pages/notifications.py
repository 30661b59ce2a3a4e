"""Notifikationer: forwarded orders and overdue reminders, with the unread counter."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from services.joborders.notifications import service as notification_service
from services.web.common import WebSession, flash, page_count, page_number, redirect
from services.web.templating import render, set_notification_counter
from shared.actor import Actor
from shared.auth import CurrentActor

router = APIRouter(include_in_schema=False)

KIND_DA = {
    "forwarded": "Videreformidlet jobordre",
    "overdue": "Overskredet behandlingsfrist",
}


def unread_count(session: Session, actor: Actor) -> int:
    """Unread notifications for the header's counter."""
    _, _, unread = notification_service.list_notifications(session, actor, limit=1)
    return unread


set_notification_counter(unread_count)


@router.get("/notifikationer")
def notifications_page(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    side: Annotated[str, Query()] = "1",
    ulaeste: Annotated[str, Query()] = "",
) -> Response:
    """The user's notifications, newest first."""
    page = page_number(side)
    items, total, unread = notification_service.list_notifications(
        session, actor, unread_only=ulaeste == "1", limit=20, offset=(page - 1) * 20
    )
    return render(
        request,
        "notifications.html",
        actor,
        session=session,
        nav_active="notifications",
        items=items,
        total=total,
        unread=unread,
        unread_only=ulaeste == "1",
        page=page,
        pages=page_count(total, 20),
        KIND_DA=KIND_DA,
    )


@router.get("/notifikationer/antal")
def unread_badge(request: Request, session: WebSession, actor: CurrentActor) -> Response:
    """The header's counter alone, for htmx to refresh."""
    return render(request, "_notification_badge.html", actor, session=session)


@router.post("/notifikationer/{notification_id}/aabn")
def open_notification(
    request: Request, notification_id: uuid.UUID, session: WebSession, actor: CurrentActor
) -> Response:
    """Mark it read and go to its order."""
    note = notification_service.mark_read(session, actor, notification_id=notification_id)
    return redirect(f"/jobordrer/{note.order_id}" if note.order_id else "/notifikationer")


@router.post("/notifikationer/laest")
def mark_all_read(request: Request, session: WebSession, actor: CurrentActor) -> Response:
    """Mark every notification read."""
    n = notification_service.mark_all_read(session, actor)
    flash(request, f"{n} notifikationer er markeret som læst." if n else "Intet ulæst.")
    return redirect("/notifikationer")
