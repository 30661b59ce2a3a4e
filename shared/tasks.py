"""The Celery app: Redis when a broker is configured, in-process (eager) otherwise.

Requests never publish to the broker themselves: `send_after_commit` writes the task to
the outbox (shared/outbox.py) in the request's transaction and the outbox publishes it.
"""

import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO, Any

from celery import Celery, signals
from celery.app.task import Task
from sqlalchemy.orm import Session

from shared import metrics, outbox
from shared.settings import get_settings

log = logging.getLogger("jobbro.tasks")

TASK_MODULES = [
    "services.joborders.tasks",
    "services.matching.index.tasks",
    "services.joborders.webhooks.tasks",
    "services.contact.tasks",
]


def _make_celery() -> Celery:
    settings = get_settings()
    timeout = outbox.get_outbox_settings().publish_timeout_seconds
    app = Celery("jobbro", include=TASK_MODULES)
    app.conf.update(
        broker_url=settings.broker_url or "memory://",
        # Every wait on the broker is bounded: a broker that is down or never answers
        # costs a publish a few seconds, and the outbox keeps the task meanwhile.
        broker_connection_timeout=timeout,
        broker_transport_options={
            # The longest late-acknowledged task (embedding a chunk: hard limit 1300 s)
            # plus a margin, not Redis' default hour: a task whose worker died goes to
            # another worker after this long; shorter would hand on still-running tasks.
            "visibility_timeout": settings.broker_visibility_timeout_seconds,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        },
        # Tasks that must run are acknowledged after they ran and go back to the queue
        # when their worker process dies (a killed pool child included).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
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
            # A periodic run still queued when the next is due is dropped (`expires`):
            # behind a busy or restarting worker they would otherwise pile up.
            "relay-outbox": {
                "task": "jobbro.relay_outbox",
                "schedule": outbox.get_outbox_settings().relay_interval_seconds,
                "options": {"expires": outbox.get_outbox_settings().relay_interval_seconds},
            },
            "reconcile-index": {
                "task": "matching.reconcile_index",
                "schedule": settings.reconcile_interval_seconds,
                "options": {"expires": settings.reconcile_interval_seconds},
            },
            "retry-webhooks": {
                "task": "webhooks.retry_due",
                "schedule": outbox.get_outbox_settings().relay_interval_seconds,
            },
            # Daily; each pair's list is rebuilt at its agreed interval (weekly by default).
            "build-interview-lists": {
                "task": "contact.build_interview_lists",
                "schedule": 24 * 60 * 60,
            },
            "apply-interview-reply-deadlines": {
                "task": "contact.apply_reply_deadlines",
                "schedule": 60 * 60,
            },
        },
    )
    return app


celery_app = _make_celery()


def send_after_commit(session: Session, task_name: str, *args: Any, **kwargs: Any) -> None:
    """Write the task to the outbox in the session's transaction; it runs after commit."""
    outbox.enqueue(session, task_name, list(args), kwargs, publish=publish)


def publish(
    task_name: str, args: list[Any], kwargs: dict[str, Any], task_id: str | None = None
) -> None:
    """Hand one task to the broker, or run it here when there is none; raises on failure."""
    if celery_app.conf.task_always_eager:
        # send_task bypasses eager mode, so run the registered task here.
        celery_app.loader.import_default_modules()
        celery_app.tasks[task_name].apply(args=args, kwargs=kwargs, task_id=task_id)
        return
    celery_app.send_task(
        task_name,
        args=args,
        kwargs=kwargs,
        task_id=task_id,
        retry=True,
        # One quick retry for a dropped pooled connection, and no more: the outbox
        # keeps the task and the relay tries again later. Each try is bounded by the
        # socket timeouts of broker_transport_options.
        retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.2,
        },
    )


def broker_reachable() -> bool:
    """Connect to the broker and ask it something, each bounded by the publish timeout."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0)
            # Connecting alone succeeds against a broker that accepts and never answers.
            client = getattr(conn.default_channel, "client", None)
            if client is not None and hasattr(client, "ping"):
                client.ping()
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


@celery_app.task(name="jobbro.relay_outbox", acks_late=False, ignore_result=True)
def relay_outbox() -> int:
    """Publish outbox rows the immediate attempt could not (beat runs this periodically).

    Not acknowledged late: a lost run is repeated by the schedule anyway.
    """
    return outbox.relay(publish)


# -- logs and metrics of task runs ---------------------------------------------------------


@signals.setup_logging.connect
def _worker_logging(**_: Any) -> None:
    """`jobbro worker`: JSON lines like the server's, instead of Celery's own format."""
    from shared.logging import configure_logging

    configure_logging(get_settings().log_level)


_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _task_finished(
    task_id: str | None = None, task: Task | None = None, state: str | None = None, **_: Any
) -> None:
    began = _started.pop(task_id or "", None)
    seconds = None if began is None else time.monotonic() - began
    name = getattr(task, "name", "unknown")
    outcome = {"SUCCESS": "success", "RETRY": "retry"}.get(state or "", "failure")
    metrics.observe_task(name, outcome, seconds)
    # One line per run; the task id (the outbox row's id) leads to the row and the work.
    log.info(
        "task",
        extra={
            "fields": {
                "task": name,
                "task_id": task_id,
                "state": state,
                "duration_ms": None if seconds is None else round(seconds * 1000, 2),
            }
        },
    )


class InProcessScheduler:
    """Beat's schedule for the embedded default, which has no broker and no beat.

    One daemon thread per process runs each `beat_schedule` entry in-process at its
    interval (the outbox relay, the index reconcile, reminders, closing). A file lock in
    the data directory elects one process of an install, so `serve --workers 2` does not
    run every entry twice; another process takes over when the holder exits.
    """

    def __init__(self, schedule: dict[str, dict[str, Any]], lock_path: Path) -> None:
        self.entries = {name: float(entry["schedule"]) for name, entry in schedule.items()}
        self.tasks = {name: str(entry["task"]) for name, entry in schedule.items()}
        self.lock_path = lock_path
        self._lock_file: IO[bytes] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        started = time.monotonic()
        # The relay catches up at once after a restart; the rest wait a little (at most a
        # minute) so a starting server does not embed and remind before it serves.
        self.next_run = {
            name: started + (0.0 if self.tasks[name] == "jobbro.relay_outbox" else min(s, 60.0))
            for name, s in self.entries.items()
        }

    def _hold_lock(self) -> bool:
        if self._lock_file is not None:
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.lock_path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def run_due(self, now: float | None = None) -> list[str]:
        """Run every entry that is due; returns the names it ran."""
        now = time.monotonic() if now is None else now
        ran = []
        for name, interval in self.entries.items():
            if self.next_run[name] > now:
                continue
            self.next_run[name] = now + interval
            try:
                publish(self.tasks[name], [], {})
            except Exception:  # one failing entry must not stop the others
                log.exception("scheduled task %s failed", self.tasks[name])
            ran.append(name)
        return ran

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            if self._hold_lock():
                self.run_due()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="jobbro-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


_scheduler: InProcessScheduler | None = None


def start_scheduler_if_embedded() -> None:
    """Start the in-process scheduler when no broker (and so no beat) is configured.

    Tests (JOBBRO_ENV=test) and `JOBBRO_IN_PROCESS_SCHEDULER=0` leave it off.
    """
    global _scheduler
    settings = get_settings()
    wanted = os.environ.get("JOBBRO_IN_PROCESS_SCHEDULER", "1") != "0"
    if _scheduler is not None or not settings.tasks_eager or settings.env == "test" or not wanted:
        return
    _scheduler = InProcessScheduler(
        dict(celery_app.conf.beat_schedule), settings.data_dir / "scheduler.lock"
    )
    _scheduler.start()
