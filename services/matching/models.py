"""Matching tables: the CV bank and, kept apart, each CV's case facts."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, IdMixin, TimestampMixin


def vector_id_for(cv_id: uuid.UUID) -> int:
    """The CV's FAISS id: 63 bits of its UUID, so it is positive in int64 and never reused."""
    return cv_id.int >> 65


class Cv(IdMixin, TimestampMixin, Base):
    """A Jobnet-style CV; `document` holds the content, the columns what filters read."""

    __tablename__ = "cv"
    __table_args__ = (Index("ix_cv_updated_at", "updated_at"),)

    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    vector_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    headline: Mapped[str] = mapped_column(String(200), default="")
    searchable: Mapped[bool] = mapped_column(default=True)
    postal_code: Mapped[str | None] = mapped_column(String(4))
    max_commute_km: Mapped[float | None] = mapped_column(Float)
    weekly_hours: Mapped[float | None] = mapped_column(Float)
    available_from: Mapped[date | None] = mapped_column(Date)
    # The CV content (schemas.CvContent as JSON); never holds case facts.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Top ESCO occupation of the first desired job, and every title's occupation.
    occupation_uri: Mapped[str | None] = mapped_column(String(200))
    isco_group: Mapped[str | None] = mapped_column(String(8))
    occupations: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    # Hash of the text that should be embedded, and of the text whose vector is indexed.
    text_hash: Mapped[str] = mapped_column(String(64))
    indexed_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    indexed_at: Mapped[datetime | None] = mapped_column(default=None)


class CvCaseFacts(Base):
    """A-kasse membership and unemployment start: for visibility and staff, never ranking."""

    __tablename__ = "cv_case_facts"

    cv_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cv.id", ondelete="CASCADE"), primary_key=True
    )
    akasse_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    unemployed_since: Mapped[date | None] = mapped_column(Date)


class CvBankState(Base):
    """One row whose `version` database triggers bump on every change to `cv`."""

    __tablename__ = "cv_bank_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


# Registered with the CV tables so every metadata user (migrations, tests) sees it.
from services.matching.cvbank.contact_model import CvContact  # noqa: E402,F401
