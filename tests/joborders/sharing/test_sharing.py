"""Sharing an order with a-kasser: who shares, what they see, and the system API's view."""

import pytest
from fastapi import FastAPI

from services.joborders.mediation_log.service import mediation_log
from services.joborders.models import EventType
from services.joborders.orders import service as orders
from services.joborders.sharing import service as sharing
from shared.errors import Forbidden, ValidationFailed
from tests.joborders.helpers import (
    World,
    actor,
    new_order,
    run,
    system_actor,
)


def test_jobcentre_shares_with_akasser_without_moving_ownership(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    shares = run(
        sharing.share_order,
        actor(w.mediator2),
        order_id=order_id,
        organisation_ids=[w.akasse, w.akasse2, w.akasse],
    )
    assert {s.organisation_id for s in shares} == {w.akasse, w.akasse2}
    again = run(
        sharing.share_order, actor(w.mediator), order_id=order_id, organisation_ids=[w.akasse]
    )
    assert len(again) == 2
    order = run(orders.read_order, actor(w.caseworker), order_id=order_id)
    assert order.owner_user_id == w.mediator.id
    shared, _ = run(
        orders.list_orders, actor(w.caseworker), filters=orders.OrderFilter(view="shared")
    )
    assert [o.id for o in shared] == [order_id]
    log = run(mediation_log, actor(w.mediator), order_id=order_id)
    assert [e.type for e in log].count(EventType.SHARED) == 2


def test_sharing_is_a_mediation_action_for_processing_time(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    run(sharing.share_order, actor(w.mediator), order_id=order_id, organisation_ids=[w.akasse])
    assert run(orders.read_order, actor(w.mediator), order_id=order_id).first_action_at is not None


def test_akasse_cannot_share_and_jobcentre_shares_only_with_akasser(w: World) -> None:
    akasse_order = new_order(actor(w.caseworker))
    with pytest.raises(Forbidden):
        run(
            sharing.share_order,
            actor(w.caseworker),
            order_id=akasse_order,
            organisation_ids=[w.akasse2],
        )
    centre_order = new_order(actor(w.mediator))
    with pytest.raises(ValidationFailed):
        run(
            sharing.share_order,
            actor(w.mediator),
            order_id=centre_order,
            organisation_ids=[w.other_centre],
        )


def test_system_client_lists_orders_shared_with_it_and_their_status(app: FastAPI, w: World) -> None:
    from fastapi.testclient import TestClient

    order_id = new_order(actor(w.mediator))
    new_order(actor(w.mediator), title="Ikke delt")
    run(sharing.share_order, actor(w.mediator), order_id=order_id, organisation_ids=[w.akasse])
    _, key = system_actor(w.akasse)
    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/api/orders?view=shared", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200
    assert [(o["id"], o["status"]) for o in r.json()["items"]] == [(str(order_id), "in_process")]


def test_shared_akasse_sees_the_employer_but_not_the_contact_person(app: FastAPI, w: World) -> None:
    from tests.joborders.helpers import HttpAs

    order_id = new_order(actor(w.mediator))
    run(sharing.share_order, actor(w.mediator), order_id=order_id, organisation_ids=[w.akasse])
    seen = HttpAs(app, w.caseworker).get(f"/api/orders/{order_id}").json()
    assert seen["employer_name"] == "Grenaa Havn A/S"
    assert (seen["contact_name"], seen["contact_email"], seen["contact_phone"]) == (None,) * 3
    holder = HttpAs(app, w.mediator2).get(f"/api/orders/{order_id}").json()
    assert holder["contact_name"] == "Karin Holm"


def test_sharing_again_and_racing_shares_call_jobag_once_per_akasse(w: World) -> None:
    """Re-sharing answers the current shares; ten concurrent shares are no server errors."""
    from concurrent.futures import ThreadPoolExecutor

    from services.joborders.forwarding import jobag

    order_id = new_order(actor(w.mediator))
    calls: list[str] = []

    class Counting(jobag.InProcessJobAg):
        def share_order(self, **kw: object) -> str:  # type: ignore[override]
            calls.append(str(kw["to_organisation"]))
            return "JOBAG-S"

    def attempt(_: int) -> int:
        shares = run(
            sharing.share_order,
            actor(w.mediator),
            order_id=order_id,
            organisation_ids=[w.akasse, w.akasse2],
        )
        return len(shares)

    jobag.set_jobag(Counting())
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            sizes = list(pool.map(attempt, range(10)))
        # Already shared: the stored shares (read back from the database) come back.
        assert attempt(0) == 2
    finally:
        jobag.set_jobag(None)
    assert sizes == [2] * 10
    assert sorted(calls) == sorted(calls[:2])
    assert len(calls) == 2
