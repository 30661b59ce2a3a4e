"""A CV's contact details, kept apart from the CV content like its case facts.

They are never embedded, never in a search result and never in the CV document that
`GET /api/matching/cvs/{id}` returns: only the contact read hands them out.
"""

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class CvContact(Base):
    __tablename__ = "cv_contact"

    cv_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cv.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
