"""The Celery app: Redis when a broker is configured, in-process (eager) otherwise."""

import logging
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session

from shared.db import after_commit
from shared.settings import get_settings

log = logging.getLogger("jobbro.tasks")

TASK_MODULES = ["services.joborders.tasks", "services.matching.index.tasks"]


def _make_celery() -> Celery:
    settings = get_settings()
    app = Celery("jobbro", include=TASK_MODULES)
    app.conf.update(
        broker_url=settings.broker_url or "memory://",
        # Results are not read by anyone; tasks write their effects to the database.
        task_ignore_result=True,
        task_always_eager=settings.tasks_eager,
        task_eager_propagates=True,
        task_serializer="json",
        accept_content=["json"],
        # Prefetch 1 so a long embedding batch does not hold other tasks hostage.
        worker_prefetch_multiplier=1,
        task_soft_time_limit=300,
        task_time_limit=360,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        # Beat's last-run times belong with the other state, not in whatever
        # directory the worker was started from.
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        beat_schedule={
            "remind-overdue-orders": {
                "task": "joborders.remind_overdue",
                "schedule": 15 * 60,
            },
            "close-expired-orders": {
                "task": "joborders.close_expired",
                "schedule": 60 * 60,
            },
        },
    )
    return app


celery_app = _make_celery()


def send_after_commit(session: Session, task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue a task only once the session's transaction has committed."""

    def _send() -> None:
        try:
            if celery_app.conf.task_always_eager:
                # send_task bypasses eager mode, so run the registered task here.
                celery_app.loader.import_default_modules()
                celery_app.tasks[task_name].apply(args=args, kwargs=kwargs)
            else:
                celery_app.send_task(task_name, args=args, kwargs=kwargs)
        except Exception:  # the data is committed; a lost notification must not fail the request
            log.exception("could not send task %s", task_name)

    after_commit(session, _send)


def broker_reachable() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@celery_app.task(name="jobbro.ping", acks_late=True)
def ping(nonce: str) -> None:
    """Record that a worker ran a task: used by operators and tests to prove the broker path."""
    from shared.audit import record
    from shared.db import unit_of_work

    with unit_of_work() as session:
        record(session, None, "worker.ping", subject_type="worker", subject_id=nonce)
