"""Webhooks: a system's receiver gets each event once, signed, across an outage of its own."""

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.joborders import matching_port
from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.forwarding import jobag
from services.joborders.forwarding import service as forwarding
from services.joborders.models import ContactOutcome
from services.joborders.orders import service as orders
from services.joborders.webhooks import delivery, signing, tasks
from services.joborders.webhooks.models import DeliveryStatus, WebhookDelivery
from services.joborders.webhooks.service import check_url
from shared import db
from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.models import ApiKey, AuditEvent
from shared.settings import get_settings
from tests.joborders.helpers import (
    FakeMatching,
    HttpAs,
    World,
    actor,
    new_order,
    run,
    system_actor,
    world,
)

ALL_EVENTS = [
    "order.taken",
    "candidate.referred",
    "candidate.hired",
    "order.closed",
    "order.forward_refused",
]


class Receiver:
    """An a-kasse's webhook endpoint: answers `status`, records every request it got."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[tuple[int, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((receiver.status, dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/jobbro-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted(self) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for status, h, b in self.requests if status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def matching() -> Iterator[FakeMatching]:
    fake = FakeMatching()
    matching_port.set_client(fake)
    yield fake
    matching_port.set_client(None)


@pytest.fixture
def w(database: str) -> World:
    return world()


def _system(app: FastAPI, organisation_id: uuid.UUID) -> tuple[TestClient, uuid.UUID]:
    system, key = system_actor(organisation_id)
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {key}"
    assert system.id is not None
    return client, system.id


def _subscribe(client: TestClient, url: str) -> dict[str, Any]:
    r = client.post("/api/webhooks", json={"url": url, "events": ALL_EVENTS})
    assert r.status_code == 201, r.text
    return r.json()


def _later(hours: int = 24) -> Any:
    return utcnow() + timedelta(hours=hours)


def test_each_event_arrives_once_signed_across_a_receiver_outage(
    app: FastAPI, w: World, matching: FakeMatching, receiver: Receiver
) -> None:
    akasse, _ = _system(app, w.akasse)
    sub = _subscribe(akasse, receiver.url)
    assert sub["secret"].startswith("whsec_")
    assert "secret" not in akasse.get(f"/api/webhooks/{sub['id']}").json()
    # Another a-kasse's system subscribes too, but takes no part in the order.
    other, _ = _system(app, w.akasse2)
    other_sub = _subscribe(other, receiver.url)

    receiver.status = 503  # the receiver is down while the order is mediated
    order_id = new_order(actor(w.caseworker), positions=1)
    run(
        forwarding.forward_order,
        actor(w.caseworker),
        order_id=order_id,
        reason="Ingen ledige medlemmer",
        jobcentre_id=w.centre,
    )
    mediator = actor(w.mediator)
    run(forwarding.take_forwarded_order, mediator, order_id=order_id, reason="Modtaget")
    member = matching.add_cv("Ali Hassan", w.akasse)
    stranger = matching.add_cv("Eva Berg", w.akasse2)
    ids = {}
    for cv_id in (member, stranger):
        c = run(
            candidates.add_candidate, mediator, order_id=order_id, data=CandidateIn(cv_id=cv_id)
        )
        run(
            candidates.record_contact,
            mediator,
            order_id=order_id,
            candidate_id=c.id,
            outcome=ContactOutcome.INTERESTED,
            note="Ringet op",
        )
        run(candidates.refer_candidate, mediator, order_id=order_id, candidate_id=c.id)
        ids[cv_id] = c.id
    run(
        candidates.record_outcome,
        mediator,
        order_id=order_id,
        candidate_id=ids[member],
        hired=True,
        start_date=date(2027, 1, 4),
    )  # the only position: the order closes

    # Every event was tried once, refused by the receiver, and waits for its retry.
    with db.unit_of_work() as s:
        rows = list(s.scalars(select(WebhookDelivery)))
    assert {r.subscription_id for r in rows} == {uuid.UUID(sub["id"])}, "akasse2 sees nothing"
    assert all(r.status is DeliveryStatus.PENDING and r.attempts == 1 for r in rows)
    assert all(r.last_status_code == 503 for r in rows)
    assert len(receiver.requests) == len(rows) == 5
    assert delivery.retry_due() == 0  # not due yet: the backoff holds

    receiver.status = 200  # back up
    assert delivery.retry_due(now=_later()) == 5
    assert delivery.retry_due(now=_later(48)) == 0
    for r in rows:  # a task the outbox hands over twice sends nothing new
        assert tasks.deliver(str(r.id)) is None

    got = receiver.accepted()
    assert len(got) == 5
    assert Counter(h["webhook-id"] for h, _ in got) == Counter(str(r.id) for r in rows)
    for headers, body in got:
        assert signing.verify(sub["secret"], headers, body)
        assert not signing.verify(other_sub["secret"], headers, body)
        assert not signing.verify(sub["secret"], headers, body + b" ")
    payloads = [json.loads(b) for _, b in got]
    assert Counter(p["type"] for p in payloads) == Counter(
        [
            "order.taken",
            "candidate.referred",
            "candidate.referred",
            "candidate.hired",
            "order.closed",
        ]
    )
    assert {p["data"]["order"]["id"] for p in payloads} == {str(order_id)}
    referred = {p["data"]["candidate"]["id"]: p["data"]["candidate"] for p in payloads
                if p["type"] == "candidate.referred"}  # fmt: skip
    own, foreign = referred[str(ids[member])], referred[str(ids[stranger])]
    assert (own["details_visible"], own["name"], own["cv_id"]) == (True, "Ali Hassan", str(member))
    assert (foreign["details_visible"], foreign["name"], foreign["cv_id"]) == (False, None, None)
    assert "Eva Berg" not in json.dumps(payloads)
    hired = next(p for p in payloads if p["type"] == "candidate.hired")
    assert hired["data"]["candidate"]["start_date"] == "2027-01-04"
    closed = next(p for p in payloads if p["type"] == "order.closed")
    assert closed["data"]["order"]["status"] == "closed_filled"

    # The delivery log, paged by cursor, says the same.
    first = akasse.get(f"/api/webhooks/{sub['id']}/deliveries", params={"limit": 3}).json()
    assert len(first["items"]) == 3
    assert first["next_cursor"]
    rest = akasse.get(first["next"]).json()
    assert len(rest["items"]) == 2
    assert rest["next_cursor"] is None
    assert rest["next"] is None
    log = first["items"] + rest["items"]
    assert {d["id"] for d in log} == {str(r.id) for r in rows}
    assert all(d["status"] == "delivered" and d["attempts"] == 2 for d in log)
    assert all(d["last_status_code"] == 200 for d in log)
    # Another organisation cannot read it.
    assert other.get(f"/api/webhooks/{sub['id']}/deliveries").status_code == 404
    # Sending a member's name to the system is audited like any other read.
    with db.unit_of_work() as s:
        audited = s.scalars(
            select(AuditEvent.subject_id).where(AuditEvent.action == "webhook.deliver")
        ).all()
    assert audited == [str(ids[member])] * 2  # referred and hired


def test_a_refused_forward_is_an_event_and_a_revoked_key_gets_nothing(
    app: FastAPI, w: World, receiver: Receiver
) -> None:
    akasse, key_id = _system(app, w.akasse)
    _subscribe(akasse, receiver.url)

    class Refusing(jobag.InProcessJobAg):
        def forward_order(self, **kw: object) -> str:  # type: ignore[override]
            raise ValidationFailed("JobAG kender ikke arbejdsgiveren")

    order_id = new_order(actor(w.caseworker), placement_deadline=date(2027, 2, 1))
    jobag.set_jobag(Refusing())
    try:
        with pytest.raises(ValidationFailed):
            run(
                forwarding.forward_order,
                actor(w.caseworker),
                order_id=order_id,
                reason="Ingen ledige medlemmer",
                jobcentre_id=w.centre,
            )
    finally:
        jobag.set_jobag(None)
    (_headers, body), = receiver.accepted()  # fmt: skip
    payload = json.loads(body)
    assert payload["type"] == "order.forward_refused"
    assert "JobAG kender ikke arbejdsgiveren" in payload["data"]["detail"]

    # The key is revoked while a delivery waits: it is withheld, not sent.
    receiver.status = 503
    closed = run(orders.close_expired_orders, on=date(2027, 3, 1))
    assert closed == [order_id]
    with db.unit_of_work() as s:
        key = s.get(ApiKey, key_id)
        assert key is not None
        key.revoked_at = utcnow()
    assert delivery.retry_due(now=_later()) == 0
    with db.unit_of_work() as s:
        last = s.scalars(
            select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc()).limit(1)
        ).one()
    assert (last.event.value, last.status) == ("order.closed", DeliveryStatus.WITHHELD)
    assert len(receiver.requests) == 2  # the refusal, and the closing's first (failed) try


def test_endpoints_must_be_https_and_are_for_systems_only(app: FastAPI, w: World) -> None:
    akasse, _ = _system(app, w.akasse)
    r = akasse.post("/api/webhooks", json={"url": "http://example.com/x", "events": ALL_EVENTS})
    assert r.status_code == 422
    assert r.json()["type"] == "https://jobbro.dk/problems/validation-failed"
    r = akasse.post("/api/webhooks", json={"url": "https://x.example/h", "events": ["nope"]})
    assert r.status_code == 422
    assert (
        akasse.post(
            "/api/webhooks", json={"url": "https://x.example/h", "events": ["order.closed"]}
        ).status_code
        == 201
    )
    person = HttpAs(app, w.caseworker)
    r = person.post("/api/webhooks", json={"url": "https://x.example/h", "events": ALL_EVENTS})
    assert r.status_code == 403
    assert check_url("http://127.0.0.1:9/x")  # loopback in tests only


def test_production_refuses_plain_http_and_internal_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "env", "production")
    for url in ("http://127.0.0.1/x", "https://127.0.0.1/x", "https://10.0.0.5/x",
                "https://user:pw@x.example/h", "ftp://x.example/h"):  # fmt: skip
        with pytest.raises(ValidationFailed):
            check_url(url)
    assert check_url("https://akasse.example/hooks") == "https://akasse.example/hooks"


def test_production_does_not_send_to_a_name_that_resolves_inside(
    app: FastAPI, w: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    akasse, _ = _system(app, w.akasse)
    _subscribe(akasse, receiver.url.replace("127.0.0.1", "localhost"))
    monkeypatch.setattr(get_settings(), "env", "production")
    order_id = new_order(actor(w.caseworker), placement_deadline=date(2027, 2, 1))
    assert run(orders.close_expired_orders, on=date(2027, 3, 1)) == [order_id]
    assert receiver.requests == []
    with db.unit_of_work() as s:
        (row,) = s.scalars(select(WebhookDelivery)).all()
    assert row.status is DeliveryStatus.PENDING
    assert "internal address" in (row.last_error or "")


def test_migration_0007_creates_exactly_the_webhook_tables(database: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from shared.db import Base

    with db.get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "webhook" in repr(d)] == []
