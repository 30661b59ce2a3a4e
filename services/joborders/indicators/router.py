"""The indicators endpoint: STAR's measures for the caller's organisation."""

from fastapi import APIRouter

from services.joborders.indicators import service as indicators
from services.joborders.indicators.schemas import Indicators
from services.matching.contract import IsoDate
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api", tags=["job-order indicators"], responses=PROBLEM_RESPONSES)


@router.get("/indicators/orders", response_model=Indicators)
def order_indicators(
    actor: CurrentActor, session: SessionDep, date_from: IsoDate, date_to: IsoDate
) -> Indicators:
    """STAR's measures for the orders the caller's organisation coordinates in a period."""
    return indicators.indicators(session, actor, date_from=date_from, date_to=date_to)
