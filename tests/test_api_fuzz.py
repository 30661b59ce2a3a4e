"""Schemathesis fuzzes every documented operation: no 5xx, responses match the spec."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from services.app import create
from services.matching.occupations import normalize
from services.matching.occupations.data import load_occupations
from shared.models import OrgKind
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


schema = schemathesis.openapi.from_asgi("/openapi.json", create())


@pytest.fixture(autouse=True, scope="module")
def lexical_normalizer() -> Iterator[None]:
    """Without a warm label cache, title normalisation would embed 43k labels in a request."""
    if normalize._normalizer is not None:
        yield
        return
    normalize.set_normalizer(normalize.TitleNormalizer(load_occupations()))
    yield
    normalize.set_normalizer(None)


@pytest.fixture
def api_key(database: str) -> str:
    return f.api_key(f.org(OrgKind.JOBCENTRE))


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_generated_input(case: Any, api_key: str) -> None:
    # Business rules beyond JSON Schema (a hire needs a start date, a period is at most ten
    # years) answer 4xx to schema-valid input by design, so that check is left out.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}"},
        excluded_checks=[checks.positive_data_acceptance],
    )
