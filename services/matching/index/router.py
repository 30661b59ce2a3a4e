"""Index API: what the served index holds."""

from fastapi import APIRouter

from services.matching.index import service
from services.matching.index.schemas import IndexStatus
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/matching", tags=["matching"], responses=PROBLEM_RESPONSES)


@router.get("/index", response_model=IndexStatus)
def index_status(session: SessionDep, actor: CurrentActor) -> IndexStatus:
    """What the served index holds: model, builder version, size, pending CVs."""
    return service.index_status(session, actor)
