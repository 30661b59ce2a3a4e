"""Job orders: creation, details, statuses, versions, lists and visibility."""

import uuid
from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.mediation_log.service import mediation_log
from services.joborders.models import (
    ContactOutcome,
    EventType,
    JobOrder,
    OrderStatus,
    OwnerChange,
)
from services.joborders.orders import service as orders
from services.joborders.orders.schemas import EmployerContact, OrderUpdate
from services.joborders.sharing import service as sharing
from shared import db
from shared.errors import Forbidden, InvalidState, StaleVersion, ValidationFailed
from shared.models import AuditEvent, OrgKind, Outcome
from tests.joborders.helpers import (
    FakeMatching,
    HttpAs,
    World,
    actor,
    new_order,
    order_data,
    organisation,
    person,
    run,
    system_actor,
)


def set_columns(order_id: uuid.UUID, **values: object) -> None:
    """Move an order's dates into the past, as time would (the API refuses past dates)."""
    with db.unit_of_work() as s:
        s.execute(update(JobOrder).where(JobOrder.id == order_id).values(**values))


PASSED = {"placement_deadline": date(2026, 1, 31)}


def test_mediator_creating_an_order_becomes_its_owner_and_coordinator(w: World) -> None:
    order = run(orders.create_order, actor(w.mediator), data=order_data())
    assert order.owner_user_id == w.mediator.id
    assert order.coordinator_organisation_id == w.centre
    assert order.status is OrderStatus.IN_PROCESS
    assert order.version == 1
    with db.unit_of_work() as s:
        [change] = s.scalars(select(OwnerChange).where(OwnerChange.order_id == order.id))
        assert change.to_user_id == w.mediator.id
    log = run(mediation_log, actor(w.mediator), order_id=order.id)
    assert [e.type for e in log] == [EventType.CREATED]


def test_processing_deadline_defaults_to_working_days_after_receipt(w: World) -> None:
    friday = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    order = run(orders.create_order, actor(w.mediator), data=order_data(received_at=friday))
    assert order.processing_deadline == date(2026, 11, 24)  # two working days: Mon, Tue


def test_employer_organisation_may_not_register_orders(w: World) -> None:
    employer = person(organisation(OrgKind.EMPLOYER))
    with pytest.raises(Forbidden):
        run(orders.create_order, actor(employer), data=order_data())


def test_system_client_must_name_an_owner_in_its_own_akasse(w: World) -> None:
    system, _ = system_actor(w.akasse)
    with pytest.raises(ValidationFailed):
        run(orders.create_order, system, data=order_data())
    with pytest.raises(ValidationFailed):
        run(orders.create_order, system, data=order_data(owner_email=w.mediator.email))
    order = run(orders.create_order, system, data=order_data(owner_email=w.caseworker.email))
    assert order.owner_user_id == w.caseworker.id
    assert order.coordinator_organisation_id == w.akasse


def test_database_refuses_an_order_without_owner(w: World) -> None:
    from sqlalchemy.exc import IntegrityError

    order_id = new_order(actor(w.mediator))
    from sqlalchemy import update

    with pytest.raises(IntegrityError), db.unit_of_work() as s:
        s.execute(update(JobOrder).where(JobOrder.id == order_id).values(owner_user_id=None))


def test_coordinating_organisation_edits_details_with_the_current_version(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    order = run(
        orders.update_order,
        actor(w.mediator2),
        order_id=order_id,
        changes=OrderUpdate(positions=3, description="Ny tekst"),
        expected_version=1,
    )
    assert (order.positions, order.version) == (3, 2)


def test_edit_with_an_old_version_is_refused_as_stale(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    run(
        orders.update_order,
        actor(w.mediator),
        order_id=order_id,
        changes=OrderUpdate(positions=3),
        expected_version=1,
    )
    with pytest.raises(StaleVersion) as err:
        run(
            orders.update_order,
            actor(w.mediator2),
            order_id=order_id,
            changes=OrderUpdate(positions=4),
            expected_version=1,
        )
    assert err.value.extra["current_version"] == 2


def test_only_the_owner_changes_employer_contact(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    contact = EmployerContact(employer_name="Grenaa Havn A/S", contact_name="Ole Bach")
    with pytest.raises(Forbidden):
        run(
            orders.change_employer_contact,
            actor(w.mediator2),
            order_id=order_id,
            contact=contact,
            expected_version=1,
        )
    order = run(
        orders.change_employer_contact,
        actor(w.mediator),
        order_id=order_id,
        contact=contact,
        expected_version=1,
    )
    assert order.contact_name == "Ole Bach"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([OrderStatus.INACTIVATED, OrderStatus.IN_PROCESS], True),
        ([OrderStatus.CLOSED_EXPIRED], True),
        ([OrderStatus.INACTIVATED, OrderStatus.CLOSED_EXPIRED], True),
        ([OrderStatus.CLOSED_FILLED, OrderStatus.IN_PROCESS], False),
        ([OrderStatus.CLOSED_EXPIRED, OrderStatus.INACTIVATED], False),
        ([OrderStatus.DRAFT], False),
    ],
)
def test_status_follows_the_transition_table(
    w: World, path: list[OrderStatus], allowed: bool
) -> None:
    owner = actor(w.mediator)
    order_id = new_order(owner)
    set_columns(order_id, **PASSED)

    def walk() -> None:
        for step in path:
            current = run(orders.read_order, owner, order_id=order_id)
            run(
                orders.change_status,
                owner,
                order_id=order_id,
                status=step,
                reason="test",
                expected_version=current.version,
            )

    if allowed:
        walk()
        assert run(orders.read_order, owner, order_id=order_id).status is path[-1]
    else:
        with pytest.raises(InvalidState):
            walk()


def test_draft_goes_in_process(w: World) -> None:
    owner = actor(w.mediator)
    order_id = new_order(owner, status="draft")
    order = run(
        orders.change_status,
        owner,
        order_id=order_id,
        status=OrderStatus.IN_PROCESS,
        reason=None,
        expected_version=1,
    )
    assert order.status is OrderStatus.IN_PROCESS


def test_only_the_owner_closes_the_order(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    for other in (w.mediator2, w.centre_admin):
        with pytest.raises(Forbidden):
            run(
                orders.change_status,
                actor(other),
                order_id=order_id,
                status=OrderStatus.CLOSED_EXPIRED,
                reason=None,
                expected_version=1,
            )


def test_closing_logs_status_change_and_closed(w: World) -> None:
    owner = actor(w.mediator)
    order_id = new_order(owner)
    set_columns(order_id, **PASSED)
    run(
        orders.change_status,
        owner,
        order_id=order_id,
        status=OrderStatus.CLOSED_EXPIRED,
        reason="Fristen udløb",
        expected_version=1,
    )
    log = run(mediation_log, owner, order_id=order_id)
    assert [e.type for e in log][-2:] == [EventType.STATUS_CHANGED, EventType.CLOSED]
    assert [e.seq for e in log] == [1, 2, 3]


def test_order_of_another_organisation_is_forbidden(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    for stranger in (w.outsider, w.caseworker):
        with pytest.raises(Forbidden):
            run(orders.read_order, actor(stranger), order_id=order_id)


def test_list_filters_by_overdue_status_and_owner(w: World) -> None:
    me = actor(w.mediator)
    old = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    late = new_order(me, received_at=old, title="Gammel ordre")
    fresh = new_order(me, title="Ny ordre")
    colleague = new_order(actor(w.mediator2), received_at=old, title="Kollegas ordre")
    rows, total = run(orders.list_orders, me, filters=orders.OrderFilter(overdue=True))
    assert {o.id for o in rows} == {late, colleague}
    assert total == 2
    rows, _ = run(orders.list_orders, me, filters=orders.OrderFilter(view="mine"))
    assert {o.id for o in rows} == {late, fresh}
    rows, _ = run(orders.list_orders, me, filters=orders.OrderFilter(owner_user_id=w.mediator2.id))
    assert [o.id for o in rows] == [colleague]
    rows, _ = run(orders.list_orders, me)
    assert rows[-1].id == fresh  # overdue orders sort first
    rows, total = run(orders.list_orders, me, limit=1, offset=1)
    assert total == 3
    assert len(rows) == 1
    statuses = (OrderStatus.INACTIVATED,)
    rows, _ = run(orders.list_orders, me, filters=orders.OrderFilter(statuses=statuses))
    assert rows == []


def test_outsiders_do_not_see_orders_in_lists(w: World) -> None:
    new_order(actor(w.mediator))
    rows, total = run(orders.list_orders, actor(w.outsider))
    assert (rows, total) == ([], 0)


def test_api_read_of_foreign_order_is_403_and_audited(app: FastAPI, w: World) -> None:
    order_id = new_order(actor(w.mediator))
    r = HttpAs(app, w.outsider).get(f"/api/orders/{order_id}")
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    with db.unit_of_work() as s:
        [event] = s.scalars(
            select(AuditEvent).where(
                AuditEvent.outcome == Outcome.DENY, AuditEvent.action == "order.read"
            )
        )
        assert event.actor_id == w.outsider.id
        assert event.subject_id == str(order_id)


def test_api_stale_update_gets_412_with_current_version(app: FastAPI, w: World) -> None:
    http = HttpAs(app, w.mediator)
    created = http.post("/api/orders", json=order_data().model_dump(mode="json", exclude_none=True))
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    assert created.headers["etag"] == '"1"'
    ok = http.patch(f"/api/orders/{order_id}", json={"positions": 3}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.json()["version"] == 2
    stale = http.patch(f"/api/orders/{order_id}", json={"positions": 4, "version": 1})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2


def test_api_update_without_version_is_422(app: FastAPI, w: World) -> None:
    order_id = new_order(actor(w.mediator))
    r = HttpAs(app, w.mediator).patch(f"/api/orders/{order_id}", json={"positions": 3})
    assert r.status_code == 422
    assert "version" in r.json()["detail"]


def test_api_invalid_transition_is_409_problem(app: FastAPI, w: World) -> None:
    order_id = new_order(actor(w.mediator))
    http = HttpAs(app, w.mediator)
    set_columns(order_id, **PASSED)
    body = {"status": "closed_expired", "reason": "Fristen udløb", "version": 1}
    assert http.post(f"/api/orders/{order_id}/status", json=body).status_code == 200
    r = http.post(f"/api/orders/{order_id}/status", json={"status": "in_process", "version": 2})
    assert r.status_code == 409
    assert r.json()["current_status"] == "closed_expired"


def test_api_rejects_bad_input_with_422(app: FastAPI, w: World) -> None:
    http = HttpAs(app, w.mediator)
    bad = order_data().model_dump(mode="json", exclude_none=True)
    bad.update(positions=0, workplace_postal_code="85")
    r = http.post("/api/orders", json=bad)
    assert r.status_code == 422
    assert r.json()["status"] == 422


def test_shared_akasse_may_not_edit_the_order(w: World) -> None:

    order_id = new_order(actor(w.mediator))
    run(sharing.share_order, actor(w.mediator), order_id=order_id, organisation_ids=[w.akasse])
    with pytest.raises(Forbidden):
        run(
            orders.update_order,
            actor(w.caseworker),
            order_id=order_id,
            changes=OrderUpdate(positions=5),
            expected_version=1,
        )


def test_closed_order_cannot_be_edited(w: World) -> None:
    owner = actor(w.mediator)
    order_id = new_order(owner)
    set_columns(order_id, **PASSED)
    run(
        orders.change_status,
        owner,
        order_id=order_id,
        status=OrderStatus.CLOSED_EXPIRED,
        reason="Fristen udløb",
        expected_version=1,
    )
    with pytest.raises(InvalidState):
        run(
            orders.update_order,
            owner,
            order_id=order_id,
            changes=OrderUpdate(positions=5),
            expected_version=2,
        )


def test_orders_past_their_placement_deadline_close_as_expired(w: World) -> None:
    from services.joborders.tasks import close_expired

    owner = actor(w.mediator)
    past = new_order(owner, placement_deadline=date(2099, 1, 30))
    set_columns(past, **PASSED)
    future = new_order(owner, placement_deadline=date(2099, 1, 31))
    assert close_expired.apply().get() == 1
    assert close_expired.apply().get() == 0
    assert run(orders.read_order, owner, order_id=past).status is OrderStatus.CLOSED_EXPIRED
    assert run(orders.read_order, owner, order_id=future).status is OrderStatus.IN_PROCESS
    last = run(mediation_log, owner, order_id=past)[-1]
    assert (last.type, last.actor_type, last.actor_name) == (EventType.CLOSED, "system", "Jobbro")


@pytest.mark.parametrize("field", ["title", "positions", "processing_deadline"])
def test_required_details_cannot_be_cleared(w: World, field: str) -> None:
    order_id = new_order(actor(w.mediator))
    with pytest.raises(ValidationFailed):
        run(
            orders.update_order,
            actor(w.mediator),
            order_id=order_id,
            changes=OrderUpdate.model_validate({field: None}),
            expected_version=1,
        )


def test_clearing_the_description_leaves_it_empty(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    order = run(
        orders.update_order,
        actor(w.mediator),
        order_id=order_id,
        changes=OrderUpdate.model_validate({"description": None, "weekly_hours": None}),
        expected_version=1,
    )
    assert (order.description, order.weekly_hours) == ("", None)


def test_api_list_filters_by_status_overdue_and_pages(app: FastAPI, w: World) -> None:
    me = actor(w.mediator)
    old = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    late = new_order(me, received_at=old)
    new_order(me, status="draft")
    new_order(me)
    http = HttpAs(app, w.mediator)
    both = http.get("/api/orders", params=[("status", "draft"), ("status", "in_process")])
    assert both.json()["total"] == 3
    overdue = http.get("/api/orders", params={"overdue": "true"}).json()
    assert [o["id"] for o in overdue["items"]] == [str(late)]
    assert overdue["items"][0]["overdue"] is True
    page = http.get("/api/orders", params={"limit": 2, "offset": 2, "sort": "-received"}).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    assert page["items"][0]["id"] == str(late)
    assert http.get("/api/orders", params={"status": "open"}).status_code == 422


def test_closing_as_expired_waits_for_the_placement_deadline(app: FastAPI, w: World) -> None:
    order_id = new_order(actor(w.mediator), placement_deadline=date(2099, 1, 31))
    http = HttpAs(app, w.mediator)
    body = {"status": "closed_expired", "reason": "Arbejdsgiveren har opgivet", "version": 1}
    r = http.post(f"/api/orders/{order_id}/status", json=body)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "placement deadline" in r.json()["detail"]
    assert r.json()["wanted_status"] == "closed_expired"
    set_columns(order_id, **PASSED)
    assert http.post(f"/api/orders/{order_id}/status", json=body).status_code == 200


def test_closing_as_filled_needs_a_hire_and_closing_needs_a_reason(app: FastAPI, w: World) -> None:
    order_id = new_order(actor(w.mediator))
    http = HttpAs(app, w.mediator)
    inactive = {"status": "inactivated", "version": 1}
    assert http.post(f"/api/orders/{order_id}/status", json=inactive).status_code == 200
    filled = {"status": "closed_filled", "reason": "Besat", "version": 2}
    r = http.post(f"/api/orders/{order_id}/status", json=filled)
    assert r.status_code == 409
    assert "hired" in r.json()["detail"]
    set_columns(order_id, **PASSED)
    r = http.post(f"/api/orders/{order_id}/status", json={"status": "closed_expired", "version": 2})
    assert r.status_code == 422
    assert r.json()["field"] == "reason"
    order_actions = http.get(f"/api/orders/{order_id}/actions").json()["order"]
    assert "status:closed_expired" in order_actions
    assert "status:closed_filled" not in order_actions


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("processing_deadline", date(2026, 11, 1), "date_before_receipt"),
        ("start_date", date(2025, 6, 1), "date_before_receipt"),
        ("placement_deadline", date(2026, 11, 1), "date_before_receipt"),
    ],
)
def test_api_refuses_dates_before_the_receipt_with_422(
    app: FastAPI, w: World, field: str, value: date, kind: str
) -> None:
    body = order_data(received_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC)).model_dump(
        mode="json", exclude_none=True
    )
    body[field] = value.isoformat()
    r = HttpAs(app, w.mediator).post("/api/orders", json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    [error] = r.json()["errors"]
    assert (error["loc"], error["type"]) == ([field], kind)


def test_a_placement_deadline_in_the_past_is_refused_at_creation_and_when_changed(
    w: World,
) -> None:
    yesterday = orders.today().fromordinal(orders.today().toordinal() - 1)
    received = datetime.combine(yesterday, datetime.min.time(), tzinfo=UTC).replace(hour=10)
    with pytest.raises(ValidationFailed) as created:
        new_order(actor(w.mediator), received_at=received, placement_deadline=yesterday)
    assert created.value.extra["errors"][0]["type"] == "date_in_past"
    order_id = new_order(actor(w.mediator), received_at=received)
    with pytest.raises(ValidationFailed):
        run(
            orders.update_order,
            actor(w.mediator),
            order_id=order_id,
            changes=OrderUpdate(placement_deadline=yesterday),
            expected_version=1,
        )


def test_a_hire_cannot_start_before_the_order_was_received_and_not_hired_needs_a_reason(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    received = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    order_id = new_order(actor(w.mediator), received_at=received)
    by = actor(w.mediator)
    c = run(
        candidates.add_candidate,
        by,
        order_id=order_id,
        data=CandidateIn(cv_id=matching.add_cv("Ida Holm", w.akasse)),
    )
    run(
        candidates.record_contact,
        by,
        order_id=order_id,
        candidate_id=c.id,
        outcome=ContactOutcome.INTERESTED,
        note=None,
    )
    run(candidates.refer_candidate, by, order_id=order_id, candidate_id=c.id)
    http = HttpAs(app, w.mediator)
    url = f"/api/orders/{order_id}/candidates/{c.id}/outcome"
    r = http.post(url, json={"hired": True, "start_date": "2020-01-01"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["start_date"]
    r = http.post(url, json={"hired": False})
    assert r.status_code == 422
    assert http.post(url, json={"hired": False, "note": "Valgte en anden"}).status_code == 200
