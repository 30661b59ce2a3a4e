"""Notes on an order and on its candidates: who writes and reads them, across organisations."""

import uuid

from fastapi import FastAPI
from sqlalchemy import select

from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.sharing import service as sharing
from shared import db
from shared.models import AuditEvent
from tests.joborders.helpers import FakeMatching, HttpAs, World, actor, new_order, run


def _shared(w: World) -> uuid.UUID:
    order_id = new_order(actor(w.mediator))
    run(
        sharing.share_order,
        actor(w.mediator),
        order_id=order_id,
        organisation_ids=[w.akasse, w.akasse2],
    )
    return order_id


def _member_on(w: World, matching: FakeMatching, order_id: uuid.UUID, name: str) -> uuid.UUID:
    cv = matching.add_cv(name, w.akasse)
    c = run(
        candidates.add_candidate, actor(w.caseworker), order_id=order_id, data=CandidateIn(cv_id=cv)
    )
    return c.id


def test_order_note_has_author_and_time_and_is_read_by_everyone_on_the_order(
    app: FastAPI, w: World
) -> None:
    order_id = _shared(w)
    r = HttpAs(app, w.mediator).post(
        f"/api/orders/{order_id}/notes", json={"text": "  Virksomheden vil helst have CV på mail "}
    )
    assert r.status_code == 201, r.text
    note = r.json()
    assert note["text"] == "Virksomheden vil helst have CV på mail"
    assert note["candidate_id"] is None
    assert note["author_name"]
    assert note["created_at"]
    for reader in (w.mediator2, w.caseworker, w.akasse2_worker):
        listed = HttpAs(app, reader).get(f"/api/orders/{order_id}/notes").json()
        assert [n["id"] for n in listed] == [note["id"]]
    outsider = HttpAs(app, w.outsider)
    assert outsider.get(f"/api/orders/{order_id}/notes").status_code == 403
    assert outsider.post(f"/api/orders/{order_id}/notes", json={"text": "x"}).status_code == 403


def test_candidate_notes_follow_the_rule_of_contact_notes(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared(w)
    cand = _member_on(w, matching, order_id, "Mette Sørensen")
    url = f"/api/orders/{order_id}/candidates/{cand}/notes"
    r = HttpAs(app, w.caseworker).post(url, json={"text": "privat-note-A har kørekort C"})
    assert r.status_code == 201, r.text
    assert r.json()["candidate_id"] == str(cand)
    assert HttpAs(app, w.mediator).post(url, json={"text": "Ringer fredag"}).status_code == 201
    # The member's own a-kasse and the jobcentre see both notes, newest first.
    for reader in (w.caseworker2, w.mediator2):
        texts = [n["text"] for n in HttpAs(app, reader).get(url).json()]
        assert texts == ["Ringer fredag", "privat-note-A har kørekort C"]
    # Another a-kasse on the same shared order: not a word of them, 404 like an unknown id.
    other = HttpAs(app, w.akasse2_worker)
    assert other.get(url).status_code == 404
    assert other.post(url, json={"text": "x"}).status_code == 404
    whole = other.get(f"/api/orders/{order_id}/notes")
    assert whole.status_code == 200
    assert "privat-note-A" not in whole.text
    assert whole.json() == []
    # The read that showed the notes is audited with whose notes they were.
    with db.unit_of_work() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "note.list")).all()
        assert any(str(cand) in (r.detail or "") for r in rows)


def test_bad_note_is_422_and_a_retried_note_is_written_once(app: FastAPI, w: World) -> None:
    order_id = _shared(w)
    http = HttpAs(app, w.mediator)
    for body in ({"text": "   "}, {"text": "x" * 4001}, {"txt": "x"}, {}):
        r = http.post(f"/api/orders/{order_id}/notes", json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"].startswith("application/problem+json")
    key = {"Idempotency-Key": "note-1"}
    first = http.post(f"/api/orders/{order_id}/notes", json={"text": "Én gang"}, headers=key)
    again = http.post(f"/api/orders/{order_id}/notes", json={"text": "Én gang"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(http.get(f"/api/orders/{order_id}/notes").json()) == 1
    unknown = http.get(f"/api/orders/{order_id}/candidates/{uuid.uuid4()}/notes")
    assert unknown.status_code == 404
