"""The broker goes away and comes back: work asked for meanwhile is all done, unprompted.

A real `jobbro worker` (with beat) runs on a redis-server of the test's own. The test
stops that server, forwards an order (notifications), upserts a CV (embedding) and
deletes an embedded CV (its vector must leave the index); every request succeeds and
its task waits in the outbox. Then the server starts again, empty, as a restarted
broker is: the worker reconnects, beat's relay publishes the outbox, and the
notifications, the embedding and the removal happen with nobody running a command.
"""

import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from services.joborders.forwarding import service as forwarding
from services.joborders.models import Notification
from services.matching.cvbank import service as cvbank
from services.matching.cvbank.schemas import CvBody
from services.matching.index.store import get_index_store
from services.matching.models import Cv
from shared import db, outbox
from shared.actor import Actor
from shared.models import OrgKind
from tests import factories
from tests.celery_worker import broker_at
from tests.joborders.helpers import World, actor, new_order, run, world
from tests.matching.conftest import actor_of
from tests.resilience.conftest import OwnRedis, jobbro_process, wait_for

RECOVERY_SECONDS = 240


def _upsert(source: Actor, external_id: str) -> None:
    body = CvBody.model_validate(
        {
            "name": "Broker Bentsen",
            "headline": f"Lagermedarbejder {external_id}",
            "desired_jobs": [{"title": "lagermedarbejder"}],
            "professional_competences": ["plukning af varer"],
            "postal_code": "8000",
        }
    )
    run(cvbank.upsert_cv, source, external_id=external_id, body=body)


def _cv(external_id: str) -> Cv | None:
    with db.unit_of_work() as s:
        return s.scalar(select(Cv).where(Cv.external_id == external_id))


def _embedded(external_id: str) -> bool:
    cv = _cv(external_id)
    return cv is not None and cv.indexed_hash == cv.text_hash


def _in_index(vector_id: int) -> bool:
    index = get_index_store().current()
    return index is not None and vector_id in set(index.ids().tolist())


def _notifications(order_id: uuid.UUID) -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).where(Notification.order_id == order_id)) or 0


def _forward(w: World) -> uuid.UUID:
    order_id = new_order(actor(w.caseworker))
    run(
        forwarding.forward_order,
        actor(w.caseworker),
        order_id=order_id,
        reason="Ingen medlemmer med truckcertifikat",
        jobcentre_id=w.centre,
    )
    return order_id


def test_what_was_asked_while_the_broker_was_down_is_done_when_it_returns(
    drill: dict[str, str], own_redis: OwnRedis, tmp_path: Path
) -> None:
    w = world()
    source = actor_of(factories.org(OrgKind.JOBCENTRE), OrgKind.JOBCENTRE, api_key=True)
    with jobbro_process(["worker", "--concurrency", "1"], drill, tmp_path / "worker.log"):
        with broker_at(own_redis.url):
            _upsert(source, "to-be-deleted")
        wait_for(lambda: _embedded("to-be-deleted"), RECOVERY_SECONDS, "first CV not embedded")
        gone = _cv("to-be-deleted")
        assert gone is not None
        assert _in_index(gone.vector_id)

        own_redis.stop()
        with broker_at(own_redis.url):
            started = time.monotonic()
            order_id = _forward(w)
            _upsert(source, "during-outage")
            run(cvbank.delete_cv, source, external_id="to-be-deleted")
            # Three writes, each with one refused publish: seconds, not minutes.
            assert time.monotonic() - started < 15
        assert outbox.status().pending == 3
        assert _notifications(order_id) == 0
        assert not _embedded("during-outage")

        own_redis.start()  # back, and empty: nothing had reached it
        back = time.monotonic()
        took = wait_for(
            lambda: (
                _notifications(order_id) == 3
                and _embedded("during-outage")
                and not _in_index(gone.vector_id)
                and outbox.status().pending == 0
            ),
            RECOVERY_SECONDS,
            "work asked for during the outage was not done",
        )
    print(f"\nbroker back: notifications, embedding and removal done {took:.1f} s later")
    assert time.monotonic() - back < RECOVERY_SECONDS
    assert _notifications(order_id) == 3  # once each, not once per delivery
