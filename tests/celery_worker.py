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
