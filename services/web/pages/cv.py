"""A readable CV page; the matching service audits every read."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from starlette.responses import Response

from services.joborders.candidates.contact_details import candidate_contact_details
from services.joborders.candidates.history import cv_history
from services.joborders.candidates.reasons import reason_label
from services.joborders.matching_port import get_client
from services.joborders.models import Candidate, JobOrder
from services.joborders.policy.access import can_see
from services.joborders.policy.disclosure import sees_contact_details
from services.web import queries
from services.web.common import WebSession
from services.web.errors import back_link
from services.web.templating import render
from shared.auth import CurrentActor

router = APIRouter(include_in_schema=False)


@router.get("/cv/{cv_id}")
def cv_page(
    request: Request,
    cv_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    jobordre: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    """The whole CV as the user may see it (a-kasser: their own members only).

    Below it: the person's history on the orders the user sees, and, when the CV is opened
    from an order on which the user may contact the person, their phone and e-mail.
    """
    cv = get_client().get_cv(actor, cv_id, session=session)
    names = queries.organisation_names(session)
    candidate = _candidate_on(session, actor, jobordre, cv_id)
    akasse = None
    if cv.case_facts and cv.case_facts.akasse_organisation_id:
        akasse = names.get(cv.case_facts.akasse_organisation_id)
    return render(
        request,
        "cv.html",
        actor,
        session=session,
        nav_active="search",
        cv=cv,
        akasse=akasse,
        back_order=jobordre,
        back_search=_search_page(request),
        history=cv_history(session, actor, cv_id=cv_id),
        reason_label=reason_label,
        contact=candidate_contact_details(
            session, actor, order_id=candidate.order_id, candidate_id=candidate.id
        )
        if candidate is not None
        else None,
    )


def _candidate_on(
    session: WebSession, actor: CurrentActor, order_id: uuid.UUID | None, cv_id: uuid.UUID
) -> Candidate | None:
    """The person as a candidate on the order the CV was opened from, if the user may
    contact them there (the contact rule); else None, and no contact details are read."""
    if order_id is None:
        return None
    order = session.get(JobOrder, order_id)
    if order is None or not can_see(session, actor, order):
        return None
    candidate = session.scalar(
        select(Candidate).where(Candidate.order_id == order.id, Candidate.cv_id == cv_id)
    )
    if candidate is None or not sees_contact_details(actor, order, candidate):
        return None
    return candidate


def _search_page(request: Request) -> str | None:
    """The search results the CV was opened from, so "Tilbage til søgningen" leads there."""
    came_from = back_link(request)
    if came_from and (came_from.startswith("/kandidater") or "/find-kandidater" in came_from):
        return came_from
    return None
