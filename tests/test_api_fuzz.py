"""Schemathesis fuzzes every documented operation: no 5xx, responses match the spec."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from services.app import create
from shared.models import OrgKind
from tests import factories as f

schema = schemathesis.openapi.from_asgi("/openapi.json", create())


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
