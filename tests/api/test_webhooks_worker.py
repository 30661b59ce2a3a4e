"""Webhook retries run on a real Celery worker through Redis (when one is offered)."""

import time
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from celery import Celery
from fastapi import FastAPI
from sqlalchemy import select, update

from services.joborders.orders import service as orders
from services.joborders.webhooks import signing
from services.joborders.webhooks.models import DeliveryStatus, WebhookDelivery
from shared import db
from tests.api.test_webhooks import Receiver, _subscribe, _system
from tests.celery_worker import celery_worker
from tests.conftest import REDIS_URL
from tests.joborders.helpers import World, actor, new_order, run, world

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs JOBBRO_TEST_REDIS_URL")


@pytest.fixture
def w(database: str) -> World:
    return world()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def worker(database: str) -> Iterator[tuple[Celery, str]]:
    queue = f"jobbro-test-{uuid.uuid4().hex[:8]}"
    with celery_worker(database, queue):
        yield Celery("probe", broker=REDIS_URL), queue


def test_the_worker_retries_a_failed_delivery_once_whoever_asks(
    app: FastAPI, w: World, receiver: Receiver, worker: tuple[Celery, str]
) -> None:
    sender, queue = worker
    akasse, _ = _system(app, w.akasse)
    sub = _subscribe(akasse, receiver.url)
    receiver.status = 503
    order_id = new_order(actor(w.caseworker), placement_deadline=date(2027, 2, 1))
    assert run(orders.close_expired_orders, on=date(2027, 3, 1)) == [order_id]
    (delivery,) = _deliveries()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)

    receiver.status = 200
    with db.unit_of_work() as s:  # as if the backoff had passed
        s.execute(update(WebhookDelivery).values(next_attempt_at=db.utcnow()))
    for _ in range(3):  # beat, an operator and a restarted beat all ask at once
        sender.send_task("webhooks.retry_due", queue=queue)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _deliveries()[0].status is DeliveryStatus.PENDING:
        time.sleep(0.3)
    time.sleep(2)  # the other runs finish too
    (delivery,) = _deliveries()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    got = receiver.accepted()
    assert len(got) == 1
    headers, body = got[0]
    assert headers["webhook-id"] == str(delivery.id)
    assert signing.verify(sub["secret"], headers, body)


def _deliveries() -> list[WebhookDelivery]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(WebhookDelivery)))
