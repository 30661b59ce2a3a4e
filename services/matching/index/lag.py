"""Index lag: the CVs whose vector is missing or stale, and how long the oldest waited.

Read from the database alone (no index load), so `/readyz`, `/metrics` and
`jobbro index status` can ask it often. A CV is pending when its indexed text hash is
not the hash of its current text: never embedded (missing) or changed since (stale).
The periodic reconcile (`matching.reconcile_index`) embeds them; the lag says how far
behind it is.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.matching.models import Cv
from shared.db import unit_of_work, utcnow
from shared.metrics import Lag


@dataclass(frozen=True)
class IndexLag:
    cvs: int
    missing: int
    stale: int
    oldest_pending_at: datetime | None

    @property
    def pending(self) -> int:
        return self.missing + self.stale

    @property
    def oldest_pending_seconds(self) -> float | None:
        if self.oldest_pending_at is None:
            return None
        return max(0.0, (utcnow() - self.oldest_pending_at).total_seconds())


def measure(session: Session) -> IndexLag:
    missing_cond = Cv.indexed_hash.is_(None)
    stale_cond = Cv.indexed_hash.is_not(None) & (Cv.indexed_hash != Cv.text_hash)
    total = session.scalar(select(func.count()).select_from(Cv)) or 0
    missing = session.scalar(select(func.count()).where(missing_cond)) or 0
    stale = session.scalar(select(func.count()).where(stale_cond)) or 0
    oldest = session.scalar(select(func.min(Cv.updated_at)).where(missing_cond | stale_cond))
    return IndexLag(cvs=total, missing=missing, stale=stale, oldest_pending_at=oldest)


def index_lag() -> Lag:
    """The index's lag as the metrics and `/readyz` report it."""
    with unit_of_work() as session:
        lag = measure(session)
    return Lag(pending=lag.pending, oldest_seconds=lag.oldest_pending_seconds)
