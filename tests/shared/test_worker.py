"""A real Celery worker on Redis runs tasks that a committed request queued."""

import time
import uuid
from collections.abc import Iterator

import pytest
from celery import Celery
from sqlalchemy import select

from shared import db
from shared.models import AuditEvent
from tests.celery_worker import celery_worker
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs JOBBRO_TEST_REDIS_URL")


@pytest.fixture
def worker(database: str) -> Iterator[Celery]:
    with celery_worker(database):
        yield Celery("probe", broker=REDIS_URL)


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
