"""API shapes of early-offer recommendations (indstilling om tidligt tilbud)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from services.contact.models import OfferKind, RecommendationStatus
from services.joborders.common.fields import Email, StrictIn, Text200

LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=8, max_length=40, pattern=r"^\+?[0-9 ()-]+$"
    ),
]


class RecommendationIn(StrictIn):
    """What the agreement says the jobcentre must at least be told."""

    cv_id: uuid.UUID = Field(description="The member's CV")
    offer_kind: OfferKind
    offer_title: Text200 = Field(description="The offer; for a course or education its title")
    start_date: date
    end_date: date
    weekly_hours: Annotated[float, Field(ge=1, le=48)]
    price: Annotated[Decimal, Field(ge=0, le=10_000_000, decimal_places=2)] | None = Field(
        default=None,
        validate_default=True,
        description="Required for a course or education (offer_kind guidance)",
    )
    provider_name: Text200
    provider_address: Address
    provider_email: Email
    provider_phone: Phone
    provider_contact: Text200 | None = None
    justification: LongText = Field(
        description="How the offer is the fastest way to a job or strengthens job prospects"
    )
    motivation: LongText = Field(
        description="The member's own motivation, including any wish to change trade"
    )
    wants_trade_change: bool = False
    caseworker_name: Text200 | None = Field(default=None, description="Default: the caller")
    caseworker_email: Email | None = Field(default=None, description="Default: the caller")
    caseworker_phone: Phone

    # Field validators rather than one model check, so a form shows these beside the
    # other missing fields at once (a model check only runs once every field passed).
    @field_validator("end_date")
    @classmethod
    def _after_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and value < start:
            raise ValueError("end_date before start_date")
        return value

    @field_validator("price")
    @classmethod
    def _price_for_courses(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if value is None and info.data.get("offer_kind") is OfferKind.GUIDANCE:
            raise ValueError("price is required for a course or education")
        return value


class DecisionIn(StrictIn):
    decision: Literal["granted", "refused", "more_information"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None
    vitas_reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = Field(default=None, description="Required to grant a company-directed offer")


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    actor_name: str
    detail: dict[str, str | int | None]


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    recipient: str
    created_at: datetime
    sent_at: datetime | None
    external_id: str | None = Field(description="Beskedmodulet's message id once sent")


class RecommendationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cv_id: uuid.UUID
    person_name: str
    akasse_organisation_id: uuid.UUID
    jobcentre_organisation_id: uuid.UUID
    status: RecommendationStatus
    offer_kind: OfferKind
    company_directed: bool
    offer_title: str
    start_date: date
    end_date: date
    weekly_hours: float
    price: Decimal | None
    provider_name: str
    provider_address: str
    provider_email: str
    provider_phone: str
    provider_contact: str | None
    justification: str
    motivation: str
    wants_trade_change: bool
    caseworker_name: str
    caseworker_email: str
    caseworker_phone: str
    created_at: datetime
    sent_at: datetime | None
    decision_due: date | None
    decided_at: datetime | None
    decided_by_name: str | None
    decision_reason: str | None
    vitas_reference: str | None
    version: int


class RecommendationDetail(RecommendationOut):
    steps: list[StepOut]
    messages: list[MessageOut]


class RecommendationPage(BaseModel):
    items: list[RecommendationOut]
    total: int
