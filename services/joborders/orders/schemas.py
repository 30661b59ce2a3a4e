"""API shapes of job orders."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from services.joborders.common.cursor import PageLinks
from services.joborders.common.fields import Email, Reason, StrictIn, Text200
from services.joborders.models import (
    Channel,
    OrderStatus,
)
from services.matching.contract import Certificate, DrivingLicence, LanguageName
from services.matching.contract import OccupationUri as UriShape

Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _known_occupation(uri: str) -> str:
    """A mediator-chosen occupation outranks the title linker, so it must be a real one."""
    from services.matching.occupations.normalize import occupation_by_uri

    if occupation_by_uri(uri) is None:
        raise ValueError("not an ESCO occupation URI (search by Danish label instead)")
    return uri


# An http(s) URI first (never a script or data URI), then one ESCO knows.
OccupationUri = Annotated[UriShape, AfterValidator(_known_occupation)]
PostalCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
Cvr = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Items = Annotated[list[Item], Field(max_length=50)]
Items20 = Annotated[list[Certificate], Field(max_length=20)]
Items10 = Annotated[list[Item], Field(max_length=10)]
Languages = Annotated[list[LanguageName], Field(max_length=10)]
Licences = Annotated[list[DrivingLicence], Field(max_length=15)]
Description = Annotated[str, StringConstraints(max_length=10000)]
Hours = Annotated[float, Field(ge=1, le=80)]
# Strict: `true` or "2" is not a number of positions.
Positions = Annotated[int, Field(ge=1, le=1000, strict=True)]


class EmployerContact(StrictIn):
    """The employer and the contact person; only the mediation owner changes them."""

    employer_name: Text200
    employer_cvr: Cvr | None = None
    employer_address: Annotated[str, StringConstraints(max_length=300)] | None = None
    contact_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    contact_email: Email | None = None
    contact_phone: Phone | None = None


class OrderDetails(StrictIn):
    """What the employer wants; the fields every order has besides the employer."""

    title: Text200
    occupation_uri: OccupationUri | None = None
    description: Description = ""
    skills: Items = Field(default=[])
    certificates: Items20 = Field(default=[])
    driving_licences: Licences = Field(default=[])
    languages: Languages = Field(default=[])
    education: Items10 = Field(default=[])
    positions: Positions = 1
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


class OrderUpdate(StrictIn):
    """Changed details; fields left out stay as they are."""

    title: Text200 | None = None
    occupation_uri: OccupationUri | None = None
    description: Description | None = None
    skills: Items | None = None
    certificates: Items20 | None = None
    driving_licences: Licences | None = None
    languages: Languages | None = None
    education: Items10 | None = None
    positions: Positions | None = None
    weekly_hours: Hours | None = None
    workplace_postal_code: PostalCode | None = None
    start_date: date | None = None
    placement_deadline: date | None = None
    processing_deadline: date | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class EmployerContactUpdate(EmployerContact):
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class StatusChange(StrictIn):
    status: OrderStatus
    reason: Reason | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


def order_date_problems(
    received: date,
    *,
    start_date: date | None,
    placement_deadline: date | None,
    processing_deadline: date | None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The dates of an order that contradict its receipt, as 422 `errors` items.

    The API and the web form share these rules: no deadline or start before the order
    arrived, and (when `today` is given, i.e. a placement deadline is set now) no placement
    deadline that has already passed, because the expiry task would close the order at once.
    """
    problems: list[dict[str, Any]] = []
    ctx = {"received": received.isoformat()}

    def add(field: str, kind: str, message: str) -> None:
        problems.append({"loc": [field], "type": kind, "msg": message, "ctx": ctx})

    if processing_deadline is not None and processing_deadline < received:
        add(
            "processing_deadline",
            "date_before_receipt",
            "The processing deadline lies before the order was received",
        )
    if start_date is not None and start_date < received:
        add(
            "start_date", "date_before_receipt", "The start date lies before the order was received"
        )
    if placement_deadline is not None:
        if placement_deadline < received:
            add(
                "placement_deadline",
                "date_before_receipt",
                "The placement deadline lies before the order was received",
            )
        elif today is not None and placement_deadline < today:
            add("placement_deadline", "date_in_past", "The placement deadline lies in the past")
    return problems


def hire_start_problems(received: date, start_date: date | None) -> list[dict[str, Any]]:
    """A hire cannot start before the employer ordered the position."""
    if start_date is None or start_date >= received:
        return []
    return [
        {
            "loc": ["start_date"],
            "type": "date_before_receipt",
            "msg": "The start date lies before the order was received",
            "ctx": {"received": received.isoformat()},
        }
    ]


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


class OrderPage(PageLinks):
    """A page of orders; `total` counts every order the filters match."""

    total: int
    items: list[OrderOut]


class AllowedActions(BaseModel):
    order: list[str]
    candidates: dict[uuid.UUID, list[str]]
