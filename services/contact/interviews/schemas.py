"""API shapes of joint job interviews (fælles jobsamtaler)."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from services.contact.models import InterviewStatus, MeetingForm
from services.contact.recommendations.schemas import MessageOut, StepOut
from services.joborders.common.fields import StrictIn

Wishes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ProposalIn(StrictIn):
    """The a-kasse's answer to the invitation list: times it can attend."""

    times: Annotated[list[AwareDatetime], Field(min_length=1, max_length=5)]
    jobseeker_wishes: Wishes | None = Field(
        default=None, description="The member's wishes for the interview; travels with it"
    )


class ConfirmIn(StrictIn):
    """The jobcentre calls the member and the a-kasse at this time."""

    meeting_at: AwareDatetime
    meeting_form: MeetingForm = MeetingForm.IN_PERSON


class MoveIn(StrictIn):
    meeting_at: AwareDatetime
    reason: Reason


class CancelIn(StrictIn):
    reason: Reason


class InterviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cv_id: uuid.UUID
    person_name: str
    akasse_organisation_id: uuid.UUID
    jobcentre_organisation_id: uuid.UUID
    number: int = Field(description="1st, 2nd or 3rd joint interview of the period")
    period_start: date
    recommended_date: date
    latest_date: date
    listed_on: date
    reply_due: date
    status: InterviewStatus
    proposed_times: list[datetime]
    proposed_by_name: str | None
    jobseeker_wishes: str | None
    meeting_at: datetime | None
    meeting_form: MeetingForm | None
    cancelled_reason: str | None
    version: int


class InterviewDetail(InterviewOut):
    steps: list[StepOut]
    messages: list[MessageOut]


class InterviewPage(BaseModel):
    items: list[InterviewOut]
    total: int


class ListsBuilt(BaseModel):
    added: int = Field(description="Interviews added to the invitation lists")
