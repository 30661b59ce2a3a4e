"""A database or broker that accepts connections and never answers costs a bounded wait.

The request answers 503 problem+json (a Danish page in a browser) with its request id
within the configured timeout; `/healthz` stays fast however many requests and
`/readyz` probes are stuck; a write whose task cannot reach the broker still succeeds.
"""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from shared import db
from shared.errors import PROBLEM_JSON
from shared.health import readiness
from shared.models import OutboxMessage
from shared.settings import get_settings
from tests import factories
from tests.celery_worker import broker_at
from tests.resilience.conftest import MuteListener, cv_source_key

CONNECT_TIMEOUT = 4  # seconds; long beside /healthz's bound below
READYZ_TIMEOUT = 1.0


@pytest.fixture
def timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "db_connect_timeout_seconds", CONNECT_TIMEOUT)
    monkeypatch.setattr(settings, "readyz_timeout_seconds", READYZ_TIMEOUT)
    readiness.clear()


@pytest.fixture
def mute_database(
    app: FastAPI, database: str, mute: MuteListener, timeouts: None
) -> Iterator[TestClient]:
    """The app, with its database replaced by a listener that never answers."""
    db.configure(f"postgresql+psycopg://jobbro@127.0.0.1:{mute.port}/jobbro")
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        db.configure(database)
        readiness.clear()


def _timed(call: object) -> tuple[float, object]:
    started = time.monotonic()
    result = call()  # type: ignore[operator]
    return time.monotonic() - started, result


def test_an_api_call_on_a_mute_database_is_a_503_with_its_request_id(
    mute_database: TestClient, mute: MuteListener
) -> None:
    took, r = _timed(lambda: mute_database.get("/api/orders", headers=factories.bearer("jb_x_y-z")))
    assert r.status_code == 503  # type: ignore[attr-defined]
    assert r.headers["content-type"] == PROBLEM_JSON  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["type"].endswith("/unavailable")
    assert body["request_id"] == r.headers["x-request-id"]  # type: ignore[attr-defined]
    assert r.headers["retry-after"]  # type: ignore[attr-defined]
    assert mute.accepted >= 1  # it did try the database, and the wait was bounded
    assert CONNECT_TIMEOUT - 0.5 < took < CONNECT_TIMEOUT + 4


def test_a_browser_gets_the_danish_page(mute_database: TestClient) -> None:
    csrf = factories.login_csrf(mute_database)
    took, r = _timed(
        lambda: mute_database.post(
            "/login",
            data={"email": "a@example.dk", "password": "x" * 12, "next": "/", "csrf_token": csrf},
            headers={"Accept": "text/html"},
            follow_redirects=False,
        )
    )
    assert r.status_code == 503  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    assert "Tjenesten svarer ikke lige nu" in r.text  # type: ignore[attr-defined]
    assert took < CONNECT_TIMEOUT + 4


def test_healthz_stays_fast_and_readyz_is_checked_once_under_a_flood(
    mute_database: TestClient, mute: MuteListener
) -> None:
    def readyz() -> tuple[float, int]:
        took, r = _timed(lambda: mute_database.get("/readyz"))
        return took, r.status_code  # type: ignore[attr-defined]

    def api(key: str) -> tuple[float, int]:
        took, r = _timed(lambda: mute_database.get("/api/orders", headers=factories.bearer(key)))
        return took, r.status_code  # type: ignore[attr-defined]

    with ThreadPoolExecutor(max_workers=80) as pool:
        # Keys to look up (stuck on the database), and malformed ones, refused at once
        # but audited: the audit write waits for the database too, never on the loop.
        stuck_api = [pool.submit(api, "jb_x_y-z") for _ in range(20)]
        refused = [pool.submit(api, "not-a-key") for _ in range(10)]
        probes = [pool.submit(readyz) for _ in range(46)]
        time.sleep(0.3)  # everything above is now waiting on the mute database
        health = [_timed(lambda: mute_database.get("/healthz")) for _ in range(5)]
        answers = [p.result() for p in probes]
        api_answers = [a.result() for a in stuck_api]
        refusals = [a.result() for a in refused]
    assert {status for _, status in refusals} == {401}
    assert all(r.status_code == 200 for _, r in health)  # type: ignore[attr-defined]
    took = sorted(t for t, _ in health)
    assert took[2] < 0.5, took  # nothing /healthz does waits on the connect timeout
    assert took[-1] < 2.0, took
    assert {status for _, status in answers} == {503}
    assert max(t for t, _ in answers) < READYZ_TIMEOUT + 3
    assert {status for _, status in api_answers} == {503}
    assert max(t for t, _ in api_answers) < CONNECT_TIMEOUT * 2 + 5
    body = mute_database.get("/readyz").json()
    assert body["checks"]["database"].startswith("error")


def test_readyz_answers_from_its_cache_between_checks(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "readyz_cache_seconds", 30)
    readiness.clear()
    calls: list[int] = []
    real_ping = db.ping

    def counted_ping() -> None:
        calls.append(1)
        real_ping()

    monkeypatch.setattr(db, "ping", counted_ping)
    with ThreadPoolExecutor(max_workers=46) as pool:
        statuses = list(pool.map(lambda _: client.get("/readyz").status_code, range(46)))
    assert statuses == [200] * 46
    assert len(calls) == 1  # 46 probes, one check
    body = client.get("/readyz").json()
    assert body["checks"] == {"database": "ok"}
    assert set(body["lag"]) == {"outbox", "index"}
    readiness.clear()


def test_a_write_whose_broker_never_answers_succeeds_in_seconds(
    client: TestClient, mute: MuteListener, timeouts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.matching.index.embedding import get_embedder

    get_embedder()  # the model loads once; the timing below is the broker's
    key = cv_source_key()
    url = f"redis://127.0.0.1:{mute.port}/0"
    monkeypatch.setattr(get_settings(), "broker_url", url)
    publish_timeout = 3.0  # JOBBRO_OUTBOX_PUBLISH_TIMEOUT_SECONDS' default
    with broker_at(url):
        took, r = _timed(
            lambda: client.put(
                "/api/matching/cvs/by-external-id/mute-broker-1",
                json={"name": "Mute Madsen", "headline": "Lagermedarbejder"},
                headers=factories.bearer(key),
            )
        )
        assert r.status_code in (200, 201), r.text  # type: ignore[attr-defined]
        # One bounded publish attempt (and one quick retry), not minutes.
        assert took < 2 * publish_timeout + 5, took
        ready_took, ready = _timed(lambda: client.get("/readyz"))
    assert ready.status_code == 503  # type: ignore[attr-defined]
    assert ready.json()["checks"]["broker"].startswith("error")  # type: ignore[attr-defined]
    assert ready_took < READYZ_TIMEOUT + 3
    with db.unit_of_work() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.task_name == "matching.embed_cvs"))
    # The task waits in the outbox for the relay; nothing was lost.
    assert row is not None
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error
    readiness.clear()


def test_metrics_are_for_this_machine_or_the_token(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/healthz")
    # The test client is not a loopback address: refused without the token.
    assert client.get("/metrics").status_code == 403
    monkeypatch.setattr(get_settings(), "metrics_token", "s3cret-metrics-token")
    assert client.get("/metrics", headers=factories.bearer("wrong")).status_code == 403
    r = client.get("/metrics", headers=factories.bearer("s3cret-metrics-token"))
    assert r.status_code == 200
    text = r.text
    assert 'jobbro_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "jobbro_http_request_duration_seconds_bucket" in text
    assert "jobbro_lag_scrape_ok 1.0" in text
    assert 'jobbro_lag_pending{part="outbox"}' in text
    assert 'jobbro_lag_pending{part="index"}' in text
    assert 'jobbro_lag_oldest_seconds{part="index"}' in text
