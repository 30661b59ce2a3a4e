"""What the served index holds, for staff and operators."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.matching import policy
from services.matching.index.schemas import IndexStatus
from services.matching.models import Cv
from shared.actor import Actor


def index_status(session: Session, actor: Actor) -> IndexStatus:
    """How much of the CV bank the served index covers."""
    policy.require_searcher(actor, action="index.status")
    from services.matching.index.store import get_index_store

    total = session.scalar(select(func.count()).select_from(Cv)) or 0
    searchable = session.scalar(select(func.count()).where(Cv.searchable.is_(True))) or 0
    embedded = session.scalar(select(func.count()).where(Cv.indexed_hash == Cv.text_hash)) or 0
    index = get_index_store().current()
    return IndexStatus(
        cvs=total,
        searchable_cvs=searchable,
        embedded_cvs=embedded,
        pending_cvs=total - embedded,
        index_size=len(index) if index is not None else 0,
        meta=dict(index.meta) if index is not None else {},
    )
