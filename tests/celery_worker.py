"""A real Celery worker process on the test broker, for tests that need one."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def celery_worker(database: str, queue: str | None = None) -> Iterator[None]:
    """Run `shared.tasks:celery_app` in a worker process against `database` until exit."""
    env = dict(os.environ, JOBBRO_BROKER_URL=REDIS_URL, JOBBRO_DATABASE_URL=database)
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "shared.tasks:celery_app",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
        *(["-Q", queue] if queue else []),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def broker_at(url: str | None) -> Iterator[None]:
    """Point this process's Celery app at a broker (None: in-process, as without one)."""
    from shared.tasks import celery_app

    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)

    def reset_pools() -> None:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset_pools()
    conf.broker_url = url or "memory://"
    conf.task_always_eager = url is None
    try:
        yield
    finally:
        reset_pools()
        conf.broker_url, conf.task_always_eager = saved
