"""A readable CV page; the matching service audits every read."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from services.joborders.matching_port import get_client
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
    """The whole CV as the user may see it (a-kasser: their own members only)."""
    cv = get_client().get_cv(actor, cv_id, session=session)
    names = queries.organisation_names(session)
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
    )


def _search_page(request: Request) -> str | None:
    """The search results the CV was opened from, so "Tilbage til søgningen" leads there."""
    came_from = back_link(request)
    if came_from and (came_from.startswith("/kandidater") or "/find-kandidater" in came_from):
        return came_from
    return None
