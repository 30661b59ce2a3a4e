"""API shapes of notes on an order and on its candidates."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from services.joborders.common.fields import StrictIn

NoteText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class NoteIn(StrictIn):
    text: NoteText


class NoteOut(BaseModel):
    """A note with its author and time; `candidate_id` is null for a note on the order."""

    id: uuid.UUID
    order_id: uuid.UUID
    candidate_id: uuid.UUID | None
    created_at: datetime
    author_name: str
    organisation_id: uuid.UUID
    text: str
