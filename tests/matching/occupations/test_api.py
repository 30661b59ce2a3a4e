"""GET /api/occupations/normalize: authenticated, ranked occupations with ISCO groups."""

import pytest
from fastapi.testclient import TestClient

from services.matching.occupations.normalize import TitleNormalizer
from shared.models import OrgKind
from tests import factories as f

pytestmark = pytest.mark.slow


def test_normalize_requires_authentication(client: TestClient) -> None:
    r = client.get("/api/occupations/normalize", params={"title": "tømrer"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


def test_normalize_returns_ranked_occupations(
    client: TestClient, normalizer: TitleNormalizer
) -> None:
    key = f.api_key(f.org(OrgKind.AKASSE))
    r = client.get(
        "/api/occupations/normalize",
        params={"title": "buschauffør", "k": 3},
        headers=f.bearer(key),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"] == "buschauffør"
    assert len(body["results"]) == 3
    top = body["results"][0]
    assert set(top) == {"uri", "label", "isco_group", "score", "matched_label"}
    assert top["label"] == "buschauffør"
    assert top["isco_group"] == "8331"
    assert top["uri"].startswith("http://data.europa.eu/esco/occupation/")


def test_normalize_refuses_k_out_of_range(client: TestClient) -> None:
    key = f.api_key(f.org(OrgKind.AKASSE))
    r = client.get(
        "/api/occupations/normalize",
        params={"title": "tømrer", "k": 500},
        headers=f.bearer(key),
    )
    assert r.status_code == 422


def test_occupation_by_uri_404_for_unknown(client: TestClient) -> None:
    key = f.api_key(f.org(OrgKind.AKASSE))
    r = client.get(
        "/api/occupations/by-uri", params={"uri": "http://x/none"}, headers=f.bearer(key)
    )
    assert r.status_code == 404
