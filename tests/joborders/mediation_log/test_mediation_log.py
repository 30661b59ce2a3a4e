"""The mediation log: append-only rows, read back in order."""

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update
from sqlalchemy.exc import DatabaseError

from services.joborders.models import OrderEvent, OwnerChange
from shared import db
from tests.joborders.helpers import HttpAs, World, actor, new_order

LONG_AGO = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_mediation_log_rows_cannot_be_changed_or_deleted(w: World) -> None:
    new_order(actor(w.mediator))
    with pytest.raises(DatabaseError), db.unit_of_work() as s:
        s.execute(update(OrderEvent).values(actor_name="tampered"))
    with pytest.raises(DatabaseError), db.unit_of_work() as s:
        s.execute(delete(OwnerChange))


def test_api_returns_the_log_in_order_with_actor_and_organisation(app: FastAPI, w: World) -> None:
    order_id = new_order(actor(w.mediator))
    http = HttpAs(app, w.mediator)
    http.patch(f"/api/orders/{order_id}", json={"positions": 3, "version": 1})
    http.post(f"/api/orders/{order_id}/status", json={"status": "inactivated", "version": 2})
    log = http.get(f"/api/orders/{order_id}/log").json()["items"]
    assert [(e["seq"], e["type"]) for e in log] == [
        (1, "created"),
        (2, "updated"),
        (3, "status_changed"),
    ]
    assert {(e["actor_id"], e["organisation_id"]) for e in log} == {
        (str(w.mediator.id), str(w.centre))
    }
