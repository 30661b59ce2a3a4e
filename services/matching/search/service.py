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
from shared import audit, geo
from shared.actor import Actor
from shared.errors import ValidationFailed


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


def _require_known_place(postal_code: str | None, field: str) -> None:
    """An unknown postal code is the caller's mistake, not a place where nobody lives."""
    if postal_code is not None and geo.coordinates(postal_code) is None:
        raise ValidationFailed(
            f"Unknown Danish postal code {postal_code}", field=field, postal_code=postal_code
        )


def _mark_past_end(page: RankedPage, offset: int) -> RankedPage:
    page.past_end = offset > 0 and offset >= page.total + page.unmet_total
    return page


def _with_unmet(
    session: Session,
    query: OrderQuery,
    filters: SearchFilters,
    visibility: policy.Visibility,
    page: RankedPage,
    limit: int,
    offset: int,
) -> RankedPage:
    """Append, after everyone who meets the required licences and certificates, those who
    do not (`show_unmet`), paging across both lists as one."""
    met_total = page.total
    start = max(offset - met_total, 0)
    room = offset + limit - max(offset, met_total)
    unmet = scoring.rank_order(
        session, query, filters, visibility, limit=max(room, 1), offset=start, unmet_only=True
    )
    if room > 0:
        for item in unmet.items:
            item.meets_requirements = False
        page.items += unmet.items[:room]
    page.unmet_total = unmet.total
    return page


def search_for_order(
    session: Session,
    actor: Actor,
    query: OrderQuery,
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> RankedPage:
    """Candidates for a job order, best first, with reasons; audited with the ids returned.

    Candidates without a required licence or certificate are left out, or listed after
    the others when the order asks for them (`show_unmet`)."""
    visibility = policy.search_visibility(session, actor, action="cv.search")
    _require_known_place(query.postal_code, "order.workplace_postal_code")
    filters = filters or SearchFilters()
    page = scoring.rank_order(session, query, filters, visibility, limit=limit, offset=offset)
    has_required = bool(filters.driving_licences or filters.certificates) or (
        query.hard_requirements and bool(query.driving_licences or query.certificates)
    )
    if query.show_unmet and has_required:
        page = _with_unmet(session, query, filters, visibility, page, limit, offset)
    _audit_search(session, actor, "cv.search", {"order": query.title, "offset": offset}, page)
    return _mark_past_end(page, offset)


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
    _require_known_place(postal_code, "postal_code")
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
    return _mark_past_end(page, offset)
