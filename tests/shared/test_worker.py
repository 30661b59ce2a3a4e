"""A real Celery worker on Redis runs tasks that a committed request queued."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import select

from shared import db
from shared.models import AuditEvent
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs JOBBRO_TEST_REDIS_URL")


@pytest.fixture
def worker(database: str) -> Iterator[Celery]:
    env = dict(os.environ, JOBBRO_BROKER_URL=REDIS_URL, JOBBRO_DATABASE_URL=database)
    proc = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
        env=env,
    )
    sender = Celery("probe", broker=REDIS_URL)
    try:
        yield sender
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_worker_runs_a_task_sent_through_redis(worker: Celery) -> None:
    nonce = uuid.uuid4().hex
    worker.send_task("jobbro.ping", args=[nonce])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with db.unit_of_work() as s:
            if s.scalar(select(AuditEvent).where(AuditEvent.subject_id == nonce)):
                return
        time.sleep(0.3)
    pytest.fail("the worker did not run the task within 30 s")
