"""API shapes of JobAG forwarding."""

import uuid

from pydantic import Field

from services.joborders.common.fields import Reason, StrictIn


class ForwardIn(StrictIn):
    reason: Reason
    jobcentre_id: uuid.UUID | None = Field(
        default=None, description="Default: the jobcentre of the workplace's municipality"
    )


class TakeForwardedIn(StrictIn):
    reason: Reason = "Modtaget via JobAG"
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")
