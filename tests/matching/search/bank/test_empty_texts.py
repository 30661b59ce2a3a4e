"""A bank whose CVs hold no titles or skills still answers searches (was a 500)."""

from fastapi.testclient import TestClient

from services.matching.cvbank import service
from shared.models import OrgKind
from tests import factories


def test_search_over_a_bank_of_name_only_cvs_answers_empty_not_500(client: TestClient) -> None:
    auth = factories.bearer(factories.api_key(factories.org(OrgKind.JOBCENTRE)))
    r = client.put("/api/matching/cvs/by-external-id/only-a-name", json={"name": "A"}, headers=auth)
    assert r.status_code == 200, r.text
    found = client.post(
        "/api/matching/search/text",
        json={"text": "0", "postal_code": "8500", "offset": 9999, "limit": 20},
        headers=auth,
    )
    assert found.status_code == 200, found.text
    assert found.json()["items"] == []
    service.drain_background()
