"""JobAG forwarding from an a-kasse, the jobcentre inbox, and idempotent retries."""

import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from services.joborders.forwarding import jobag
from services.joborders.forwarding import service as forwarding
from services.joborders.mediation_log.service import mediation_log
from services.joborders.models import EventType, JobOrder, Notification, OrderEvent
from services.joborders.orders import service as orders
from shared import db
from shared.errors import Forbidden, InvalidState, ValidationFailed
from shared.models import OrgKind, Role
from tests.joborders.helpers import (
    World,
    actor,
    new_order,
    order_data,
    organisation,
    person,
    run,
    system_actor,
)


def _forward(w: World, order_id: uuid.UUID) -> JobOrder:
    return run(
        forwarding.forward_order,
        actor(w.caseworker),
        order_id=order_id,
        reason="Vi har ingen medlemmer med truckcertifikat",
        jobcentre_id=w.centre,
    )


def test_akasse_forwards_an_order_to_the_jobcentre_inbox(w: World) -> None:
    order_id = new_order(actor(w.caseworker))
    order = _forward(w, order_id)
    assert order.forwarded_to_organisation_id == w.centre
    assert order.jobag_reference
    inbox, _ = run(orders.list_orders, actor(w.mediator), filters=orders.OrderFilter(view="inbox"))
    assert [o.id for o in inbox] == [order_id]
    log = run(mediation_log, actor(w.mediator), order_id=order_id)
    assert log[-1].type is EventType.FORWARDED
    assert log[-1].data["via"] == "JobAG"


def test_forwarding_goes_through_the_jobag_adapter(w: World) -> None:
    calls: list[str] = []

    class Recording(jobag.InProcessJobAg):
        def forward_order(self, **kw: object) -> str:  # type: ignore[override]
            calls.append(str(kw["to_organisation"]))
            return "JOBAG-4711"

    jobag.set_jobag(Recording())
    try:
        order = _forward(w, new_order(actor(w.caseworker)))
    finally:
        jobag.set_jobag(None)
    assert order.jobag_reference == "JOBAG-4711"
    assert len(calls) == 1


def test_forward_goes_to_the_jobcentre_of_the_workplace_municipality(w: World) -> None:
    syddjurs = organisation(OrgKind.JOBCENTRE, municipality_code="706")
    order_id = new_order(actor(w.caseworker), workplace_postal_code="8400")  # Ebeltoft
    order = run(forwarding.forward_order, actor(w.caseworker), order_id=order_id, reason="Ingen")
    assert order.forwarded_to_organisation_id == syddjurs


def test_forward_without_a_known_jobcentre_asks_for_one(w: World) -> None:
    order_id = new_order(actor(w.caseworker), workplace_postal_code="9990")
    with pytest.raises(ValidationFailed):
        run(forwarding.forward_order, actor(w.caseworker), order_id=order_id, reason="Ingen")


def test_only_the_holding_akasse_forwards(w: World) -> None:
    centre_order = new_order(actor(w.mediator))
    with pytest.raises(Forbidden):
        run(
            forwarding.forward_order,
            actor(w.mediator),
            order_id=centre_order,
            reason="x",
            jobcentre_id=w.centre,
        )
    akasse_order = new_order(actor(w.caseworker))
    with pytest.raises(Forbidden):  # a colleague who neither owns it nor administers
        run(
            forwarding.forward_order,
            actor(w.caseworker2),
            order_id=akasse_order,
            reason="x",
            jobcentre_id=w.centre,
        )


def test_order_is_forwarded_once(w: World) -> None:
    order_id = new_order(actor(w.caseworker))
    _forward(w, order_id)
    with pytest.raises(InvalidState):
        _forward(w, order_id)


def test_jobcentre_mediator_takes_the_forwarded_order_and_coordinates(w: World) -> None:
    order_id = new_order(actor(w.caseworker))
    _forward(w, order_id)
    order = run(
        forwarding.take_forwarded_order, actor(w.mediator), order_id=order_id, reason="Modtaget"
    )
    assert order.owner_user_id == w.mediator.id
    assert order.coordinator_organisation_id == w.centre
    inbox, _ = run(orders.list_orders, actor(w.mediator), filters=orders.OrderFilter(view="inbox"))
    assert inbox == []
    # the forwarding a-kasse still follows its order
    assert run(orders.read_order, actor(w.caseworker), order_id=order_id).id == order_id


def test_forwarded_order_is_taken_once_and_only_by_the_receiving_jobcentre(w: World) -> None:
    order_id = new_order(actor(w.caseworker))
    _forward(w, order_id)
    with pytest.raises(Forbidden):
        run(forwarding.take_forwarded_order, actor(w.outsider), order_id=order_id, reason="x")
    caseworker_in_centre = person(w.centre, Role.CASEWORKER)
    with pytest.raises(Forbidden):
        run(
            forwarding.take_forwarded_order,
            actor(caseworker_in_centre),
            order_id=order_id,
            reason="x",
        )
    run(forwarding.take_forwarded_order, actor(w.mediator), order_id=order_id, reason="x")
    retry = run(forwarding.take_forwarded_order, actor(w.mediator), order_id=order_id, reason="x")
    assert retry.version == 3  # created, forwarded, taken: the retry changed nothing
    with pytest.raises(InvalidState):
        run(forwarding.take_forwarded_order, actor(w.mediator2), order_id=order_id, reason="x")


def test_forwarding_notifies_the_jobcentre_mediators(w: World) -> None:
    order_id = new_order(actor(w.caseworker))
    _forward(w, order_id)  # eager Celery runs joborders.notify_forwarded after commit
    with db.unit_of_work() as s:
        notes = s.scalars(select(Notification).where(Notification.order_id == order_id)).all()
    assert {n.user_id for n in notes} == {w.mediator.id, w.mediator2.id, w.centre_admin.id}
    assert all("JobAG" in n.message for n in notes)


def test_notify_forwarded_task_is_idempotent(w: World) -> None:
    from services.joborders.tasks import notify_forwarded

    order_id = new_order(actor(w.caseworker))
    _forward(w, order_id)
    assert notify_forwarded.apply(args=[str(order_id)]).get() == 0
    with db.unit_of_work() as s:
        count = s.scalar(select(func.count()).where(Notification.order_id == order_id))
    assert count == 3


def test_forward_retried_ten_times_is_one_forward(app: FastAPI, w: World) -> None:
    from fastapi.testclient import TestClient

    system, key = system_actor(w.akasse)
    order_id = new_order(system, owner_email=w.caseworker.email)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "fwd-2026-11-22-0001"}
    body = {"reason": "Ingen egnede medlemmer", "jobcentre_id": str(w.centre)}
    client = TestClient(app, raise_server_exceptions=False)
    responses = [
        client.post(f"/api/orders/{order_id}/forward", json=body, headers=headers)
        for _ in range(10)
    ]
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["jobag_reference"] for r in responses}) == 1
    with db.unit_of_work() as s:
        forwards = s.scalar(
            select(func.count()).where(
                OrderEvent.order_id == order_id, OrderEvent.type == EventType.FORWARDED
            )
        )
        notes = s.scalar(select(func.count()).where(Notification.order_id == order_id))
    assert forwards == 1
    assert notes == 3


def test_system_client_creates_once_per_idempotency_key(app: FastAPI, w: World) -> None:
    from fastapi.testclient import TestClient

    _, key = system_actor(w.akasse)
    client = TestClient(app, raise_server_exceptions=False)
    body = order_data(owner_email=w.caseworker.email).model_dump(mode="json", exclude_none=True)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "order-77"}
    first = client.post("/api/orders", json=body, headers=headers)
    second = client.post("/api/orders", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert second.json()["id"] == first.json()["id"]
    changed = {**body, "title": "Lagermedarbejder"}
    reused = client.post("/api/orders", json=changed, headers=headers)
    assert reused.status_code == 409
    listed = client.get("/api/orders", headers={"Authorization": f"Bearer {key}"}).json()
    assert listed["total"] == 1


def test_concurrent_retries_of_one_forward_make_one_forward(w: World) -> None:
    import threading

    system, _ = system_actor(w.akasse)
    order_id = new_order(system, owner_email=w.caseworker.email)
    barrier = threading.Barrier(4)
    results: list[object] = []

    def forward() -> None:
        barrier.wait()
        try:
            order = run(
                forwarding.forward_order,
                system,
                order_id=order_id,
                reason="Ingen egnede medlemmer",
                jobcentre_id=w.centre,
                idempotency_key="fwd-race",
            )
            results.append(order.jobag_reference)
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=forward) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 4
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    with db.unit_of_work() as s:
        forwards = s.scalar(
            select(func.count()).where(
                OrderEvent.order_id == order_id, OrderEvent.type == EventType.FORWARDED
            )
        )
    assert forwards == 1


def test_racing_forwards_without_a_key_call_jobag_once(w: World) -> None:
    """Ten concurrent forwards of one order: one goes through, the rest hear it is done."""
    from concurrent.futures import ThreadPoolExecutor

    order_id = new_order(actor(w.caseworker))
    calls: list[uuid.UUID] = []

    class Slow(jobag.InProcessJobAg):
        def forward_order(self, **kw: object) -> str:  # type: ignore[override]
            import time

            calls.append(kw["order_id"])  # type: ignore[arg-type]
            time.sleep(0.05)  # widen the window in which a second forward could slip in
            return "JOBAG-1"

    def attempt(_: int) -> str:
        try:
            _forward(w, order_id)
            return "ok"
        except InvalidState:
            return "already"

    jobag.set_jobag(Slow())
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            outcomes = list(pool.map(attempt, range(10)))
    finally:
        jobag.set_jobag(None)
    assert sorted(outcomes) == ["already"] * 9 + ["ok"]
    assert calls == [order_id]
