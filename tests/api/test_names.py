"""Consistent names: the new name works, the old one still does and is marked deprecated."""

from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from services.app import create
from services.matching.contract import OrderQuery
from tests.joborders.helpers import HttpAs, World, actor, new_order, world


@pytest.fixture
def w(database: str) -> World:
    return world()


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create().openapi()


def test_order_query_takes_the_orders_name_for_the_workplace_and_still_the_old_one(
    doc: dict[str, Any],
) -> None:
    new = OrderQuery.model_validate({"title": "Smed", "workplace_postal_code": "8500"})
    old = OrderQuery.model_validate({"title": "Smed", "postal_code": "8500"})
    assert new.postal_code == old.postal_code == "8500"
    with pytest.raises(ValidationError):
        OrderQuery.model_validate(
            {"title": "Smed", "workplace_postal_code": "8500", "postal_code": "8000"}
        )
    props = doc["components"]["schemas"]["OrderQuery"]["properties"]
    assert "deprecated" not in props["workplace_postal_code"]
    assert props["postal_code"]["deprecated"] is True
    order_props = doc["components"]["schemas"]["OrderCreate"]["properties"]
    assert "workplace_postal_code" in order_props


def test_owners_is_one_collection_to_read_and_to_change(
    app: FastAPI, w: World, doc: dict[str, Any]
) -> None:
    order_id = new_order(actor(w.mediator))
    http = HttpAs(app, w.mediator)
    body = {"new_owner_id": str(w.mediator2.id), "reason": "Ferie", "version": 1}
    r = http.post(f"/api/orders/{order_id}/owners", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["owner_user_id"] == str(w.mediator2.id)
    # The old path still answers, for clients generated before the rename.
    back = {"new_owner_id": str(w.mediator.id), "reason": "Tilbage", "version": 2}
    r = HttpAs(app, w.mediator2).post(f"/api/orders/{order_id}/owner", json=back)
    assert r.status_code == 200, r.text
    history = http.get(f"/api/orders/{order_id}/owners").json()["items"]
    assert [h["reason"] for h in history][-2:] == ["Ferie", "Tilbage"]
    paths = doc["paths"]
    assert paths["/api/orders/{order_id}/owners"]["post"]["operationId"] == "changeOwner"
    assert "deprecated" not in paths["/api/orders/{order_id}/owners"]["post"]
    assert paths["/api/orders/{order_id}/owner"]["post"]["deprecated"] is True


def test_offset_is_deprecated_where_a_cursor_replaces_it(doc: dict[str, Any]) -> None:
    for path in ("/api/orders", "/api/notifications"):
        params = {p["name"]: p for p in doc["paths"][path]["get"]["parameters"]}
        assert params["offset"]["deprecated"] is True
        assert "deprecated" not in params["cursor"]
