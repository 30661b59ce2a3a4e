"""Free notes on an order or on one of its candidates; written once, never changed."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, IdMixin, utcnow


class OrderNote(IdMixin, Base):
    """A note with its author and time; `candidate_id` set makes it a note on that candidate.

    Notes are append-only like the mediation log: a wrong note is corrected by a new one,
    so what a colleague read stays on record.
    """

    __tablename__ = "job_order_note"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("job_order.id"), index=True)
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("job_order_candidate.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_type: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[uuid.UUID | None]
    author_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    text: Mapped[str] = mapped_column(Text)
