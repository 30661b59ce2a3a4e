"""The mediation-log endpoint."""

import uuid

from fastapi import APIRouter

from services.joborders.mediation_log import service as mediation_log_service
from services.joborders.mediation_log.schemas import LogEvent
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/orders", tags=["job orders"], responses=PROBLEM_RESPONSES)


@router.get("/{order_id}/log", response_model=list[LogEvent])
def mediation_log(order_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> list[LogEvent]:
    """The mediation log (formidlingslog), oldest first."""
    return [
        LogEvent.model_validate(e)
        for e in mediation_log_service.mediation_log(session, actor, order_id=order_id)
    ]
