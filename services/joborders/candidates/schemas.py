"""API shapes of candidates on an order."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from services.joborders.candidates.reasons import NotHiredReason, NotInterestedReason
from services.joborders.common.cursor import PageLinks
from services.joborders.common.fields import Note, Reason, StrictIn
from services.joborders.models import (
    CandidateSource,
    CandidateStatus,
    ContactOutcome,
    OrderStatus,
)
from services.matching.contract import RankedCandidate


class CandidateIn(StrictIn):
    cv_id: uuid.UUID
    source: CandidateSource = CandidateSource.MATCHING
    unemployed: bool = Field(
        default=True, description="CV-bank people are insured unemployed unless stated otherwise"
    )
    note: Note | None = None


class ContactIn(StrictIn):
    outcome: ContactOutcome
    reason: NotInterestedReason | None = Field(
        default=None, description="Why not interested (only with outcome not_interested)"
    )
    note: Note | None = None

    @model_validator(mode="after")
    def _reason_only_when_not_interested(self) -> "ContactIn":
        if self.reason is not None and self.outcome is not ContactOutcome.NOT_INTERESTED:
            raise ValueError("a reason is given only when the candidate is not interested")
        return self


class OutcomeIn(StrictIn):
    hired: bool
    start_date: date | None = None
    reason: NotHiredReason | None = Field(
        default=None, description="Why not hired (only when not hired); or explain in `note`"
    )
    note: Note | None = Field(
        default=None, description="Free text; when not hired without a `reason`, required"
    )

    @model_validator(mode="after")
    def _start_date_for_hire(self) -> "OutcomeIn":
        if self.hired and self.start_date is None:
            raise ValueError("a hire needs a start_date")
        if self.hired and self.reason is not None:
            raise ValueError("a reason is given only when the candidate was not hired")
        # "Not hired" ends the candidate's chance on the order; the log must say why.
        if not self.hired and self.reason is None and not (self.note or "").strip():
            raise ValueError("a non-hire needs a reason or a note giving the reason")
        return self


class ReasonIn(StrictIn):
    reason: Reason


class CandidateOut(BaseModel):
    """A candidate; personal details are empty where the caller may not see them."""

    id: uuid.UUID
    order_id: uuid.UUID
    details_visible: bool
    cv_id: uuid.UUID | None
    name: str | None
    headline: str | None
    akasse_organisation_id: uuid.UUID | None
    unemployed: bool
    source: CandidateSource
    found_by_organisation_id: uuid.UUID
    found_by_name: str
    status: CandidateStatus
    contact_outcome: ContactOutcome | None
    contact_reason: NotInterestedReason | None
    contact_note: str | None
    contacted_at: datetime | None
    referred_at: datetime | None
    start_date: date | None
    outcome_at: datetime | None
    outcome_reason: NotHiredReason | None
    archived_at: datetime | None
    archive_reason: str | None
    allowed_actions: list[str]


class MatchesOut(BaseModel):
    """The matching service's ranked page, with which CVs are already on the order."""

    total: int
    items: list[RankedCandidate]
    already_on_order: list[uuid.UUID]


class CandidatePage(PageLinks):
    """A page of an order's candidates, in the order they were added."""

    items: list[CandidateOut]


class HistoryEntryOut(BaseModel):
    """One order a person was a candidate on, as far as the caller may see it."""

    candidate_id: uuid.UUID
    order_id: uuid.UUID
    order_title: str
    employer_name: str
    order_status: OrderStatus
    status: CandidateStatus
    found_by_name: str
    added_at: datetime
    contact_outcome: ContactOutcome | None
    contact_reason: NotInterestedReason | None
    contacted_at: datetime | None
    referred_at: datetime | None
    start_date: date | None
    outcome_reason: NotHiredReason | None
    outcome_at: datetime | None
    archived_at: datetime | None
