"""API shape of a mediation-log event."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.joborders.models import EventType


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    type: EventType
    actor_type: str
    actor_id: uuid.UUID | None
    actor_name: str
    organisation_id: uuid.UUID | None
    candidate_id: uuid.UUID | None
    data: dict[str, Any]
    # False when the event is about another a-kasse's member: its notes and reasons are
    # left out, as the candidate list leaves them out.
    details_visible: bool = True
