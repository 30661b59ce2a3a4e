"""API shapes of webhooks: subscriptions, the delivery log and the payload a receiver gets."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from services.joborders.common.fields import StrictIn
from services.joborders.models import CandidateStatus, OrderStatus
from services.joborders.webhooks.models import DeliveryStatus, WebhookEvent

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class SubscriptionIn(StrictIn):
    """An endpoint of the caller's system and the events it wants."""

    url: Url = Field(
        description="HTTPS URL that receives the deliveries (plain http only to loopback "
        "in development and tests)"
    )
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WebhookEvent))
    description: Description | None = None


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    url: str
    events: list[WebhookEvent]
    description: str | None
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(
        description="Signs every delivery (`whsec_` + base64). Shown only in this answer: "
        "store it in the receiving system."
    )


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


class DeliveryOut(BaseModel):
    """One event for one subscription and how sending it went."""

    id: uuid.UUID = Field(description="The `webhook-id` header of the delivery")
    event: WebhookEvent
    order_id: uuid.UUID
    candidate_id: uuid.UUID | None
    occurred_at: datetime
    status: DeliveryStatus
    attempts: int
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")
    next: str | None = Field(description="The next page's URL; null at the end")


# -- what the receiver gets ----------------------------------------------------------------


class PayloadOrder(BaseModel):
    id: uuid.UUID
    title: str
    status: OrderStatus = Field(description="The order's status when the event happened")


class PayloadCandidate(BaseModel):
    """A candidate: the name and CV only when the subscriber's organisation may see them."""

    id: uuid.UUID
    status: CandidateStatus
    details_visible: bool
    cv_id: uuid.UUID | None = None
    name: str | None = None
    start_date: date | None = None


class PayloadData(BaseModel):
    order: PayloadOrder
    candidate: PayloadCandidate | None = None
    detail: str | None = Field(
        default=None, description="Why a forward was refused (`order.forward_refused` only)"
    )


class WebhookPayload(BaseModel):
    """The JSON body of a delivery; fetch the order through the API for everything else."""

    type: WebhookEvent
    timestamp: datetime = Field(description="When the event happened")
    data: PayloadData
