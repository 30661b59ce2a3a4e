"""Celery tasks of this service: they take ids and are safe to run twice."""

import contextlib
import fcntl
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.exc import OperationalError

from shared.db import unit_of_work
from shared.tasks import celery_app

log = logging.getLogger(__name__)


@celery_app.task(
    name="matching.embed_cvs",
    # Embedding twice writes the same vector: a redelivery after a crash is harmless.
    acks_late=True,
    autoretry_for=(OperationalError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=1200,
    time_limit=1300,
)
def embed_cvs(cv_ids: list[str]) -> int:
    """Embed the CVs among `cv_ids` whose text changed since they were indexed."""
    from services.matching.index import pipeline

    with unit_of_work() as session:
        return pipeline.embed_cvs(session, [uuid.UUID(i) for i in cv_ids])


@celery_app.task(
    name="matching.remove_vectors",
    acks_late=True,
    autoretry_for=(TimeoutError,),
    retry_backoff=True,
    max_retries=5,
)
def remove_vectors(vector_ids: list[int]) -> None:
    """Drop the vectors of deleted CVs from the index."""
    from services.matching.index import pipeline

    pipeline.remove_vectors(vector_ids)


@celery_app.task(
    name="matching.reconcile_index",
    # Periodic (beat and the in-process scheduler): the next run repeats a lost one, and
    # acknowledging late would make the visibility timeout as long as this task may run.
    acks_late=False,
    soft_time_limit=3000,
    time_limit=3100,
)
def reconcile_index() -> dict[str, int]:
    """Embed CVs missing from or stale in the index; drop vectors of deleted CVs.

    Idempotent: it compares each CV's text hash with the indexed one. One run at a time
    per index: a run that finds another still going (a long catch-up after a worker
    died) skips, instead of embedding the same CVs again beside it.
    """
    from services.matching.index import pipeline
    from services.matching.index.store import index_root

    with _only_one(index_root() / "reconcile.lock") as alone:
        if not alone:
            log.info("reconcile already running; skipped")
            return {"skipped": 1}
        with unit_of_work() as session:
            report = pipeline.reconcile(session)
    return report.__dict__


@contextlib.contextmanager
def _only_one(path: Path) -> Iterator[bool]:
    """Hold an exclusive file lock if nobody else does; yields whether it was taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
