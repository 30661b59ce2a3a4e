"""Tables every service reads: organisations, users, API keys and the audit log."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, IdMixin, TimestampMixin, utcnow


class OrgKind(enum.StrEnum):
    JOBCENTRE = "jobcentre"
    AKASSE = "akasse"
    EMPLOYER = "employer"


class Role(enum.StrEnum):
    MEDIATOR = "mediator"
    CASEWORKER = "caseworker"
    ADMINISTRATOR = "administrator"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=32, values_callable=_values)


def _values(cls: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in cls]


class Organisation(IdMixin, TimestampMixin, Base):
    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind, "org_kind"))
    municipality_code: Mapped[str | None] = mapped_column(String(3))
    cvr: Mapped[str | None] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(200))


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "app_user"

    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class ApiKey(IdMixin, TimestampMixin, Base):
    """A system client's key; only a SHA-256 of the secret is stored."""

    __tablename__ = "api_key"

    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    # Space-separated scopes (shared/identity/scopes.py): what the key may do.
    scopes: Mapped[str] = mapped_column(String(200), default="")
    expires_at: Mapped[datetime | None] = mapped_column(default=None)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class Outcome(enum.StrEnum):
    PERMIT = "permit"
    DENY = "deny"


class AuditEvent(IdMixin, Base):
    """Append-only: a database trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(16))  # user | api_key | anonymous | system
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str | None] = mapped_column(String(50))
    subject_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome, "audit_outcome"))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(IdMixin, Base):
    """A task written in the transaction of the change that asks for it, relayed after commit.

    The row commits or rolls back with the change, so a broker that is down loses
    nothing: the relay publishes the row once the broker answers again.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_pending", "sent_at", "available_at"),)

    task_name: Mapped[str] = mapped_column(String(200))
    # JSON of {"args": [...], "kwargs": {...}}: tasks take ids, never objects.
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Not before this moment: a lease for the immediate attempt, then the retry back-off.
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class UserSession(IdMixin, Base):
    """A browser login; the cookie carries a random token, only its SHA-256 is stored.

    Ending the row (logout, password change, timeout) ends the session at once,
    whatever the signed cookie still says.
    """

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32))


class LoginFailure(IdMixin, Base):
    """One refused login, counted per account and per address to throttle guessing."""

    __tablename__ = "login_failure"

    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # SHA-256 of the lower-cased e-mail: the throttle needs no readable address.
    account: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
