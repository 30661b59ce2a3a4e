"""API shapes of mediation ownership."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.joborders.common.cursor import PageLinks
from services.joborders.common.fields import Email, Reason, StrictIn
from services.joborders.models import OwnerChangeKind


class OwnerChangeIn(StrictIn):
    """Hand-over by the owner, or take-over by an administrator of the coordinator."""

    new_owner_id: uuid.UUID | None = Field(default=None, description="Default: the caller")
    new_owner_email: Email | None = None
    reason: Reason
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class OwnerChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: OwnerChangeKind
    from_user_id: uuid.UUID | None
    to_user_id: uuid.UUID
    changed_by_name: str
    changed_by_organisation_id: uuid.UUID
    reason: str


class OwnerChangePage(PageLinks):
    """A page of the owner history, oldest first."""

    items: list[OwnerChangeOut]
