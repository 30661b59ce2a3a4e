"""Bad input gets a clear 4xx, never a 5xx and never silent junk."""

from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.joborders.models import JobOrder
from shared import db
from shared.models import OrgKind, Role
from shared.web import create_app
from tests import factories

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
def system(client: TestClient) -> tuple[dict[str, str], str]:
    centre = factories.org(OrgKind.JOBCENTRE)
    owner = factories.user(centre, Role.MEDIATOR)
    return factories.bearer(factories.api_key(centre)), owner.email


def _order(owner: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employer_name": "Grenaa Havn A/S",
        "title": "Truckfører",
        "driving_licences": ["b"],
        "languages": ["dansk"],
        "certificates": ["Truckcertifikat B"],
        "positions": 2,
        "owner_email": owner,
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    "junk",
    [
        {"driving_licences": ["XYZ"]},
        {"languages": ["<script>"]},
        {"languages": ["42"]},
        {"certificates": ["linje\nto"]},
        {"positions": True},
        {"positions": "2"},
        {"occupation_uri": "javascript:alert(1)"},
        {"occupation_uri": "data:text/html,x"},
        {"title": "Truck\u0000fører"},
        {"employer_name": "Havn\u0000"},
    ],
)
def test_junk_in_an_order_is_a_422_and_stores_nothing(
    client: TestClient, system: tuple[dict[str, str], str], junk: dict[str, Any]
) -> None:
    auth, owner = system
    r = client.post("/api/orders", json=_order(owner, **junk), headers=auth)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    with db.unit_of_work() as s:
        assert s.scalars(select(JobOrder)).first() is None


def test_a_valid_order_keeps_its_licences_normalised_and_its_matches_page_answers(
    client: TestClient, system: tuple[dict[str, str], str]
) -> None:
    auth, owner = system
    uri = "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"
    r = client.post("/api/orders", json=_order(owner, occupation_uri=uri), headers=auth)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["driving_licences"] == ["B"]
    assert order["received_at"].endswith(("+00:00", "Z"))
    read = client.get(f"/api/orders/{order['id']}", headers=auth).json()
    # Read back from the database: SQLite keeps no zone, the API still carries one.
    assert read["received_at"].endswith(("+00:00", "Z"))
    assert read["created_at"].endswith(("+00:00", "Z")) if "created_at" in read else True


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_dates_at_the_ends_of_the_calendar_are_refused(
    client: TestClient, system: tuple[dict[str, str], str], year: str
) -> None:
    auth, _ = system
    r = client.get(
        "/api/indicators/orders",
        params={"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"},
        headers=auth,
    )
    assert r.status_code == 422, r.text
    cv = {"name": "Ea", "available_from": f"{year}-01-01"}
    r = client.put("/api/matching/cvs/by-external-id/y-1", json=cv, headers=auth)
    assert r.status_code == 422, r.text


def test_a_nul_in_a_cv_or_a_search_is_a_422(
    client: TestClient, system: tuple[dict[str, str], str]
) -> None:
    auth, _ = system
    r = client.put("/api/matching/cvs/by-external-id/n-1", json={"name": "E\u0000a"}, headers=auth)
    assert r.status_code == 422, r.text
    assert client.get("/api/orders", params={"q": "\x00"}, headers=auth).status_code < 500


def test_one_line_nested_too_deep_fails_that_line_only(
    client: TestClient, system: tuple[dict[str, str], str]
) -> None:
    auth, _ = system
    deep = "[" * 90_000 + "]" * 90_000
    good = '{"external_id": "deep-ok", "name": "Ea Holm"}'
    payload = "\n".join([good, deep, '{"external_id": "deep-ok2", "name": "Bo"}']).encode()
    r = client.post("/api/matching/cvs/bulk", content=payload, headers={**auth, **NDJSON})
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["created"], result["failed"]) == (2, 1)
    assert result["errors"][0]["line"] == 2


def test_a_server_error_carries_the_request_id_and_a_405_its_allow_header(
    database: str,
) -> None:
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    app = create_app("t", "d", [router])
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom", headers={"X-Request-ID": "req-4711"})
        assert r.status_code == 500
        assert r.json()["request_id"] == "req-4711"
        assert r.headers["X-Request-ID"] == "req-4711"
        r = c.delete("/healthz")
        assert r.status_code == 405
        assert r.headers["Allow"] == "GET"
