"""Candidate endpoints: ranked matches, proposing, contact, referral, hire, reversal, removal."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from services.joborders.candidates import contact_details, history
from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import (
    CandidateIn,
    CandidateOut,
    CandidatePage,
    ContactIn,
    HistoryEntryOut,
    MatchesOut,
    OutcomeIn,
    ReasonIn,
)
from services.joborders.candidates.views import candidate_out
from services.joborders.common import cursor as cursors
from services.joborders.common.store import get_order
from services.joborders.deps import IdempotencyKeyHeader
from services.matching.contract import SearchFilters
from services.matching.cvbank.schemas import ContactOut
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/orders/{order_id}", tags=["job-order candidates"], responses=PROBLEM_RESPONSES
)


@router.get("/candidates", response_model=CandidatePage)
def list_candidates(
    order_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    include_archived: bool = False,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> CandidatePage:
    """Candidates on the order, in the order they were added; an a-kasse sees details of
    its own members only."""
    after = cursors.decode(cursor, datetime, uuid.UUID)
    order, rows = candidates.list_candidates(
        session, actor, order_id=order_id, include_archived=include_archived
    )
    if after is not None:
        rows = [c for c in rows if (c.created_at, c.id) > after]
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    next_cursor = cursors.encode(last.created_at, last.id) if last is not None else None
    return CandidatePage(
        items=[candidate_out(session, actor, order, c) for c in page],
        next_cursor=next_cursor,
        next=cursors.next_link(request, next_cursor),
    )


@router.get("/matches", response_model=MatchesOut)
def ranked_matches(
    order_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    max_distance_km: Annotated[float | None, Query(ge=0, le=1000)] = None,
    hard_requirements: bool = True,
    show_unmet: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> MatchesOut:
    """CVs ranked for the order by the matching service (skills and qualifications only)."""
    # 0 km is a filter (the workplace's own postal code), not "no filter".
    filters = (
        SearchFilters(max_distance_km=max_distance_km) if max_distance_km is not None else None
    )
    page, on_order = candidates.rank_candidates(
        session,
        actor,
        order_id=order_id,
        filters=filters,
        hard_requirements=hard_requirements,
        show_unmet=show_unmet,
        limit=limit,
        offset=offset,
    )
    return MatchesOut(
        total=page.total,
        items=[item.model_dump(mode="json") for item in page.items],
        already_on_order=on_order,
    )


@router.post("/candidates", status_code=status.HTTP_201_CREATED, response_model=CandidateOut)
def add_candidate(
    order_id: uuid.UUID,
    body: CandidateIn,
    actor: CurrentActor,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CandidateOut:
    """Propose a CV as found by the caller's organisation."""
    candidate = candidates.add_candidate(
        session, actor, order_id=order_id, data=body, idempotency_key=idempotency_key
    )
    return candidate_out(session, actor, get_order(session, order_id), candidate)


@router.post("/candidates/{candidate_id}/contact", response_model=CandidateOut)
def record_contact(
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    body: ContactIn,
    actor: CurrentActor,
    session: SessionDep,
) -> CandidateOut:
    """Record a contact outcome (interested, not interested, unreachable)."""
    candidate = candidates.record_contact(
        session,
        actor,
        order_id=order_id,
        candidate_id=candidate_id,
        outcome=body.outcome,
        note=body.note,
        reason=body.reason,
    )
    return candidate_out(session, actor, get_order(session, order_id), candidate)


@router.post("/candidates/{candidate_id}/refer", response_model=CandidateOut)
def refer_candidate(
    order_id: uuid.UUID, candidate_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> CandidateOut:
    """The owner refers an interested candidate to the employer."""
    candidate = candidates.refer_candidate(
        session, actor, order_id=order_id, candidate_id=candidate_id
    )
    return candidate_out(session, actor, get_order(session, order_id), candidate)


@router.post("/candidates/{candidate_id}/outcome", response_model=CandidateOut)
def record_outcome(
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    body: OutcomeIn,
    actor: CurrentActor,
    session: SessionDep,
) -> CandidateOut:
    """The owner records hired (with start date) or not hired."""
    candidate = candidates.record_outcome(
        session,
        actor,
        order_id=order_id,
        candidate_id=candidate_id,
        hired=body.hired,
        start_date=body.start_date,
        note=body.note,
        reason=body.reason,
    )
    return candidate_out(session, actor, get_order(session, order_id), candidate)


@router.post("/candidates/{candidate_id}/reverse", response_model=CandidateOut)
def reverse_outcome(
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    body: ReasonIn,
    actor: CurrentActor,
    session: SessionDep,
) -> CandidateOut:
    """The owner reverses a wrongly recorded outcome by a counter-event."""
    candidate = candidates.reverse_outcome(
        session, actor, order_id=order_id, candidate_id=candidate_id, reason=body.reason
    )
    return candidate_out(session, actor, get_order(session, order_id), candidate)


@router.post("/candidates/{candidate_id}/archive", response_model=CandidateOut)
def archive_candidate(
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    body: ReasonIn,
    actor: CurrentActor,
    session: SessionDep,
) -> CandidateOut:
    """Remove the candidate from the order; the row and its log stay."""
    candidate = candidates.archive_candidate(
        session, actor, order_id=order_id, candidate_id=candidate_id, reason=body.reason
    )
    return candidate_out(session, actor, get_order(session, order_id), candidate)


@router.get("/candidates/{candidate_id}/history", response_model=list[HistoryEntryOut])
def candidate_history(
    order_id: uuid.UUID, candidate_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[HistoryEntryOut]:
    """The candidate on other orders the caller sees (referred elsewhere, declined, hired).

    For those who see the candidate's details and may read the CV; audited.
    """
    return history.candidate_history(session, actor, order_id=order_id, candidate_id=candidate_id)


@router.get("/candidates/{candidate_id}/contact-details", response_model=ContactOut)
def candidate_contact_details(
    order_id: uuid.UUID, candidate_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> ContactOut:
    """Phone and e-mail from the CV, for those who may contact the candidate (audited)."""
    return contact_details.candidate_contact_details(
        session, actor, order_id=order_id, candidate_id=candidate_id
    )
