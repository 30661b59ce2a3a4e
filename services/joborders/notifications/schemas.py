"""API shapes of notifications."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    total: int
    unread: int
    items: list[NotificationOut]
