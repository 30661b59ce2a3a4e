"""API shapes of notifications."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.joborders.common.cursor import PageLinks


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(PageLinks):
    total: int
    unread: int
    items: list[NotificationOut]
