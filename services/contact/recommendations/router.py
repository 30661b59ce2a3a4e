"""Early-offer recommendations in the API: the a-kasse sends, the jobcentre decides."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from services.contact import history, messages
from services.contact.models import Recommendation, RecommendationStatus
from services.contact.recommendations import service
from services.contact.recommendations.schemas import (
    DecisionIn,
    MessageOut,
    RecommendationDetail,
    RecommendationIn,
    RecommendationOut,
    RecommendationPage,
    StepOut,
)
from services.joborders.deps import IdempotencyKeyHeader
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/recommendations", tags=["early-offer recommendations"], responses=PROBLEM_RESPONSES
)


def detail(session: Session, rec: Recommendation) -> RecommendationDetail:
    base = RecommendationOut.model_validate(rec).model_dump()
    return RecommendationDetail(
        **base,
        steps=[StepOut.model_validate(s) for s in history.steps(session, rec.id)],
        messages=[MessageOut.model_validate(m) for m in messages.messages_of(session, rec.id)],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RecommendationDetail,
)
def create_recommendation(
    body: RecommendationIn,
    actor: CurrentActor,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RecommendationDetail:
    """The member's a-kasse recommends an early offer; it is sent through beskedmodulet."""
    rec = service.submit(session, actor, data=body, idempotency_key=idempotency_key)
    return detail(session, rec)


@router.get("", response_model=RecommendationPage)
def list_recommendations(
    actor: CurrentActor,
    session: SessionDep,
    status: RecommendationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RecommendationPage:
    """The a-kasse's sent recommendations or the jobcentre's queue (waiting ones first)."""
    rows, total = service.list_recommendations(
        session, actor, status=status, limit=limit, offset=offset
    )
    return RecommendationPage(
        items=[RecommendationOut.model_validate(r) for r in rows], total=total
    )


@router.get("/{recommendation_id}", response_model=RecommendationDetail)
def get_recommendation(
    recommendation_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> RecommendationDetail:
    """One recommendation with its history and its beskedmodul messages."""
    return detail(session, service.get(session, actor, recommendation_id))


@router.post(
    "/{recommendation_id}/decision",
    response_model=RecommendationDetail,
)
def decide_recommendation(
    recommendation_id: uuid.UUID, body: DecisionIn, actor: CurrentActor, session: SessionDep
) -> RecommendationDetail:
    """The jobcentre grants, refuses (with a reason) or asks for more information."""
    return detail(session, service.decide(session, actor, recommendation_id, data=body))


@router.put(
    "/{recommendation_id}",
    response_model=RecommendationDetail,
)
def amend_recommendation(
    recommendation_id: uuid.UUID, body: RecommendationIn, actor: CurrentActor, session: SessionDep
) -> RecommendationDetail:
    """The a-kasse answers a request for more information; the amended one is sent again."""
    return detail(session, service.amend(session, actor, recommendation_id, data=body))
