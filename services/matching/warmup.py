"""Load what the first search needs while the server starts, not when a mediator waits.

A search needs the embedding model (seconds), the in-memory CV bank (minutes at 100k
CVs when built from the database, seconds from its saved copy) and the current index
generation. `start()` loads them in a background thread; `state()` reports progress
for /readyz-style checks and the logs.
"""

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict[str, Any] = {"status": "not started"}


def state() -> dict[str, Any]:
    return dict(_state)


def run() -> dict[str, Any]:
    """Warm everything up in this thread; returns what was done and how long it took."""
    from services.matching.index.embedding import get_embedder
    from services.matching.index.store import get_index_store
    from services.matching.search.bank import cache, persist
    from shared.db import unit_of_work

    _state.update(status="warming")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        get_embedder().encode(["varm op"])
        timings["model_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        index = get_index_store().current()
        timings["index_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        with unit_of_work() as session:
            snap = cache.snapshot(session)
        timings["cv_bank_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        saved = persist.save_snapshot(snap)
        timings["cv_bank_save_s"] = round(time.perf_counter() - t0, 2)
        _state.update(
            status="ready",
            cvs=len(snap.row_of),
            vectors=len(index) if index is not None else 0,
            saved=str(saved) if saved else None,
            seconds=round(time.perf_counter() - started, 2),
            **timings,
        )
        log.info("matching warmed up: %s", _state)
    except Exception as exc:
        # A failed warm-up only means the first search does the work itself.
        _state.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        log.warning("matching warm-up failed", exc_info=True)
    return state()


def start() -> None:
    """Start the warm-up once per process, in a daemon thread."""
    with _lock:
        if _state["status"] != "not started":
            return
        _state.update(status="starting")
    threading.Thread(target=run, name="matching-warm-up", daemon=True).start()


def start_if_configured() -> None:
    """The app's start hook: warm up when `JOBBRO_MATCHING_WARM_UP` is on."""
    from shared.settings import get_matching_settings

    if get_matching_settings().warm_up:
        start()
