"""API shapes of the job-order service."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.joborders.models import (
    CandidateSource,
    CandidateStatus,
    Channel,
    ContactOutcome,
    EventType,
    OrderStatus,
    OwnerChangeKind,
)

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PostalCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
Cvr = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Items = Annotated[list[Item], Field(max_length=50)]
Items20 = Annotated[list[Item], Field(max_length=20)]
Items10 = Annotated[list[Item], Field(max_length=10)]
Language = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
Languages = Annotated[list[Language], Field(max_length=10)]
Licence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)]
Licences = Annotated[list[Licence], Field(max_length=15)]
Description = Annotated[str, StringConstraints(max_length=10000)]
Hours = Annotated[float, Field(ge=1, le=80)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmployerContact(_In):
    """The employer and the contact person; only the mediation owner changes them."""

    employer_name: Text200
    employer_cvr: Cvr | None = None
    employer_address: Annotated[str, StringConstraints(max_length=300)] | None = None
    contact_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    contact_email: Email | None = None
    contact_phone: Phone | None = None


class OrderDetails(_In):
    """What the employer wants; the fields every order has besides the employer."""

    title: Text200
    occupation_uri: Annotated[str, StringConstraints(max_length=200)] | None = None
    description: Description = ""
    skills: Items = []
    certificates: Items20 = []
    driving_licences: Licences = []
    languages: Languages = []
    education: Items10 = []
    positions: Annotated[int, Field(ge=1, le=1000)] = 1
    weekly_hours: Hours | None = None
    workplace_postal_code: PostalCode | None = None
    start_date: date | None = None
    placement_deadline: date | None = None
    processing_deadline: date | None = Field(
        default=None,
        description="Agreed with the employer; default: the configured number of working days",
    )


class OrderCreate(OrderDetails, EmployerContact):
    """A new order as a mediator or an a-kasse's system received it."""

    channel: Channel = Channel.PHONE
    status: Literal[OrderStatus.DRAFT, OrderStatus.IN_PROCESS] = OrderStatus.IN_PROCESS
    received_at: datetime | None = Field(
        default=None, description="When the employer's order arrived; default: now"
    )
    owner_email: Email | None = Field(
        default=None,
        description=(
            "Mediation owner, a person in the caller's organisation. Required for a system "
            "(API key) caller; a logged-in person becomes the owner when it is left out."
        ),
    )

    @model_validator(mode="after")
    def _aware_received_at(self) -> "OrderCreate":
        if self.received_at is not None and self.received_at.tzinfo is None:
            raise ValueError("received_at needs a time zone")
        return self


class OrderUpdate(_In):
    """Changed details; fields left out stay as they are."""

    title: Text200 | None = None
    occupation_uri: Annotated[str, StringConstraints(max_length=200)] | None = None
    description: Description | None = None
    skills: Items | None = None
    certificates: Items20 | None = None
    driving_licences: Licences | None = None
    languages: Languages | None = None
    education: Items10 | None = None
    positions: Annotated[int, Field(ge=1, le=1000)] | None = None
    weekly_hours: Hours | None = None
    workplace_postal_code: PostalCode | None = None
    start_date: date | None = None
    placement_deadline: date | None = None
    processing_deadline: date | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class EmployerContactUpdate(EmployerContact):
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class StatusChange(_In):
    status: OrderStatus
    reason: Reason | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class OwnerChangeIn(_In):
    """Hand-over by the owner, or take-over by an administrator of the coordinator."""

    new_owner_id: uuid.UUID | None = Field(default=None, description="Default: the caller")
    new_owner_email: Email | None = None
    reason: Reason
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class ForwardIn(_In):
    reason: Reason
    jobcentre_id: uuid.UUID | None = Field(
        default=None, description="Default: the jobcentre of the workplace's municipality"
    )


class TakeForwardedIn(_In):
    reason: Reason = "Modtaget via JobAG"
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class ShareIn(_In):
    organisation_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=30)]


class ShareOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organisation_id: uuid.UUID
    shared_at: datetime
    shared_by_name: str
    jobag_reference: str | None


class OrderOut(BaseModel):
    """An order as its participants see it."""

    id: uuid.UUID
    version: int
    status: OrderStatus
    channel: Channel
    employer_name: str
    employer_cvr: str | None
    employer_address: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    title: str
    occupation_uri: str | None
    description: str
    skills: list[str]
    certificates: list[str]
    driving_licences: list[str]
    languages: list[str]
    education: list[str]
    positions: int
    weekly_hours: float | None
    workplace_postal_code: str | None
    start_date: date | None
    placement_deadline: date | None
    received_at: datetime
    processing_deadline: date
    first_action_at: datetime | None
    processing_seconds: float | None
    overdue: bool
    closed_at: datetime | None
    owner_user_id: uuid.UUID
    owner_name: str
    owner_organisation_id: uuid.UUID
    coordinator_organisation_id: uuid.UUID
    coordinator_name: str
    origin_organisation_id: uuid.UUID
    forwarded_to_organisation_id: uuid.UUID | None
    forwarded_at: datetime | None
    forward_reason: str | None
    jobag_reference: str | None
    forward_taken_at: datetime | None
    created_at: datetime
    updated_at: datetime


class OrderPage(BaseModel):
    total: int
    items: list[OrderOut]


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    type: EventType
    actor_type: str
    actor_id: uuid.UUID | None
    actor_name: str
    organisation_id: uuid.UUID | None
    candidate_id: uuid.UUID | None
    data: dict[str, Any]


class OwnerChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: OwnerChangeKind
    from_user_id: uuid.UUID | None
    to_user_id: uuid.UUID
    changed_by_name: str
    changed_by_organisation_id: uuid.UUID
    reason: str


class CandidateIn(_In):
    cv_id: uuid.UUID
    source: CandidateSource = CandidateSource.MATCHING
    unemployed: bool = Field(
        default=True, description="CV-bank people are insured unemployed unless stated otherwise"
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ContactIn(_In):
    outcome: ContactOutcome
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class OutcomeIn(_In):
    hired: bool
    start_date: date | None = None
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _start_date_for_hire(self) -> "OutcomeIn":
        if self.hired and self.start_date is None:
            raise ValueError("a hire needs a start_date")
        return self


class ReasonIn(_In):
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
    contact_note: str | None
    contacted_at: datetime | None
    referred_at: datetime | None
    start_date: date | None
    outcome_at: datetime | None
    archived_at: datetime | None
    archive_reason: str | None
    allowed_actions: list[str]


class AllowedActions(BaseModel):
    order: list[str]
    candidates: dict[uuid.UUID, list[str]]


class MatchesOut(BaseModel):
    """The matching service's ranked page, with which CVs are already on the order."""

    total: int
    items: list[dict[str, Any]]
    already_on_order: list[uuid.UUID]


class Indicators(BaseModel):
    """STAR's job-order measures for one organisation and period."""

    organisation_id: uuid.UUID
    date_from: date
    date_to: date
    orders: int
    positions: int
    orders_with_referral: int
    share_with_referral: float | None
    orders_with_hire_after_referral: int
    share_with_hire: float | None
    overdue_now: int
    median_processing_hours: float | None


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    total: int
    unread: int
    items: list[NotificationOut]
