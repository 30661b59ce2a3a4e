"""Schemathesis fuzzes every documented operation: no 5xx, responses match the spec."""

import json
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks

from services.app import create
from services.matching.occupations import normalize
from services.matching.occupations.data import load_occupations
from shared.models import OrgKind, Role
from tests import factories as f


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: Any, value: Any) -> dict[str, bytes]:
    """Send generated NDJSON bodies as one JSON document a line."""
    if isinstance(value, bytes):
        return {"data": value}
    if isinstance(value, str):
        return {"data": value.encode()}
    items = value if isinstance(value, list) else [value]
    return {"data": "\n".join(json.dumps(item) for item in items).encode()}


APP = create()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(autouse=True, scope="module")
def lexical_normalizer() -> Iterator[None]:
    """Without a warm label cache, title normalisation would embed 43k labels in a request."""
    if normalize._normalizer is not None:
        yield
        return
    normalize.set_normalizer(normalize.TitleNormalizer(load_occupations()))
    yield
    normalize.set_normalizer(None)


CASES = {"total": 0}


@pytest.fixture(autouse=True, scope="module")
def case_count() -> Iterator[None]:
    """Print how many generated requests the run sent (shown with -s)."""
    yield
    print(f"\nschemathesis: {CASES['total']} generated requests")


@pytest.fixture(params=[OrgKind.JOBCENTRE, OrgKind.AKASSE], ids=["jobcentre", "akasse"])
def caller(request: pytest.FixtureRequest, database: str) -> tuple[str, dict[str, str]]:
    """A system key of a jobcentre or an a-kasse, and ids that exist in its world."""
    org = f.org(request.param)
    owner = f.user(org, Role.MEDIATOR if request.param is OrgKind.JOBCENTRE else Role.CASEWORKER)
    key = f.api_key(org)
    headers = f.bearer(key)
    client = TestClient(APP)
    order = client.post(
        "/api/orders",
        json={"employer_name": "Fuzz A/S", "title": "Lagermedarbejder", "owner_email": owner.email},
        headers=headers,
    )
    assert order.status_code == 201, order.text
    cv = client.put(
        "/api/matching/cvs/by-external-id/fuzz-1", json={"name": "Fuzz Hansen"}, headers=headers
    )
    seeds = {"order_id": order.json()["id"], "external_id": "fuzz-1"}
    if cv.status_code == 200:
        seeds["cv_id"] = cv.json()["id"]
    return key, seeds


@schema.parametrize()
# Five per operation and caller (hypothesis adds its explicit and boundary examples):
# a few thousand requests in a few minutes of the CI budget.
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_generated_input(case: Any, caller: tuple[str, dict[str, str]]) -> None:
    key, seeds = caller
    # Half the cases reach a resource that exists, so deeper code runs, not only 404s.
    params = case.path_parameters or {}
    if zlib.crc32(repr(sorted(params.items())).encode()) % 2 == 0:
        for name in params:
            if name in seeds:
                params[name] = seeds[name]
    CASES["total"] += 1
    # Business rules beyond JSON Schema (a hire needs a start date, a period is at most ten
    # years) answer 4xx to schema-valid input by design, so that check is left out.
    # The key goes into the case itself (not only the request), so schemathesis re-checks
    # what the case still holds: a "negative" case whose bad header or path id we replaced
    # is no longer negative, and a 200 to it is no failure.
    # Passed to the call as well, so schemathesis knows it is ours, not generated.
    auth = {"Authorization": f"Bearer {key}"}
    case.headers = {**(case.headers or {}), **auth}
    case.call_and_validate(headers=auth, excluded_checks=[checks.positive_data_acceptance])
