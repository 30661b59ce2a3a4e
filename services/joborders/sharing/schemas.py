"""API shapes of sharing an order with a-kasser."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.joborders.common.cursor import PageLinks
from services.joborders.common.fields import StrictIn


class ShareIn(StrictIn):
    organisation_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=30)]


class ShareOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organisation_id: uuid.UUID
    shared_at: datetime
    shared_by_name: str
    jobag_reference: str | None


class SharePage(PageLinks):
    """A page of the a-kasser the order is shared with, in the order it was shared."""

    items: list[ShareOut]
