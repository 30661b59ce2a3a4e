"""The process's current CV bank snapshot, patched with whatever changed in `cv`."""

import gc
import logging
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.matching.models import Cv, CvBankState
from services.matching.search.bank.persist import load_persisted
from services.matching.search.bank.snapshot import (
    CV_COLUMNS,
    BankSnapshot,
    build_rows,
    copy_snapshot,
    drop_dead,
)
from shared.db import get_engine

log = logging.getLogger(__name__)

# More than this share of rows changed since the snapshot: rebuild instead of patching.
REBUILD_SHARE = 0.3
# Between full comparisons of every row's stamp (at most FULL_CHECK_SECONDS apart),
# rows stamped up to CHANGE_LOOKBACK before the newest stamp seen are compared: a
# transaction that stamped its rows earlier but committed later is still found.
CHANGE_LOOKBACK = timedelta(minutes=10)
FULL_CHECK_SECONDS = 300.0
# Rows replaced or removed by patches are dropped once they are this share of the arrays.
DEAD_SHARE = 0.2
_cache_lock = threading.Lock()
_cache: BankSnapshot | None = None


def _state_token(session: Session) -> int:
    """The CV bank's version (migration 0004): a primary-key read, not a table scan."""
    version = session.execute(select(CvBankState.version).where(CvBankState.id == 1)).scalar()
    return int(version or 0)


def _changes(
    session: Session, current: BankSnapshot | None
) -> tuple[list[Any], list[Any], int, bool]:
    """CVs changed and removed since `current`, the live row count, and whether every
    row's stamp was compared.

    Reading every row's stamp takes about a second at 100k CVs, so between full
    comparisons only recent stamps are read; the row count tells whether anything
    was deleted (or arrived unseen), and then every stamp is compared after all.
    """
    if current is None:
        live = session.scalar(select(func.count()).select_from(Cv)) or 0
        return [], [], live, True
    if current.max_updated is not None and (
        time.monotonic() - current.full_check < FULL_CHECK_SECONDS
    ):
        since = current.max_updated - CHANGE_LOOKBACK
        recent = session.execute(select(Cv.id, Cv.updated_at).where(Cv.updated_at >= since))
        changed = [i for i, u in recent if current.updated.get(i) != u]
        live = session.scalar(select(func.count()).select_from(Cv)) or 0
        if live == len(current.updated) + sum(1 for i in changed if i not in current.updated):
            return changed, [], live, False
    stamps = {r[0]: r[1] for r in session.execute(select(Cv.id, Cv.updated_at))}
    changed = [i for i, u in stamps.items() if current.updated.get(i) != u]
    removed = [i for i in current.updated if i not in stamps]
    return changed, removed, len(stamps), True


def snapshot(session: Session) -> BankSnapshot:
    """The in-memory CV bank for this database, patched with whatever changed since."""
    global _cache
    url = str(get_engine().url)
    token = _state_token(session)
    current = _cache
    if current is not None and current.url == url and current.token == token:
        return current
    with _cache_lock:
        current = _cache
        if current is not None and current.url == url and current.token == token:
            return current
        started = time.perf_counter()
        loaded = False
        if current is None or current.url != url:
            from_disk = load_persisted(url)
            loaded = from_disk is not None
            current = from_disk or current
            if current is not None and current.url == url and current.token == token:
                _cache = current
                _freeze(rebuilt=True)
                log.info("CV bank snapshot loaded from disk: %d rows", len(current.row_of))
                return current
        fresh = current is None or current.url != url
        changed, removed, live, full = _changes(session, None if fresh else current)
        rebuild = fresh or len(changed) > REBUILD_SHARE * max(live, 1)
        if rebuild:
            new = BankSnapshot(url=url, token=token)
            rows = session.execute(select(*CV_COLUMNS).order_by(Cv.vector_id)).all()
            build_rows(new, rows, fit=True)
        else:
            assert current is not None
            # Patch a copy: concurrent searches keep reading the old snapshot.
            new = copy_snapshot(current)
            for cv_id in [*removed, *changed]:
                row = new.row_of.pop(cv_id, None)
                new.updated.pop(cv_id, None)
                if row is not None:
                    new.alive[row] = False
            rows = []
            for start in range(0, len(changed), 500):
                chunk = changed[start : start + 500]
                rows += session.execute(select(*CV_COLUMNS).where(Cv.id.in_(chunk))).all()
            build_rows(new, rows, fit=False)
            new.token = token
            if (~new.alive).sum() > DEAD_SHARE * len(new.alive):
                new = drop_dead(new)
        if full:
            new.full_check = time.monotonic()
        _freeze(rebuilt=rebuild or loaded)
        _cache = new
        log.info(
            "CV bank snapshot %s: %d rows (%d changed) in %.0f ms",
            "rebuilt" if rebuild else "patched",
            live,
            live if rebuild else len(changed) + len(removed),
            (time.perf_counter() - started) * 1000,
        )
        return new


_patches_since_freeze = 0
# A patch adds few objects; re-freezing needs a full collection (0.1-0.3 s at 100k CVs).
REFREEZE_PATCHES = 50


def _freeze(*, rebuilt: bool) -> None:
    """Take the bank's objects out of the cyclic garbage collector's scans.

    A snapshot holds hundreds of thousands of Python objects (ids, stamps, the TF-IDF
    vocabulary) that live until it is replaced; every full collection walked all of
    them in the middle of some search (p50 112 -> 91 ms at 100k CVs, measured).
    Replaced snapshots are still freed by reference counting: they hold no cycles.
    Before freezing again, frozen objects are unfrozen and collected, so cyclic
    garbage that happened to be alive at a freeze is not kept for good.
    """
    global _patches_since_freeze
    _patches_since_freeze += 1
    if not rebuilt and _patches_since_freeze < REFREEZE_PATCHES:
        return
    _patches_since_freeze = 0
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def reset() -> None:
    """Forget the in-memory snapshot."""
    global _cache
    with _cache_lock:
        _cache = None
