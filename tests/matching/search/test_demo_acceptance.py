"""Issue 11, "done when", through the API on the demo data: the demo's CVs (the first
`N_CVS` of `jobbro demo load`, same generator and seed) and the demo's own job orders.

- In the top 10 for the orders requiring licence D, licence C and a truck certificate,
  every candidate holds it.
- Gibberish and "asdfghjkl" return 0 results.
- No top-10 candidate is said to miss a requirement that appears verbatim in its CV.
"""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.demo.cv_generator import generate
from services.demo.orders import ORDERS, DemoOrder, _occupations
from services.matching.cvbank import service
from services.matching.cvbank.schemas import CvIn
from services.matching.search import synonyms
from services.matching.search.text_builder import cv_full_text
from shared.models import OrgKind
from tests import factories

# Enough of the demo bank that each of the three orders has holders within reach
# (the demo's drivers and warehouse workers are a few per hundred CVs).
N_CVS = 500
NDJSON = {"Content-Type": "application/x-ndjson"}


def _demo_order(title: str, **must: list[str]) -> DemoOrder:
    return next(
        o
        for o in ORDERS
        if o.title == title and all(set(v) <= set(getattr(o, k)) for k, v in must.items())
    )


def _query(spec: DemoOrder) -> dict[str, Any]:
    """The demo order as the job-order service sends it to matching."""
    return {
        "title": spec.title.capitalize(),
        "occupation_uri": _occupations().get(spec.title),
        "description": f"Du skal have erfaring med {', '.join(spec.skills)}.",
        "skills": spec.skills,
        "certificates": spec.certificates,
        "driving_licences": spec.licences,
        "education": spec.education,
        "weekly_hours": spec.hours,
        "postal_code": spec.postal_code,
    }


@pytest.fixture
def demo_bank(client: TestClient) -> tuple[dict[str, str], dict[str, CvIn]]:
    auth = factories.bearer(factories.api_key(factories.org(OrgKind.JOBCENTRE)))
    cvs = [CvIn.model_validate(d.data) for d in generate(N_CVS, seed=7)]
    body = "\n".join(json.dumps(cv.model_dump(mode="json"), ensure_ascii=False) for cv in cvs)
    r = client.post("/api/matching/cvs/bulk", content=body.encode(), headers={**auth, **NDJSON})
    assert r.status_code == 200, r.text
    service.drain_background()  # embed them: the floor reads the embedding too
    return auth, {cv.external_id: cv for cv in cvs}


def _top10(client: TestClient, auth: dict[str, str], order: dict[str, Any]) -> list[Any]:
    r = client.post("/api/matching/search/order", json={"order": order, "limit": 10}, headers=auth)
    assert r.status_code == 200, r.text
    return r.json()["items"]


# The demo orders requiring a licence or certificate, and who holds it.
HARD = [
    ("buschauffør", {"licences": ["D"]}, lambda cv: "D" in cv.driving_licences),
    ("lastbilchauffør", {"licences": ["C"]}, lambda cv: "C" in cv.driving_licences),
    (
        "lagermedarbejder",
        {"certificates": ["truckcertifikat B"]},
        lambda cv: any(synonyms.certificate_matches(c, "truckcertifikat B")
                       for c in cv.certificates),
    ),
]  # fmt: skip


def _falsely_missing(order: dict[str, Any], item: dict[str, Any], cv: CvIn) -> list[str]:
    """Requirements said to be missing although the CV states them word for word."""
    text = cv_full_text(cv).lower()
    wanted = order["skills"] + order["certificates"] + order["education"]
    return [w for w in wanted if w in item["missing"] and w.lower() in text]


def test_demo_orders_and_gibberish_through_the_api(
    client: TestClient, demo_bank: tuple[dict[str, str], dict[str, CvIn]]
) -> None:
    # One bank for every check: ingesting and embedding it is the slow part.
    auth, cvs = demo_bank
    for title, must, holds in HARD:
        order = _query(_demo_order(title, **must))
        items = _top10(client, auth, order)
        assert items, f"{title}: no demo CV within reach holds it; the check would be empty"
        for item in items:
            cv = cvs[item["cv"]["external_id"]]
            assert holds(cv), (title, item["cv"]["headline"], cv.driving_licences, cv.certificates)
    for spec in ORDERS:
        order = _query(spec)
        for item in _top10(client, auth, order):
            false = _falsely_missing(order, item, cvs[item["cv"]["external_id"]])
            assert not false, (spec.title, item["cv"]["headline"], false)
    for text in ("xkcd qwzzv blørp", "asdfghjkl"):
        r = client.post("/api/matching/search/text", json={"text": text}, headers=auth)
        assert r.status_code == 200, r.text
        assert (r.json()["total"], r.json()["items"]) == (0, []), text
