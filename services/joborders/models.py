"""Job-order tables: orders, owners, shares, candidates, the mediation log, notifications."""

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, IdMixin, TimestampMixin, utcnow
from shared.models import Organisation, User


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=32, values_callable=_values)


def _values(cls: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in cls]


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_PROCESS = "in_process"
    INACTIVATED = "inactivated"
    CLOSED_FILLED = "closed_filled"
    CLOSED_EXPIRED = "closed_expired"


OPEN_STATUSES = (OrderStatus.DRAFT, OrderStatus.IN_PROCESS, OrderStatus.INACTIVATED)
CLOSED_STATUSES = (OrderStatus.CLOSED_FILLED, OrderStatus.CLOSED_EXPIRED)


class Channel(enum.StrEnum):
    JOBAG = "jobag"
    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"


class CandidateSource(enum.StrEnum):
    MATCHING = "matching"
    MANUAL = "manual"


class CandidateStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONTACTED = "contacted"
    REFERRED = "referred"
    HIRED = "hired"
    NOT_HIRED = "not_hired"


class ContactOutcome(enum.StrEnum):
    INTERESTED = "interested"
    NOT_INTERESTED = "not_interested"
    UNREACHABLE = "unreachable"


class OwnerChangeKind(enum.StrEnum):
    INITIAL = "initial"
    HAND_OVER = "hand_over"
    TAKE_OVER = "take_over"
    FORWARD_TAKE_OVER = "forward_take_over"


class EventType(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    EMPLOYER_CONTACT_CHANGED = "employer_contact_changed"
    FORWARDED = "forwarded"
    SHARED = "shared"
    OWNER_CHANGED = "owner_changed"
    STATUS_CHANGED = "status_changed"
    CANDIDATE_ADDED = "candidate_added"
    CONTACTED = "contacted"
    REFERRED = "referred"
    HIRED = "hired"
    NOT_HIRED = "not_hired"
    OUTCOME_REVERSED = "outcome_reversed"
    CANDIDATE_ARCHIVED = "candidate_archived"
    CLOSED = "closed"


class JobOrder(IdMixin, TimestampMixin, Base):
    """An employer's request for one or more employees, with exactly one mediation owner."""

    __tablename__ = "job_order"
    __table_args__ = (
        CheckConstraint("positions >= 1", name="positions_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_job_order_overdue", "status", "first_action_at", "processing_deadline"),
    )

    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus, "order_status"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "order_channel"))

    employer_name: Mapped[str] = mapped_column(String(200))
    employer_cvr: Mapped[str | None] = mapped_column(String(8), index=True)
    employer_address: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))

    title: Mapped[str] = mapped_column(String(200))
    occupation_uri: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    driving_licences: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    education: Mapped[list[str]] = mapped_column(JSON, default=list)
    positions: Mapped[int] = mapped_column(default=1)
    weekly_hours: Mapped[float | None]
    workplace_postal_code: Mapped[str | None] = mapped_column(String(4))
    start_date: Mapped[date | None]
    placement_deadline: Mapped[date | None]

    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processing_deadline: Mapped[date]
    first_action_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    # The owner column is NOT NULL: the database itself refuses an order without an owner.
    owner_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), index=True)
    owner_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    coordinator_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    origin_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )

    forwarded_to_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    forwarded_at: Mapped[datetime | None]
    forward_reason: Mapped[str | None] = mapped_column(Text)
    jobag_reference: Mapped[str | None] = mapped_column(String(100))
    forward_taken_at: Mapped[datetime | None]

    # Bumped atomically per appended log row, so the log has a gap-free order per job order.
    event_seq: Mapped[int] = mapped_column(default=0)

    owner: Mapped[User] = relationship(foreign_keys=[owner_user_id], lazy="joined", innerjoin=True)
    coordinator: Mapped[Organisation] = relationship(
        foreign_keys=[coordinator_organisation_id], lazy="joined", innerjoin=True
    )


class OwnerChange(IdMixin, Base):
    """Append-only history of who owned an order, who changed it and why."""

    __tablename__ = "job_order_owner_change"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("job_order.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[OwnerChangeKind] = mapped_column(_enum(OwnerChangeKind, "owner_change_kind"))
    from_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    to_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    changed_by_type: Mapped[str] = mapped_column(String(16))
    changed_by_id: Mapped[uuid.UUID | None]
    changed_by_name: Mapped[str] = mapped_column(String(200))
    changed_by_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    reason: Mapped[str] = mapped_column(Text)


class OrderShare(IdMixin, Base):
    """An a-kasse an order is shared with, so it can propose its members."""

    __tablename__ = "job_order_share"
    __table_args__ = (UniqueConstraint("order_id", "organisation_id"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("job_order.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)
    shared_by_name: Mapped[str] = mapped_column(String(200))
    jobag_reference: Mapped[str | None] = mapped_column(String(100))


class Candidate(IdMixin, TimestampMixin, Base):
    """A jobseeker (a CV of the matching service) put on an order."""

    __tablename__ = "job_order_candidate"
    __table_args__ = (UniqueConstraint("order_id", "cv_id"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("job_order.id"), index=True)
    cv_id: Mapped[uuid.UUID]
    # Snapshots from the CV at the time it was added; the matching tables are not ours to read.
    name: Mapped[str] = mapped_column(String(200))
    headline: Mapped[str | None] = mapped_column(String(300))
    akasse_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    # The CV bank holds insured unemployed people; a manual candidate may say otherwise.
    unemployed: Mapped[bool] = mapped_column(default=True)
    source: Mapped[CandidateSource] = mapped_column(_enum(CandidateSource, "candidate_source"))
    found_by_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    found_by_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[CandidateStatus] = mapped_column(_enum(CandidateStatus, "candidate_status"))
    contact_outcome: Mapped[ContactOutcome | None] = mapped_column(
        _enum(ContactOutcome, "contact_outcome")
    )
    contact_note: Mapped[str | None] = mapped_column(Text)
    # Structured reasons (candidates/reasons.py): why not interested, why not hired.
    contact_reason: Mapped[str | None] = mapped_column(String(32))
    outcome_reason: Mapped[str | None] = mapped_column(String(32))
    contacted_at: Mapped[datetime | None]
    contacted_by_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id")
    )
    referred_at: Mapped[datetime | None]
    start_date: Mapped[date | None]
    outcome_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    archive_reason: Mapped[str | None] = mapped_column(Text)


class OrderEvent(IdMixin, Base):
    """One row of an order's mediation log (formidlingslog); never changed or deleted."""

    __tablename__ = "job_order_event"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("job_order.id"), index=True)
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    type: Mapped[EventType] = mapped_column(_enum(EventType, "order_event_type"), index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("job_order_candidate.id"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IdempotencyKey(IdMixin, Base):
    """The first result of a retried system-API write, keyed per organisation."""

    __tablename__ = "job_order_idempotency_key"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    key: Mapped[str] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(50))
    fingerprint: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(IdMixin, Base):
    """An in-app message to one user; `dedupe_key` makes the sending tasks idempotent."""

    __tablename__ = "job_order_notification"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("job_order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]


# Notes live in their own domain folder; registered here so every metadata user sees them.
from services.joborders.notes.models import OrderNote  # noqa: E402,F401
