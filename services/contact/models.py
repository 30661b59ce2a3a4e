"""Tables of the joint contact process: recommendations, joint interviews, messages, history."""

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, IdMixin, TimestampMixin, utcnow


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=32, values_callable=_values)


def _values(cls: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in cls]


class OfferKind(enum.StrEnum):
    """The early offers an a-kasse may recommend (the Norddjurs agreement, "Tilbud")."""

    GUIDANCE = "guidance"  # vejledning og opkvalificering: a course or an education
    INTERNSHIP = "internship"  # virksomhedspraktik
    WAGE_SUBSIDY = "wage_subsidy"  # ansættelse med løntilskud


# Company-directed offers are applied for and granted in VITAS; Jobbro records the reference.
COMPANY_DIRECTED = frozenset({OfferKind.INTERNSHIP, OfferKind.WAGE_SUBSIDY})


class RecommendationStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # composed; the beskedmodul message is on its way
    SENT = "sent"  # beskedmodulet accepted it: the jobcentre's clock runs
    MORE_INFORMATION = "more_information"  # the jobcentre asks the a-kasse for more
    GRANTED = "granted"
    REFUSED = "refused"


DECIDED = frozenset({RecommendationStatus.GRANTED, RecommendationStatus.REFUSED})


class Recommendation(IdMixin, TimestampMixin, Base):
    """An a-kasse's recommendation of an early offer for one member."""

    __tablename__ = "offer_recommendation"

    cv_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cv.id", ondelete="CASCADE"), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    akasse_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    jobcentre_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    created_by_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[RecommendationStatus] = mapped_column(
        _enum(RecommendationStatus, "recommendation_status"), index=True
    )
    # What the agreement says the jobcentre must at least be told.
    offer_kind: Mapped[OfferKind] = mapped_column(_enum(OfferKind, "offer_kind"))
    offer_title: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date]
    end_date: Mapped[date]
    weekly_hours: Mapped[float]
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    provider_name: Mapped[str] = mapped_column(String(200))
    provider_address: Mapped[str] = mapped_column(String(300))
    provider_email: Mapped[str] = mapped_column(String(200))
    provider_phone: Mapped[str] = mapped_column(String(40))
    provider_contact: Mapped[str | None] = mapped_column(String(200))
    justification: Mapped[str] = mapped_column(Text)
    motivation: Mapped[str] = mapped_column(Text)
    wants_trade_change: Mapped[bool] = mapped_column(default=False)
    caseworker_name: Mapped[str] = mapped_column(String(200))
    caseworker_email: Mapped[str] = mapped_column(String(200))
    caseworker_phone: Mapped[str] = mapped_column(String(40))
    # The jobcentre's clock: from the moment beskedmodulet delivered it.
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_due: Mapped[date | None] = mapped_column(default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    vitas_reference: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)

    @property
    def company_directed(self) -> bool:
        return self.offer_kind in COMPANY_DIRECTED


class InterviewStatus(enum.StrEnum):
    AWAITING_AKASSE = "awaiting_akasse"  # on the a-kasse's invitation list
    PROPOSED = "proposed"  # the a-kasse proposed times (or the fallback picked a slot)
    JOBCENTRE_PICKS = "jobcentre_picks"  # no reply by the deadline: the jobcentre picks
    CONFIRMED = "confirmed"  # the jobcentre called the member and the a-kasse
    HELD = "held"
    CANCELLED = "cancelled"


OPEN_INTERVIEW = frozenset(
    {
        InterviewStatus.AWAITING_AKASSE,
        InterviewStatus.PROPOSED,
        InterviewStatus.JOBCENTRE_PICKS,
        InterviewStatus.CONFIRMED,
    }
)


class MeetingForm(enum.StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class JointInterview(IdMixin, TimestampMixin, Base):
    """One joint job interview of one member in one unemployment period."""

    __tablename__ = "joint_interview"
    __table_args__ = (UniqueConstraint("cv_id", "period_start", "number"),)

    cv_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cv.id", ondelete="CASCADE"), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    akasse_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    jobcentre_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    period_start: Mapped[date]
    number: Mapped[int]  # 1st, 2nd or 3rd joint interview of the period
    recommended_date: Mapped[date]
    latest_date: Mapped[date]
    listed_on: Mapped[date]
    reply_due: Mapped[date]
    status: Mapped[InterviewStatus] = mapped_column(
        _enum(InterviewStatus, "interview_status"), index=True
    )
    proposed_times: Mapped[list[str]] = mapped_column(JSON, default=list)
    proposed_by_name: Mapped[str | None] = mapped_column(String(200))
    jobseeker_wishes: Mapped[str | None] = mapped_column(Text)
    meeting_at: Mapped[datetime | None] = mapped_column(default=None)
    meeting_form: Mapped[MeetingForm | None] = mapped_column(_enum(MeetingForm, "meeting_form"))
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)


class InterviewListRun(IdMixin, Base):
    """When the invitation list of one jobcentre–a-kasse pair was last built."""

    __tablename__ = "joint_interview_list"
    __table_args__ = (UniqueConstraint("jobcentre_organisation_id", "akasse_organisation_id"),)

    jobcentre_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    akasse_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    built_on: Mapped[date]
    added: Mapped[int] = mapped_column(default=0)


class ContactEvent(IdMixin, Base):
    """One step in a recommendation's or an interview's history (append only)."""

    __tablename__ = "contact_event"
    __table_args__ = (Index("ix_contact_event_subject", "subject_type", "subject_id", "at"),)

    subject_type: Mapped[str] = mapped_column(String(32))  # recommendation | interview
    subject_id: Mapped[uuid.UUID]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutgoingMessage(IdMixin, Base):
    """A message for beskedmodulet; the send task delivers it once and records its id."""

    __tablename__ = "beskedmodul_message"

    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    sender_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    recipient: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    external_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
