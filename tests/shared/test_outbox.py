"""The outbox: tasks commit with the change, survive a dead broker and run once it is back."""

import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from services.joborders.forwarding import service as forwarding
from services.joborders.models import Notification
from services.matching.cvbank import service as cvbank
from services.matching.cvbank.schemas import CvBody
from services.matching.models import Cv
from shared import db, outbox
from shared.models import OrgKind, OutboxMessage
from shared.settings import get_matching_settings
from shared.tasks import InProcessScheduler, celery_app, publish, send_after_commit
from tests import factories
from tests.celery_worker import broker_at, celery_worker
from tests.conftest import REDIS_URL
from tests.joborders.helpers import World, actor, new_order, run, world
from tests.matching.conftest import actor_of

ROOT = Path(__file__).resolve().parents[2]
DEAD_BROKER = "redis://127.0.0.1:1/9"  # nothing listens on port 1: connection refused


@pytest.fixture
def w(database: str) -> World:
    return world()


@pytest.fixture(autouse=True)
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "index"
    monkeypatch.setattr(get_matching_settings(), "index_dir", root)
    return root


def _pending() -> list[OutboxMessage]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))))


def _notifications(order_id: uuid.UUID) -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).where(Notification.order_id == order_id)) or 0


def _embedded(external_id: str) -> bool:
    with db.unit_of_work() as s:
        cv = s.scalar(select(Cv).where(Cv.external_id == external_id))
        return cv is not None and cv.indexed_hash == cv.text_hash


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


def _upsert_cv(external_id: str) -> None:
    source = actor_of(factories.org(OrgKind.JOBCENTRE), OrgKind.JOBCENTRE, api_key=True)
    body = CvBody.model_validate(
        {
            "name": "Outbox Olsen",
            "headline": "Lagermedarbejder",
            "desired_jobs": [{"title": "lagermedarbejder"}],
            "professional_competences": ["plukning af varer"],
            "postal_code": "8000",
        }
    )
    run(cvbank.upsert_cv, source, external_id=external_id, body=body)


def test_without_a_broker_the_task_runs_in_process_after_commit(w: World) -> None:
    order_id = _forward(w)
    assert _notifications(order_id) == 3  # the jobcentre's three mediators
    with db.unit_of_work() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.task_name.like("%forwarded")))
    assert row is not None
    assert row.sent_at is not None
    assert row.attempts == 1
    assert row.sent_at.tzinfo is not None  # read back UTC-aware on SQLite too


def test_a_rolled_back_change_leaves_no_task(database: str) -> None:
    def failing_request() -> None:
        with db.unit_of_work() as s:
            send_after_commit(s, "jobbro.ping", "never")
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_nothing_is_lost_while_the_broker_is_down(w: World) -> None:
    _upsert_cv("outbox-warm-up")  # loads the model first: the timing below is the broker's
    with broker_at(DEAD_BROKER):
        started = time.monotonic()
        order_id = _forward(w)
        _upsert_cv("outbox-1")
        took = time.monotonic() - started
        # Bounded: two refused publishes cost seconds, not minutes; the requests succeed.
        assert took < 2 * outbox.get_outbox_settings().publish_timeout_seconds + 10
        pending = _pending()
        assert sorted(m.task_name for m in pending) == [
            "joborders.notify_forwarded",
            "matching.embed_cvs",
        ]
        assert all(m.attempts == 1 and m.last_error for m in pending)
        # The relay on a still dead broker keeps them for the next round.
        _make_due()
        assert outbox.relay(publish) == 0
        assert len(_pending()) == 2
        assert outbox.status().pending == 2
    assert _notifications(order_id) == 0
    assert not _embedded("outbox-1")

    _make_due()
    if REDIS_URL:
        # The broker is back: the relay publishes to Redis and a real worker runs them.
        with celery_worker(_database_url()), broker_at(REDIS_URL):
            assert outbox.relay(publish) == 2
            _wait(lambda: _notifications(order_id) == 3 and _embedded("outbox-1"), 120)
    else:
        with broker_at(None):  # no broker: "back" means the in-process path
            assert outbox.relay(publish) == 2
    assert _notifications(order_id) == 3
    assert _embedded("outbox-1")
    assert _pending() == []
    # A second relay finds nothing to send: each row is published once it was acknowledged.
    _make_due()
    assert outbox.relay(publish) == 0


def test_a_task_delivered_twice_does_its_work_once(w: World) -> None:
    order_id = _forward(w)
    with db.unit_of_work() as s:
        s.execute(update(OutboxMessage).values(sent_at=None))
    _make_due()
    assert outbox.relay(publish) == 1
    assert _notifications(order_id) == 3


def test_the_in_process_scheduler_runs_the_beat_schedule(
    w: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    monkeypatch.setattr("shared.tasks.publish", lambda name, *_a, **_k: ran.append(name))
    scheduler = InProcessScheduler(dict(celery_app.conf.beat_schedule), tmp_path / "lock")
    start = time.monotonic()
    scheduler.run_due(start)
    assert ran == ["jobbro.relay_outbox"]  # the relay catches up at once after a start
    scheduler.run_due(start + 61)
    assert {"matching.reconcile_index", "joborders.remind_overdue"} <= set(ran)
    assert scheduler._hold_lock()
    other = InProcessScheduler({}, tmp_path / "lock")
    assert not other._hold_lock()  # one process of an install runs the schedule
    scheduler.stop()
    assert other._hold_lock()
    other.stop()


def _make_due() -> None:
    """As if the retry back-off had passed."""
    with db.unit_of_work() as s:
        s.execute(update(OutboxMessage).values(available_at=db.utcnow()))


def _database_url() -> str:
    return db.get_engine().url.render_as_string(hide_password=False)


def _wait(done: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():  # type: ignore[operator]
            return
        time.sleep(0.5)
    pytest.fail(f"not done within {seconds} s")


def test_the_outbox_does_not_import_the_celery_app() -> None:
    """The publisher is passed in: no import cycle between the outbox and shared.tasks."""
    import subprocess
    import sys

    probe = "import sys, shared.outbox; print('shared.tasks' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"
