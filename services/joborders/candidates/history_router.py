"""A person's history across orders, by CV (the CV page's view of it)."""

import uuid

from fastapi import APIRouter

from services.joborders.candidates.history import cv_history
from services.joborders.candidates.schemas import HistoryEntryOut
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/cvs", tags=["job-order candidates"], responses=PROBLEM_RESPONSES)


@router.get("/{cv_id}/order-history", response_model=list[HistoryEntryOut])
def order_history(
    cv_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[HistoryEntryOut]:
    """The orders the caller sees that the person was a candidate on; for staff who may
    read the CV (audited)."""
    return cv_history(session, actor, cv_id=cv_id)
