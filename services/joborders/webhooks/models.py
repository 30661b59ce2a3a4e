"""Webhook tables: a system's subscriptions and the log of every delivery to them."""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, IdMixin, utcnow


class WebhookEvent(enum.StrEnum):
    """The order events a system can subscribe to."""

    ORDER_TAKEN = "order.taken"
    CANDIDATE_REFERRED = "candidate.referred"
    CANDIDATE_HIRED = "candidate.hired"
    ORDER_CLOSED = "order.closed"
    FORWARD_REFUSED = "order.forward_refused"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    # Every attempt failed; the subscriber reads the log and fetches what it missed.
    FAILED = "failed"
    # Not sent: the organisation may no longer see the order, or the key or subscription ended.
    WITHHELD = "withheld"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=32, values_callable=lambda c: [m.value for m in c]
    )


class WebhookSubscription(IdMixin, Base):
    """An HTTPS endpoint of an organisation's system and the events it wants.

    The secret signs every delivery (HMAC-SHA256); it is shown once, when the
    subscription is made, and kept here because signing needs it.
    """

    __tablename__ = "webhook_subscription"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    # The key that registered it: revoking or expiring that key stops the deliveries.
    api_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_key.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Space-separated WebhookEvent values.
    events: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def event_list(self) -> list[WebhookEvent]:
        return [WebhookEvent(e) for e in self.events.split()]


class WebhookDelivery(IdMixin, Base):
    """One event for one subscription: its id is the `webhook-id` the receiver dedupes on.

    `data` holds only facts without personal data (ids, statuses, titles); what the
    subscriber's organisation may see of a candidate is added when the delivery is sent.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_subscription", "subscription_id", "created_at", "id"),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscription.id"))
    event: Mapped[WebhookEvent] = mapped_column(_enum(WebhookEvent, "webhook_event"))
    order_id: Mapped[uuid.UUID] = mapped_column(index=True)
    candidate_id: Mapped[uuid.UUID | None]
    occurred_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "webhook_delivery_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
