"""Joint job interviews in the API: invitation lists, times, confirmation, cancellations."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from services.contact import history, messages
from services.contact.interviews import planning, service
from services.contact.interviews.schemas import (
    CancelIn,
    ConfirmIn,
    InterviewDetail,
    InterviewOut,
    InterviewPage,
    ListsBuilt,
    MoveIn,
    ProposalIn,
)
from services.contact.models import InterviewStatus, JointInterview
from services.contact.recommendations.schemas import MessageOut, StepOut
from shared.auth import CurrentActor, SessionDep, require_org_kind
from shared.errors import PROBLEM_RESPONSES
from shared.models import OrgKind

router = APIRouter(
    prefix="/api/interviews", tags=["joint job interviews"], responses=PROBLEM_RESPONSES
)


def detail(session: Session, interview: JointInterview) -> InterviewDetail:
    return InterviewDetail(
        **InterviewOut.model_validate(interview).model_dump(),
        steps=[StepOut.model_validate(s) for s in history.steps(session, interview.id)],
        messages=[
            MessageOut.model_validate(m) for m in messages.messages_of(session, interview.id)
        ],
    )


@router.get("", response_model=InterviewPage)
def list_interviews(
    actor: CurrentActor,
    session: SessionDep,
    status: InterviewStatus | None = None,
    partner_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> InterviewPage:
    """The caller's invitation lists (per partner with `partner_id`), most urgent first."""
    rows, total = service.list_interviews(
        session, actor, status=status, partner_id=partner_id, limit=limit, offset=offset
    )
    return InterviewPage(items=[InterviewOut.model_validate(r) for r in rows], total=total)


# Its own path: under /api/interviews it would share a path shape with /{interview_id}.
lists_router = APIRouter(
    prefix="/api/interview-lists", tags=["joint job interviews"], responses=PROBLEM_RESPONSES
)


@lists_router.post("", response_model=ListsBuilt)
def build_lists(actor: CurrentActor, session: SessionDep) -> ListsBuilt:
    """Build the invitation lists now instead of waiting for the weekly run (a jobcentre)."""
    require_org_kind(actor, OrgKind.JOBCENTRE, action="interview.build_lists")
    return ListsBuilt(added=planning.build_lists(session, force=True))


@router.get("/{interview_id}", response_model=InterviewDetail)
def get_interview(
    interview_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> InterviewDetail:
    """One interview with its history and its beskedmodul messages."""
    return detail(session, service.get(session, actor, interview_id))


@router.post("/{interview_id}/proposal", response_model=InterviewDetail)
def propose_times(
    interview_id: uuid.UUID, body: ProposalIn, actor: CurrentActor, session: SessionDep
) -> InterviewDetail:
    """The a-kasse proposes times, with the member's wishes for the interview."""
    return detail(session, service.propose(session, actor, interview_id, data=body))


@router.post(
    "/{interview_id}/confirmation",
    response_model=InterviewDetail,
)
def confirm_interview(
    interview_id: uuid.UUID, body: ConfirmIn, actor: CurrentActor, session: SessionDep
) -> InterviewDetail:
    """The jobcentre fixes the time; the member and the a-kasse are called."""
    return detail(session, service.confirm(session, actor, interview_id, data=body))


@router.post("/{interview_id}/move", response_model=InterviewDetail)
def move_interview(
    interview_id: uuid.UUID, body: MoveIn, actor: CurrentActor, session: SessionDep
) -> InterviewDetail:
    """Either party moves the interview, with a reason."""
    return detail(session, service.move(session, actor, interview_id, data=body))


@router.post("/{interview_id}/cancellation", response_model=InterviewDetail)
def cancel_interview(
    interview_id: uuid.UUID, body: CancelIn, actor: CurrentActor, session: SessionDep
) -> InterviewDetail:
    """Either party cancels, with a reason (a same-day cancellation is marked)."""
    return detail(session, service.cancel(session, actor, interview_id, data=body))


@router.post("/{interview_id}/held", response_model=InterviewDetail)
def mark_held(interview_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> InterviewDetail:
    """The jobcentre records that the interview took place."""
    return detail(session, service.mark_held(session, actor, interview_id))
