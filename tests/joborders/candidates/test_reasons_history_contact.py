"""Structured reasons for "ikke interesseret" and "ikke ansat", a person's history across
orders, and contact details from the CV for those who may contact the candidate."""

import uuid
from datetime import date

from fastapi import FastAPI
from sqlalchemy import select

from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.models import ContactOutcome
from services.joborders.sharing import service as sharing
from services.matching.cvbank.schemas import ContactOut
from shared import db
from shared.actor import Actor
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


def _add(by: Actor, order_id: uuid.UUID, cv: uuid.UUID) -> uuid.UUID:
    return run(candidates.add_candidate, by, order_id=order_id, data=CandidateIn(cv_id=cv)).id


def test_not_interested_reason_is_stored_logged_and_hidden_from_other_akasser(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared(w)
    cand = _add(actor(w.caseworker), order_id, matching.add_cv("Ole Dahl", w.akasse))
    http = HttpAs(app, w.caseworker)
    url = f"/api/orders/{order_id}/candidates/{cand}/contact"
    bad = http.post(url, json={"outcome": "not_interested", "reason": "bored"})
    assert bad.status_code == 422
    wrong = http.post(url, json={"outcome": "interested", "reason": "pay"})
    assert wrong.status_code == 422
    r = http.post(url, json={"outcome": "not_interested", "reason": "commute", "note": "Bil"})
    assert r.status_code == 200, r.text
    assert r.json()["contact_reason"] == "commute"
    log = HttpAs(app, w.mediator).get(f"/api/orders/{order_id}/log").json()["items"]
    contacted = [e for e in log if e["type"] == "contacted"]
    assert contacted[-1]["data"]["reason_code"] == "commute"
    # The other a-kasse sees that a contact happened, not why.
    other = HttpAs(app, w.akasse2_worker)
    rows = other.get(f"/api/orders/{order_id}/candidates").json()["items"]
    assert rows[0]["contact_reason"] is None
    assert rows[0]["contact_outcome"] == "not_interested"
    other_log = other.get(f"/api/orders/{order_id}/log").text
    assert "commute" not in other_log
    assert "Bil" not in other_log


def test_not_hired_needs_a_reason_or_a_note_and_keeps_the_reason(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared(w)
    cand = _add(actor(w.mediator), order_id, matching.add_cv("Ida Lund", w.akasse))
    me = actor(w.mediator)
    run(
        candidates.record_contact,
        me,
        order_id=order_id,
        candidate_id=cand,
        outcome=ContactOutcome.INTERESTED,
    )
    run(candidates.refer_candidate, me, order_id=order_id, candidate_id=cand)
    http = HttpAs(app, w.mediator)
    url = f"/api/orders/{order_id}/candidates/{cand}/outcome"
    assert http.post(url, json={"hired": False}).status_code == 422
    assert http.post(url, json={"hired": False, "reason": "nope"}).status_code == 422
    start = date(2027, 1, 4).isoformat()
    hire_with_reason = {"hired": True, "start_date": start, "reason": "no_show"}
    assert http.post(url, json=hire_with_reason).status_code == 422
    r = http.post(url, json={"hired": False, "reason": "other_candidate"})
    assert r.status_code == 200, r.text
    assert r.json()["outcome_reason"] == "other_candidate"
    # Reversing clears the reason with the outcome.
    r = http.post(f"/api/orders/{order_id}/candidates/{cand}/reverse", json={"reason": "fejl"})
    assert r.json()["outcome_reason"] is None


def test_history_across_orders_for_staff_who_see_the_person(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    first = _shared(w)
    second = _shared(w)
    foreign = new_order(actor(w.outsider))
    cv = matching.add_cv("Karen Holm", w.akasse)
    c1 = _add(actor(w.caseworker), first, cv)
    run(
        candidates.record_contact,
        actor(w.caseworker),
        order_id=first,
        candidate_id=c1,
        outcome=ContactOutcome.NOT_INTERESTED,
    )
    c2 = _add(actor(w.mediator), second, cv)
    _add(actor(w.outsider), foreign, cv)  # another jobcentre's case work
    url = f"/api/orders/{second}/candidates/{c2}/history"
    for reader in (w.mediator, w.caseworker):
        r = HttpAs(app, reader).get(url)
        assert r.status_code == 200, r.text
        entries = r.json()
        assert [e["order_id"] for e in entries] == [str(first)]
        assert entries[0]["contact_outcome"] == "not_interested"
    # By CV: every order the reader sees, this one included; never the other jobcentre's.
    by_cv = HttpAs(app, w.mediator).get(f"/api/cvs/{cv}/order-history").json()
    assert {e["order_id"] for e in by_cv} == {str(first), str(second)}
    # Another a-kasse does not see the person at all: 404, no history.
    assert HttpAs(app, w.akasse2_worker).get(url).status_code == 404
    with db.unit_of_work() as s:
        actions = set(
            s.scalars(
                select(AuditEvent.action).where(AuditEvent.action == "candidate.history.view")
            )
        )
    assert actions == {"candidate.history.view"}


def test_contact_details_only_for_those_who_may_contact(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared(w)
    cv = matching.add_cv("Per Mikkelsen", w.akasse)
    matching.contacts[cv] = ContactOut(phone="+45 20 30 40 50", email="per@example.dk")
    cand = _add(actor(w.caseworker), order_id, cv)
    url = f"/api/orders/{order_id}/candidates/{cand}/contact-details"
    # The a-kasse that found the member contacts first: it gets the phone number.
    r = HttpAs(app, w.caseworker).get(url)
    assert r.status_code == 200
    assert r.json()["phone"] == "+45 20 30 40 50"
    # The owner only after a first contact; another a-kasse never (404: no such person).
    assert HttpAs(app, w.mediator).get(url).status_code == 403
    assert HttpAs(app, w.akasse2_worker).get(url).status_code == 404
    run(
        candidates.record_contact,
        actor(w.caseworker),
        order_id=order_id,
        candidate_id=cand,
        outcome=ContactOutcome.INTERESTED,
    )
    assert HttpAs(app, w.mediator).get(url).json()["email"] == "per@example.dk"
    # The candidate list never carries contact details.
    listed = HttpAs(app, w.mediator).get(f"/api/orders/{order_id}/candidates").text
    assert "20 30 40 50" not in listed
    assert "per@example.dk" not in listed
