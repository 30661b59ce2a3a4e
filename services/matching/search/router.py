"""Search API: candidates for a job order and CVs for a free-text query."""

from fastapi import APIRouter

from services.matching.acting import ActingActor
from services.matching.contract import FreeTextSearch, OrderSearch, RankedPage
from services.matching.search import service
from shared.auth import SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/matching", tags=["matching"], responses=PROBLEM_RESPONSES)


@router.post("/search/order", response_model=RankedPage)
def search_order(body: OrderSearch, session: SessionDep, actor: ActingActor) -> RankedPage:
    """Candidates for a job order, best first, with reasons (audited)."""
    return service.search_for_order(
        session, actor, body.order, filters=body.filters, limit=body.limit, offset=body.offset
    )


@router.post("/search/text", response_model=RankedPage)
def search_text(body: FreeTextSearch, session: SessionDep, actor: ActingActor) -> RankedPage:
    """CVs for a free-text query, best first, with reasons (audited)."""
    return service.search_free_text(
        session,
        actor,
        body.text,
        postal_code=body.postal_code,
        filters=body.filters,
        limit=body.limit,
        offset=body.offset,
    )
