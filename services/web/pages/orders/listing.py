"""Mine jobordrer: the user's own orders, and the JobAG inbox (jobcentre) or shares (a-kasse)."""

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from services.joborders.candidates.progress import CandidateCounts, candidate_counts
from services.joborders.models import OrderStatus
from services.joborders.orders import service as order_service
from services.joborders.orders.deadlines import is_overdue, today
from services.joborders.orders.service import OrderFilter
from services.joborders.policy.actions import allowed_actions
from services.web import queries
from services.web.common import PAGE_SIZE, WebSession, page_count, page_number
from services.web.labels import STATUS_DA
from services.web.templating import render
from shared.actor import Actor
from shared.auth import CurrentActor

router = APIRouter(include_in_schema=False)

OPEN_STATUSES = (OrderStatus.DRAFT, OrderStatus.IN_PROCESS, OrderStatus.INACTIVATED)


@router.get("/jobordrer")
def my_orders(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    status: Annotated[str, Query()] = "",
    overskredet: Annotated[str, Query()] = "",
    side: Annotated[str, Query()] = "1",
) -> Response:
    """The orders the user owns, overdue first; plus the inbox (jobcentre) or shares (a-kasse)."""
    page = page_number(side)
    if status == "alle":
        statuses: tuple[OrderStatus, ...] = ()
    elif status in STATUS_DA:
        statuses = (OrderStatus(status),)
    else:
        status = ""
        statuses = OPEN_STATUSES
    overdue_only = overskredet == "1"
    own, total = order_service.list_orders(
        session,
        actor,
        filters=OrderFilter(
            view="mine", statuses=statuses, overdue=True if overdue_only else None, sort="overdue"
        ),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    on = today()
    counts = candidate_counts(session, actor, order_ids=[o.id for o in own])
    rows = []
    for o in own:
        c = counts.get(o.id, CandidateCounts())
        rows.append(
            {
                "order": o,
                "overdue": is_overdue(o, on),
                "days": (on - o.received_at.date()).days,
                "candidates": c.candidates,
                "referred": c.referred,
                "hired": c.hired,
            }
        )
    return render(
        request,
        "orders/list.html",
        actor,
        session=session,
        nav_active="orders",
        orders=rows,
        total=total,
        page=page,
        pages=page_count(total),
        status=status,
        overdue_only=overdue_only,
        **_inbox(session, actor, on),
    )


def _inbox(session: WebSession, actor: Actor, on: date) -> dict[str, Any]:
    """A jobcentre's forwarded orders waiting to be taken, or the orders shared with an a-kasse."""
    names: dict[uuid.UUID, str] = queries.organisation_names(session)
    if actor.is_jobcentre:
        forwarded, _ = order_service.list_orders(
            session, actor, filters=OrderFilter(view="inbox", sort="received"), limit=100
        )
        return {
            "inbox": [
                {
                    "order": o,
                    "from_name": names.get(o.origin_organisation_id, ""),
                    "at": o.forwarded_at,
                    "overdue": is_overdue(o, on),
                    "can_take": "take_forwarded" in allowed_actions(session, actor, o),
                }
                for o in forwarded
            ],
            "inbox_title": "Indbakke: jobordrer videreformidlet fra a-kasser",
            "inbox_empty": "Ingen videreformidlede jobordrer venter.",
        }
    if actor.is_akasse:
        shared, _ = order_service.list_orders(
            session,
            actor,
            filters=OrderFilter(
                view="shared",
                statuses=(OrderStatus.IN_PROCESS, OrderStatus.INACTIVATED),
                sort="-received",
            ),
            limit=100,
        )
        return {
            "inbox": [
                {
                    "order": o,
                    "from_name": names.get(o.coordinator_organisation_id, ""),
                    "at": o.received_at,
                    "overdue": False,
                    "can_take": False,
                }
                for o in shared
            ],
            "inbox_title": "Jobordrer delt med jeres a-kasse",
            "inbox_empty": "Ingen jobordrer er delt med jer lige nu.",
        }
    return {"inbox": None, "inbox_title": "", "inbox_empty": ""}
