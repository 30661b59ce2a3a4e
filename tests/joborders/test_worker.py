"""The job-order tasks run on a real Celery worker through Redis (when one is offered)."""

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from celery import Celery
from sqlalchemy import func, select

from services.joborders.forwarding import service as forwarding
from services.joborders.models import Notification
from shared import db
from tests.celery_worker import celery_worker
from tests.conftest import REDIS_URL
from tests.joborders.helpers import World, actor, new_order, run

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs JOBBRO_TEST_REDIS_URL")


@pytest.fixture
def worker(database: str) -> Iterator[tuple[Celery, str]]:
    # A queue of this test's own, so a worker of another test run cannot take the task.
    queue = f"jobbro-test-{uuid.uuid4().hex[:8]}"
    with celery_worker(database, queue):
        yield Celery("probe", broker=REDIS_URL), queue


def _wait_for_notifications(order_id: uuid.UUID, expected: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with db.unit_of_work() as s:
            count = s.scalar(select(func.count()).where(Notification.order_id == order_id))
        if count == expected:
            return
        time.sleep(0.3)
    pytest.fail(f"the worker did not write {expected} notifications within 30 s")


def test_worker_notifies_the_jobcentre_of_a_forwarded_order(
    worker: tuple[Celery, str], w: World
) -> None:
    sender, queue = worker
    order_id = new_order(actor(w.caseworker))
    run(
        forwarding.forward_order,
        actor(w.caseworker),
        order_id=order_id,
        reason="Ingen",
        jobcentre_id=w.centre,
    )
    with db.unit_of_work() as s:  # the eager run in this process already notified
        s.execute(Notification.__table__.delete())
    sender.send_task("joborders.notify_forwarded", args=[str(order_id)], queue=queue)
    _wait_for_notifications(order_id, 3)


def test_worker_reminds_the_owner_of_an_overdue_order(worker: tuple[Celery, str], w: World) -> None:
    sender, queue = worker
    order_id = new_order(actor(w.mediator), received_at=datetime(2026, 1, 5, tzinfo=UTC))
    sender.send_task("joborders.remind_overdue", queue=queue)
    _wait_for_notifications(order_id, 1)
