"""Split deployment (the job-order service calls matching over HTTP), the log's redaction,
the proposal oracle, and audits of 404 refusals and of views that show names."""

import json
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.joborders import matching_port
from services.matching import acting
from services.matching.client import HttpMatchingClient
from shared import db
from shared.models import AuditEvent, Outcome
from shared.settings import get_settings
from tests.security import world as worlds

SECRET = "a-shared-secret-of-the-two-services-for-tests"


def _audit(action: str, outcome: Outcome | None = None) -> list[AuditEvent]:
    with db.unit_of_work() as s:
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if outcome is not None:
            stmt = stmt.where(AuditEvent.outcome == outcome)
        rows = list(s.scalars(stmt))
        s.expunge_all()
        return rows


@pytest.fixture
def split(app: FastAPI, w: worlds.World, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The job-order service reaching matching over HTTP, with the order system's key."""
    monkeypatch.setattr(get_settings(), "matching_actor_secret", SECRET)
    remote = TestClient(app, raise_server_exceptions=False)
    client = HttpMatchingClient(
        "http://testserver", w.keys["jobcentre API key"], SECRET, http=remote
    )
    matching_port.set_client(client)
    yield remote
    matching_port.set_client(None)


def test_split_deployment_applies_the_persons_visibility_and_audits_both(
    app: FastAPI, w: worlds.World, split: TestClient
) -> None:
    caseworker, headers = worlds.client_as(app, w, "a-kasse A caseworker")
    r = caseworker.get(f"/api/orders/{w.ids['order_shared']}/matches?limit=100", headers=headers)
    assert r.status_code == 200, r.text
    shown = {item["cv"]["id"] for item in r.json()["items"]}
    assert str(w.ids["cv_a"]) in shown
    assert not shown & {s for s in w.fund_b.strings}, "another fund's members were shown"
    searches = [e for e in _audit("cv.search") if e.actor_type == "user"]
    person = worlds.user_actor(w.emails["a-kasse A caseworker"])
    mine = [e for e in searches if e.actor_id == person.id]
    assert mine, "the search is audited under the person"
    assert mine[-1].organisation_id == w.ids["akasse_a"]
    assert "(via " in (mine[-1].actor_name or "")
    assert "order system" in (mine[-1].actor_name or "")
    # A proposal of another fund's member is refused by the remote service, as the person.
    r = caseworker.post(
        f"/api/orders/{w.ids['order_shared']}/candidates",
        json={"cv_id": str(w.ids["cv_b"])},
        headers=headers,
    )
    assert r.status_code == 403
    assert str(w.ids["cand_b"]) not in r.text


def test_a_bare_or_forged_actor_header_is_refused(w: worlds.World, split: TestClient) -> None:
    key_headers = {"Authorization": f"Bearer {w.keys['jobcentre API key']}"}
    cv_b = w.ids["cv_b"]
    worker_a = worlds.user_actor(w.emails["a-kasse A caseworker"])
    forged = acting.sign_actor(worker_a, api_key=w.keys["jobcentre API key"], secret="wrong" * 8)
    r = split.get(f"/api/matching/cvs/{cv_b}", headers={**key_headers, acting.ACTOR_HEADER: forged})
    assert r.status_code == 401
    # Signed for the order system's key, replayed with another key: refused.
    good = acting.sign_actor(worker_a, api_key=w.keys["jobcentre API key"], secret=SECRET)
    other = {"Authorization": f"Bearer {w.keys['CV-source key']}", acting.ACTOR_HEADER: good}
    assert split.get(f"/api/matching/cvs/{cv_b}", headers=other).status_code == 403
    # The genuine assertion gets the person's visibility: another fund's CV is refused.
    genuine = {**key_headers, acting.ACTOR_HEADER: good}
    assert split.get(f"/api/matching/cvs/{cv_b}", headers=genuine).status_code == 403
    assert split.get(f"/api/matching/cvs/{w.ids['cv_a']}", headers=genuine).status_code == 200
    assert len(_audit("auth.acting_for", Outcome.DENY)) >= 2


def test_an_expired_assertion_is_refused(
    w: worlds.World, split: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker_a = worlds.user_actor(w.emails["a-kasse A caseworker"])
    token = acting.sign_actor(worker_a, api_key=w.keys["jobcentre API key"], secret=SECRET)
    monkeypatch.setattr(acting, "MAX_AGE_SECONDS", -1)
    headers = {
        "Authorization": f"Bearer {w.keys['jobcentre API key']}",
        acting.ACTOR_HEADER: token,
    }
    r = split.get(f"/api/matching/cvs/{w.ids['cv_a']}", headers=headers)
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


def test_the_log_hides_another_funds_notes_as_the_candidate_list_does(
    app: FastAPI, w: worlds.World
) -> None:
    client, headers = worlds.client_as(app, w, "a-kasse A caseworker")
    order = w.ids["order_shared"]
    log = client.get(f"/api/orders/{order}/log", headers=headers)
    assert log.status_code == 200
    listed = client.get(f"/api/orders/{order}/candidates?include_archived=true", headers=headers)
    page = client.get(f"/jobordrer/{order}", headers=headers)
    for text in (log.text, listed.text, page.text):
        assert not [s for s in w.fund_b.strings if s in text]
    own = [s for s in w.fund_a.strings if s.startswith(("kontaktnote", "tilbagefoert"))]
    assert all(s in log.text for s in own), "the fund's own notes stay in its log"
    about_b = [e for e in log.json()["items"] if e["candidate_id"] == str(w.ids["cand_b"])]
    assert about_b
    assert not any(e["details_visible"] for e in about_b)
    # The jobcentre coordinating the order sees everything.
    mediator, mh = worlds.client_as(app, w, "jobcentre mediator")
    full = mediator.get(f"/api/orders/{order}/log", headers=mh).text
    assert all(s in full for s in w.fund_b.strings if s.startswith("kontaktnote"))


def test_proposing_another_funds_member_on_the_order_is_403_without_the_id(
    app: FastAPI, w: worlds.World
) -> None:
    client, headers = worlds.client_as(app, w, "a-kasse A caseworker")
    cv_b = str(w.ids["cv_b"])
    before = sum(1 for e in _audit_all_denied() if e.subject_id == cv_b)
    r = client.post(
        f"/api/orders/{w.ids['order_shared']}/candidates",
        json={"cv_id": str(w.ids["cv_b"])},
        headers=headers,
    )
    assert r.status_code == 403
    assert str(w.ids["cand_b"]) not in r.text
    # Refused by the CV read the proposal makes, before any duplicate check could answer.
    assert sum(1 for e in _audit_all_denied() if e.subject_id == cv_b) == before + 1


def test_refusals_answered_404_are_audited(app: FastAPI, w: worlds.World) -> None:
    mediator, headers = worlds.client_as(app, w, "jobcentre mediator")
    hidden = w.ids["cv_hidden"]
    before = sum(1 for e in _audit_all_denied() if e.subject_id == str(hidden))
    assert mediator.get(f"/api/matching/cvs/{hidden}", headers=headers).status_code == 404
    assert mediator.get(f"/cv/{hidden}", headers=headers).status_code == 404
    note = w.ids["notification_d"]
    r = mediator.post(f"/api/notifications/{note}/read", headers=headers)
    assert r.status_code == 404
    foreign = w.ids["cand_d"]
    r = mediator.post(
        f"/api/orders/{w.ids['order_shared']}/candidates/{foreign}/archive",
        json={"reason": "x"},
        headers=headers,
    )
    assert r.status_code == 404
    denied = {(e.action, e.subject_id) for e in _audit_all_denied()}
    assert ("cv.read", str(hidden)) in denied
    assert ("notification.read", str(note)) in denied
    assert ("candidate.lookup", str(foreign)) in denied
    assert sum(1 for e in _audit_all_denied() if e.subject_id == str(hidden)) == before + 2


def _audit_all_denied() -> list[AuditEvent]:
    with db.unit_of_work() as s:
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.outcome == Outcome.DENY)))
        s.expunge_all()
        return rows


def test_views_that_show_names_are_audited_with_whose(app: FastAPI, w: worlds.World) -> None:
    client, headers = worlds.client_as(app, w, "a-kasse A caseworker")
    order = w.ids["order_shared"]
    before = len(_audit("order.candidates.view"))
    assert client.get(f"/api/orders/{order}/candidates", headers=headers).status_code == 200
    assert client.get(f"/jobordrer/{order}", headers=headers).status_code == 200
    views = _audit("order.candidates.view")[before:]
    assert len(views) == 2
    shown = {cv for e in views for cv in json.loads(e.detail or "{}")["cvs"]}
    # Only the fund's own members were shown, so only they are named in the audit.
    assert str(w.ids["cv_a"]) in shown
    assert str(w.ids["cv_b"]) not in shown
    assert all(e.subject_id == str(order) and e.organisation_id == w.ids["akasse_a"] for e in views)


def test_the_http_client_refuses_to_call_without_the_secret(w: worlds.World) -> None:
    from shared.errors import ServiceUnavailable

    client = HttpMatchingClient("http://127.0.0.1:9", w.keys["jobcentre API key"], "")
    with pytest.raises(ServiceUnavailable):
        client.get_cv_summary(worlds.system(w.ids["centre"]), uuid.uuid4())
