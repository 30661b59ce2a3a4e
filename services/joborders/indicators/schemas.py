"""API shape of STAR's job-order measures."""

import uuid
from datetime import date

from pydantic import BaseModel


class Indicators(BaseModel):
    """STAR's job-order measures for one organisation and period."""

    organisation_id: uuid.UUID
    date_from: date
    date_to: date
    orders: int
    positions: int
    orders_with_referral: int
    share_with_referral: float | None
    orders_with_hire_after_referral: int
    share_with_hire: float | None
    overdue_now: int
    median_processing_hours: float | None
