"""Candidates: proposing, the contact rule, referral, hires, reversal and removal."""

import uuid
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.forwarding import service as forwarding
from services.joborders.mediation_log.service import mediation_log
from services.joborders.models import (
    Candidate,
    CandidateSource,
    CandidateStatus,
    ContactOutcome,
    EventType,
    OrderStatus,
)
from services.joborders.orders import service as orders
from services.joborders.sharing import service as sharing
from shared import db
from shared.actor import Actor
from shared.errors import Conflict, Forbidden, InvalidState
from shared.models import AuditEvent, Outcome
from tests.joborders.helpers import (
    FakeMatching,
    HttpAs,
    World,
    actor,
    new_order,
    run,
    system_actor,
)


def _shared_order(w: World, positions: int = 2) -> uuid.UUID:
    order_id = new_order(actor(w.mediator), positions=positions)
    run(sharing.share_order, actor(w.mediator), order_id=order_id, organisation_ids=[w.akasse])
    return order_id


def _add(by: Actor, order_id: uuid.UUID, cv_id: uuid.UUID) -> Candidate:
    return run(candidates.add_candidate, by, order_id=order_id, data=CandidateIn(cv_id=cv_id))


def _contact(
    by: Actor, order_id: uuid.UUID, c: Candidate, outcome: str = "interested"
) -> Candidate:
    return run(
        candidates.record_contact,
        by,
        order_id=order_id,
        candidate_id=c.id,
        outcome=ContactOutcome(outcome),
        note="Ringet op",
    )


def _referred(w: World, matching: FakeMatching, order_id: uuid.UUID, name: str) -> Candidate:
    c = _add(actor(w.mediator), order_id, matching.add_cv(name, w.akasse))
    _contact(actor(w.mediator), order_id, c)
    return run(candidates.refer_candidate, actor(w.mediator), order_id=order_id, candidate_id=c.id)


def _hire(w: World, order_id: uuid.UUID, c: Candidate) -> Candidate:
    return run(
        candidates.record_outcome,
        actor(w.mediator),
        order_id=order_id,
        candidate_id=c.id,
        hired=True,
        start_date=date(2027, 1, 4),
    )


def test_akasse_proposes_its_member_on_a_shared_order(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    cv = matching.add_cv("Jens Hansen", w.akasse)
    c = _add(actor(w.caseworker), order_id, cv)
    assert (c.found_by_organisation_id, c.source, c.status) == (
        w.akasse,
        CandidateSource.MATCHING,
        CandidateStatus.PROPOSED,
    )
    assert c.name == "Jens Hansen"
    assert c.akasse_organisation_id == w.akasse


def test_akasse_cannot_propose_another_funds_member(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    with pytest.raises(Forbidden):
        _add(actor(w.caseworker), order_id, matching.add_cv("Eva Lund", w.akasse2))


def test_akasse_without_a_share_cannot_propose(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    with pytest.raises(Forbidden):
        _add(actor(w.akasse2_worker), order_id, matching.add_cv("Eva Lund", w.akasse2))


def test_same_person_cannot_be_on_an_order_twice(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    cv = matching.add_cv("Jens Hansen", w.akasse)
    _add(actor(w.caseworker), order_id, cv)
    with pytest.raises(Conflict):
        _add(actor(w.mediator), order_id, cv)


def test_database_refuses_a_duplicate_candidate_row(w: World, matching: FakeMatching) -> None:
    from sqlalchemy.exc import IntegrityError

    order_id = _shared_order(w)
    c = _add(actor(w.mediator), order_id, matching.add_cv("Jens Hansen", None))
    twin = {k: getattr(c, k) for k in ("order_id", "cv_id", "name", "found_by_name")}
    twin.update(
        source=CandidateSource.MANUAL,
        status=CandidateStatus.PROPOSED,
        found_by_organisation_id=w.centre,
    )
    with pytest.raises(IntegrityError), db.unit_of_work() as s:
        s.add(Candidate(**twin))


def test_finder_contacts_first(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    c = _add(actor(w.caseworker), order_id, matching.add_cv("Jens Hansen", w.akasse))
    c = _contact(actor(w.caseworker2), order_id, c)
    assert c.contact_outcome is ContactOutcome.INTERESTED
    assert c.contacted_by_organisation_id == w.akasse


def test_first_contact_of_an_akasse_find_belongs_to_the_akasse(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    # The agreement: the a-kasse contacts the candidates it found; coordinating the order
    # gives a jobcentre colleague (not the owner) no right to that first contact.
    order_id = _shared_order(w)
    c = _add(actor(w.caseworker), order_id, matching.add_cv("Jens Hansen", w.akasse))
    for colleague in (w.mediator2, w.mediator):
        r = HttpAs(app, colleague).post(
            f"/api/orders/{order_id}/candidates/{c.id}/contact",
            json={"outcome": "interested", "note": "Ringet op"},
        )
        assert r.status_code == 403
    with db.unit_of_work() as s:
        denied = s.scalars(
            select(AuditEvent).where(
                AuditEvent.outcome == Outcome.DENY, AuditEvent.action == "candidate.contact"
            )
        ).all()
    assert {d.actor_id for d in denied} == {w.mediator2.id, w.mediator.id}
    c = _contact(actor(w.caseworker), order_id, c)
    # After the finder's contact the owner may contact again; a colleague still may not.
    assert _contact(actor(w.mediator), order_id, c).status is CandidateStatus.CONTACTED
    with pytest.raises(Forbidden):
        _contact(actor(w.mediator2), order_id, c)


def test_akasse_may_not_contact_the_jobcentres_find(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    c = _add(actor(w.mediator), order_id, matching.add_cv("Jens Hansen", w.akasse))
    with pytest.raises(Forbidden):
        _contact(actor(w.caseworker), order_id, c)


def test_owner_recontacts_only_an_already_contacted_candidate(w: World) -> None:
    from services.joborders.models import JobOrder
    from services.joborders.policy import access

    # An order an a-kasse owns, with a candidate another organisation found.
    order = JobOrder(
        owner_user_id=w.caseworker.id,
        owner_organisation_id=w.akasse,
        coordinator_organisation_id=w.akasse,
        origin_organisation_id=w.akasse,
    )
    found_elsewhere = Candidate(found_by_organisation_id=w.centre, contact_outcome=None)
    assert not access.can_contact(actor(w.caseworker), order, found_elsewhere)
    found_elsewhere.contact_outcome = ContactOutcome.NOT_INTERESTED
    assert access.can_contact(actor(w.caseworker), order, found_elsewhere)
    assert not access.can_contact(actor(w.caseworker2), order, found_elsewhere)


def test_owner_in_a_jobcentre_not_finding_may_not_contact_first(
    w: World, matching: FakeMatching
) -> None:
    order_id = new_order(actor(w.caseworker))
    run(
        forwarding.forward_order,
        actor(w.caseworker),
        order_id=order_id,
        reason="Ingen",
        jobcentre_id=w.centre,
    )
    c = _add(actor(w.caseworker2), order_id, matching.add_cv("Jens Hansen", w.akasse))
    with pytest.raises(Forbidden):  # forwarded but not taken: the jobcentre does not coordinate
        _contact(actor(w.mediator), order_id, c)


def test_only_the_owner_refers_and_only_interested_candidates(
    w: World, matching: FakeMatching
) -> None:
    order_id = _shared_order(w)
    c = _add(actor(w.mediator2), order_id, matching.add_cv("Jens Hansen", w.akasse))
    with pytest.raises(InvalidState):  # not contacted yet
        run(candidates.refer_candidate, actor(w.mediator), order_id=order_id, candidate_id=c.id)
    _contact(actor(w.mediator2), order_id, c)
    with pytest.raises(Forbidden):
        run(candidates.refer_candidate, actor(w.mediator2), order_id=order_id, candidate_id=c.id)
    c = run(candidates.refer_candidate, actor(w.mediator), order_id=order_id, candidate_id=c.id)
    assert c.status is CandidateStatus.REFERRED
    other = _add(actor(w.mediator2), order_id, matching.add_cv("Eva Lund", w.akasse))
    _contact(actor(w.mediator2), order_id, other, "not_interested")
    with pytest.raises(InvalidState):
        run(candidates.refer_candidate, actor(w.mediator), order_id=order_id, candidate_id=other.id)


def test_hire_by_a_non_owner_is_refused_and_audited(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared_order(w)
    c = _referred(w, matching, order_id, "Jens Hansen")
    r = HttpAs(app, w.mediator2).post(
        f"/api/orders/{order_id}/candidates/{c.id}/outcome",
        json={"hired": True, "start_date": "2027-01-04"},
    )
    assert r.status_code == 403
    with db.unit_of_work() as s:
        denied = s.scalars(
            select(AuditEvent).where(
                AuditEvent.outcome == Outcome.DENY, AuditEvent.action == "candidate.outcome"
            )
        ).all()
        stored = s.get(Candidate, c.id)
        assert stored is not None
        assert stored.status is CandidateStatus.REFERRED
    assert [(d.actor_id, d.subject_id) for d in denied] == [(w.mediator2.id, str(order_id))]


def test_order_filled_by_its_last_hire_is_closed(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w, positions=2)
    first = _referred(w, matching, order_id, "Jens Hansen")
    second = _referred(w, matching, order_id, "Eva Lund")
    _hire(w, order_id, first)
    assert run(orders.read_order, actor(w.mediator), order_id=order_id).status is (
        OrderStatus.IN_PROCESS
    )
    _hire(w, order_id, second)
    order = run(orders.read_order, actor(w.mediator), order_id=order_id)
    assert order.status is OrderStatus.CLOSED_FILLED
    assert order.closed_at is not None
    log = run(mediation_log, actor(w.mediator), order_id=order_id)
    assert [e.type for e in log][-3:] == [
        EventType.HIRED,
        EventType.STATUS_CHANGED,
        EventType.CLOSED,
    ]


def test_hire_needs_a_referred_candidate(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    c = _add(actor(w.mediator), order_id, matching.add_cv("Jens Hansen", None))
    _contact(actor(w.mediator), order_id, c)
    with pytest.raises(InvalidState):
        _hire(w, order_id, c)


def test_wrong_hire_is_reversed_by_a_counter_event_and_reopens(
    w: World, matching: FakeMatching
) -> None:
    order_id = _shared_order(w, positions=1)
    c = _referred(w, matching, order_id, "Jens Hansen")
    _hire(w, order_id, c)
    with pytest.raises(Forbidden):
        run(
            candidates.reverse_outcome,
            actor(w.mediator2),
            order_id=order_id,
            candidate_id=c.id,
            reason="Fejl",
        )
    c = run(
        candidates.reverse_outcome,
        actor(w.mediator),
        order_id=order_id,
        candidate_id=c.id,
        reason="Forkert kandidat registreret",
    )
    assert c.status is CandidateStatus.REFERRED
    order = run(orders.read_order, actor(w.mediator), order_id=order_id)
    assert order.status is OrderStatus.IN_PROCESS
    types = [e.type for e in run(mediation_log, actor(w.mediator), order_id=order_id)]
    assert types.count(EventType.HIRED) == 1  # the hire stays in the log
    assert EventType.OUTCOME_REVERSED in types


def test_not_hired_is_recorded_and_keeps_the_order_open(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w, positions=1)
    c = _referred(w, matching, order_id, "Jens Hansen")
    c = run(
        candidates.record_outcome,
        actor(w.mediator),
        order_id=order_id,
        candidate_id=c.id,
        hired=False,
    )
    assert c.status is CandidateStatus.NOT_HIRED
    assert run(orders.read_order, actor(w.mediator), order_id=order_id).status is (
        OrderStatus.IN_PROCESS
    )


def test_removing_a_candidate_archives_without_deleting(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    c = _add(actor(w.caseworker), order_id, matching.add_cv("Jens Hansen", w.akasse))
    with pytest.raises(Forbidden):
        run(
            candidates.archive_candidate,
            actor(w.akasse2_worker),
            order_id=order_id,
            candidate_id=c.id,
            reason="x",
        )
    run(
        candidates.archive_candidate,
        actor(w.caseworker),
        order_id=order_id,
        candidate_id=c.id,
        reason="Har fået andet job",
    )
    _, active = run(candidates.list_candidates, actor(w.mediator), order_id=order_id)
    assert active == []
    _, every = run(
        candidates.list_candidates, actor(w.mediator), order_id=order_id, include_archived=True
    )
    assert [x.archive_reason for x in every] == ["Har fået andet job"]
    with pytest.raises(InvalidState):
        _contact(actor(w.caseworker), order_id, c)


def test_hired_candidate_cannot_be_archived(w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    c = _referred(w, matching, order_id, "Jens Hansen")
    _hire(w, order_id, c)
    with pytest.raises(InvalidState):
        run(
            candidates.archive_candidate,
            actor(w.mediator),
            order_id=order_id,
            candidate_id=c.id,
            reason="x",
        )


def test_akasse_sees_details_of_its_own_members_only(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = new_order(actor(w.mediator))
    run(
        sharing.share_order,
        actor(w.mediator),
        order_id=order_id,
        organisation_ids=[w.akasse, w.akasse2],
    )
    _add(actor(w.mediator), order_id, matching.add_cv("Jens Hansen", w.akasse))
    _add(actor(w.mediator), order_id, matching.add_cv("Eva Lund", w.akasse2))
    rows = HttpAs(app, w.caseworker).get(f"/api/orders/{order_id}/candidates").json()["items"]
    assert sorted((r["name"] or "-") for r in rows) == ["-", "Jens Hansen"]
    hidden = next(r for r in rows if r["name"] is None)
    assert (hidden["cv_id"], hidden["details_visible"]) == (None, False)
    centre_rows = HttpAs(app, w.mediator2).get(f"/api/orders/{order_id}/candidates").json()["items"]
    assert sorted(r["name"] for r in centre_rows) == ["Eva Lund", "Jens Hansen"]


def test_system_client_proposes_and_records_contact(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared_order(w)
    _, key = system_actor(w.akasse)
    client = TestClient(app, raise_server_exceptions=False)
    auth = {"Authorization": f"Bearer {key}"}
    cv = matching.add_cv("Jens Hansen", w.akasse)
    headers = {**auth, "Idempotency-Key": "cand-1"}
    added = client.post(
        f"/api/orders/{order_id}/candidates", json={"cv_id": str(cv)}, headers=headers
    )
    retried = client.post(
        f"/api/orders/{order_id}/candidates", json={"cv_id": str(cv)}, headers=headers
    )
    assert added.status_code == 201, added.text
    assert retried.json()["id"] == added.json()["id"]
    cid = added.json()["id"]
    contact = {"outcome": "interested", "note": "Vil gerne til samtale"}
    r = client.post(f"/api/orders/{order_id}/candidates/{cid}/contact", json=contact, headers=auth)
    assert r.status_code == 200, r.text
    again = client.post(
        f"/api/orders/{order_id}/candidates/{cid}/contact", json=contact, headers=auth
    )
    assert again.status_code == 200
    log = HttpAs(app, w.mediator).get(f"/api/orders/{order_id}/log").json()["items"]
    assert [e["type"] for e in log].count("contacted") == 1


def test_system_client_cannot_refer(app: FastAPI, w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    system, key = system_actor(w.akasse)
    c = _add(system, order_id, matching.add_cv("Jens Hansen", w.akasse))
    _contact(system, order_id, c)
    r = TestClient(app, raise_server_exceptions=False).post(
        f"/api/orders/{order_id}/candidates/{c.id}/refer",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 403


def test_ranked_matches_come_from_the_order_and_flag_those_on_it(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared_order(w)
    on_order = matching.add_cv("Jens Hansen", w.akasse)
    matching.add_cv("Eva Lund", w.akasse2)
    _add(actor(w.mediator), order_id, on_order)
    r = HttpAs(app, w.mediator).get(f"/api/orders/{order_id}/matches?limit=5")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2
    assert body["already_on_order"] == [str(on_order)]
    [query] = matching.queries
    assert (query.title, query.postal_code, query.certificates) == (
        "Truckfører",
        "8500",
        ["truckcertifikat B"],
    )


def test_allowed_actions_follow_the_rules(app: FastAPI, w: World, matching: FakeMatching) -> None:
    order_id = _shared_order(w)
    c = _add(actor(w.caseworker), order_id, matching.add_cv("Jens Hansen", w.akasse))
    owner_view = HttpAs(app, w.mediator).get(f"/api/orders/{order_id}/actions").json()
    assert {"edit_employer_contact", "hand_over", "share", "status:inactivated"} <= set(
        owner_view["order"]
    )
    # The a-kasse found the candidate, so it contacts them first; the owner may only archive.
    assert owner_view["candidates"][str(c.id)] == ["archive"]
    akasse_view = HttpAs(app, w.caseworker).get(f"/api/orders/{order_id}/actions").json()
    assert "edit_employer_contact" not in akasse_view["order"]
    assert "add_candidate" in akasse_view["order"]
    assert akasse_view["candidates"][str(c.id)] == ["contact", "archive"]
    other_view = HttpAs(app, w.mediator2).get(f"/api/orders/{order_id}/actions").json()
    assert "hand_over" not in other_view["order"]


def test_outsider_cannot_search_candidates_for_an_order(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared_order(w)
    matching.add_cv("Jens Hansen", w.akasse)
    r = HttpAs(app, w.outsider).get(f"/api/orders/{order_id}/matches")
    assert r.status_code == 403
    assert matching.queries == []


def test_matches_are_refused_for_an_order_not_in_process(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = new_order(actor(w.mediator), status="draft")
    matching.add_cv("Jens Hansen", w.akasse)
    r = HttpAs(app, w.mediator).get(f"/api/orders/{order_id}/matches")
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["current_status"] == "draft"
    assert "in process" in body["detail"]
    assert matching.queries == []


def test_contact_by_an_organisation_outside_the_rule_is_403_and_audited(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    order_id = _shared_order(w)
    c = _add(actor(w.mediator), order_id, matching.add_cv("Jens Hansen", w.akasse))
    r = HttpAs(app, w.caseworker).post(
        f"/api/orders/{order_id}/candidates/{c.id}/contact", json={"outcome": "interested"}
    )
    assert r.status_code == 403
    with db.unit_of_work() as s:
        denied = s.scalars(
            select(AuditEvent).where(
                AuditEvent.outcome == Outcome.DENY, AuditEvent.action == "candidate.contact"
            )
        ).all()
    assert [(d.actor_id, d.subject_id) for d in denied] == [(w.caseworker.id, str(c.id))]
