"""The matching API: authentication, 422 problems, ingest, streaming bulk and search."""

from fastapi.testclient import TestClient

from services.matching.cvbank import service
from shared.models import OrgKind
from tests import factories
from tests.matching.conftest import cv_in

NDJSON = {"Content-Type": "application/x-ndjson"}


def _source(client: TestClient) -> dict[str, str]:
    jobcentre = factories.org(OrgKind.JOBCENTRE)
    return factories.bearer(factories.api_key(jobcentre))


def test_every_endpoint_needs_credentials(client: TestClient) -> None:
    assert client.post("/api/matching/search/text", json={"text": "kok"}).status_code == 401
    assert client.get("/api/matching/index").status_code == 401


def test_put_cv_then_read_and_search_it(client: TestClient) -> None:
    auth = _source(client)
    body = cv_in("api-1").model_dump(mode="json", exclude={"external_id"})
    r = client.put("/api/matching/cvs/by-external-id/api-1", json=body, headers=auth)
    assert r.status_code == 200, r.text
    cv_id = r.json()["id"]
    again = client.put("/api/matching/cvs/by-external-id/api-1", json=body, headers=auth)
    assert again.json() == {**r.json(), "created": False, "text_changed": False}
    assert client.get(f"/api/matching/cvs/{cv_id}", headers=auth).json()["external_id"] == "api-1"
    found = client.post(
        "/api/matching/search/order",
        json={"order": {"title": "lagermedarbejder", "postal_code": "8500"}, "limit": 5},
        headers=auth,
    )
    assert found.status_code == 200, found.text
    assert found.json()["items"][0]["cv"]["id"] == cv_id
    # Without a broker, embedding runs on a background thread after the request commits.
    service.drain_background()
    status = client.get("/api/matching/index", headers=auth).json()
    assert (status["cvs"], status["pending_cvs"], status["index_size"]) == (1, 0, 1)


def test_unknown_fields_and_bad_values_are_422_problems(client: TestClient) -> None:
    auth = _source(client)
    body = cv_in("api-2").model_dump(mode="json", exclude={"external_id"})
    r = client.put(
        "/api/matching/cvs/by-external-id/api-2", json={**body, "ssn": "x"}, headers=auth
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "ssn" in r.json()["detail"]
    r = client.put(
        "/api/matching/cvs/by-external-id/api-2",
        json={**body, "driving_licences": ["Z"]},
        headers=auth,
    )
    assert r.status_code == 422
    r = client.put(
        "/api/matching/cvs/by-external-id/api-2",
        json={**body, "searchable": "yes", "weekly_hours": "37"},
        headers=auth,
    )
    assert r.status_code == 422
    r = client.post(
        "/api/matching/search/order", json={"order": {"title": "x"}, "limit": 0}, headers=auth
    )
    assert r.status_code == 422


def test_bulk_ndjson_streams_and_reports_lines(client: TestClient) -> None:
    auth = _source(client)
    lines = [cv_in(f"bulk-{i}").model_dump_json() for i in range(3)]
    payload = "\n".join([lines[0], '{"external_id": "bad", "name": 5}', lines[1], lines[2]])

    def chunks():  # type: ignore[no-untyped-def]
        data = payload.encode()
        for i in range(0, len(data), 97):
            yield data[i : i + 97]

    r = client.post("/api/matching/cvs/bulk", content=chunks(), headers={**auth, **NDJSON})
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["created"], result["failed"]) == (3, 1)
    assert result["errors"][0]["line"] == 2
    assert result["errors"][0]["external_id"] == "bad"


def test_bulk_needs_ndjson(client: TestClient) -> None:
    auth = _source(client)
    r = client.post("/api/matching/cvs/bulk", json=[{}], headers=auth)
    assert r.status_code == 422


def test_akasse_key_cannot_write_cvs(client: TestClient) -> None:
    akasse = factories.org(OrgKind.AKASSE)
    auth = factories.bearer(factories.api_key(akasse))
    body = cv_in("api-3").model_dump(mode="json", exclude={"external_id"})
    r = client.put("/api/matching/cvs/by-external-id/api-3", json=body, headers=auth)
    assert r.status_code == 403


def test_dates_must_be_iso_strings_and_bulk_has_no_get(client: TestClient) -> None:
    auth = _source(client)
    body = cv_in("api-4").model_dump(mode="json", exclude={"external_id"})
    r = client.put(
        "/api/matching/cvs/by-external-id/api-4", json={**body, "available_from": 0}, headers=auth
    )
    assert r.status_code == 422
    assert client.get("/api/matching/cvs/bulk", headers=auth).status_code == 405


def test_search_results_carry_no_akasse_and_unknown_places_are_422(client: TestClient) -> None:
    auth = _source(client)
    akasse = factories.org(OrgKind.AKASSE)
    body = cv_in("api-2").model_dump(mode="json", exclude={"external_id"})
    body["case_facts"] = {"akasse_organisation_id": str(akasse.id)}
    r = client.put("/api/matching/cvs/by-external-id/api-2", json=body, headers=auth)
    assert r.status_code == 200, r.text
    found = client.post(
        "/api/matching/search/order",
        json={"order": {"title": "lagermedarbejder", "postal_code": "8500"}},
        headers=auth,
    )
    assert found.status_code == 200, found.text
    item = found.json()["items"][0]
    assert "akasse_organisation_id" not in item["cv"]
    assert str(akasse.id) not in found.text
    # The CV's own summary (a CV read, not a search result) still tells staff.
    summary = client.get(f"/api/matching/cvs/{item['cv']['id']}/summary", headers=auth)
    assert summary.json()["akasse_organisation_id"] == str(akasse.id)
    unknown = client.post(
        "/api/matching/search/text", json={"text": "lager", "postal_code": "0001"}, headers=auth
    )
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["postal_code"] == "0001"
    gibberish = client.post("/api/matching/search/text", json={"text": "asdfghjkl"}, headers=auth)
    assert gibberish.json() == {"total": 0, "items": [], "unmet_total": 0, "past_end": False}
