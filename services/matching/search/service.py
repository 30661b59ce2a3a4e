"""Searches of the CV bank: by job order and by free text, audited with the ids returned."""

import json
from typing import Any

from sqlalchemy.orm import Session

from services.matching import policy
from services.matching.contract import (
    OrderQuery,
    RankedPage,
    SearchFilters,
)
from services.matching.search import scoring
from shared import audit
from shared.actor import Actor


def _audit_search(
    session: Session, actor: Actor, action: str, query: dict[str, Any], page: RankedPage
) -> None:
    detail = json.dumps(
        {
            "query": query,
            "total": page.total,
            "returned": [str(item.cv.id) for item in page.items],
        },
        default=str,
    )
    audit.record(session, actor, action, subject_type="cv", detail=detail)


def search_for_order(
    session: Session,
    actor: Actor,
    query: OrderQuery,
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> RankedPage:
    """Candidates for a job order, best first, with reasons; audited with the ids returned."""
    visibility = policy.search_visibility(session, actor, action="cv.search")
    page = scoring.rank_order(
        session, query, filters or SearchFilters(), visibility, limit=limit, offset=offset
    )
    _audit_search(session, actor, "cv.search", {"order": query.title, "offset": offset}, page)
    return page


def search_free_text(
    session: Session,
    actor: Actor,
    text: str,
    postal_code: str | None = None,
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> RankedPage:
    """CVs matching a free-text query, best first; audited with the ids returned."""
    visibility = policy.search_visibility(session, actor, action="cv.search")
    page = scoring.rank_free_text(
        session,
        text,
        postal_code,
        filters or SearchFilters(),
        visibility,
        limit=limit,
        offset=offset,
    )
    _audit_search(session, actor, "cv.search", {"text": text, "offset": offset}, page)
    return page
