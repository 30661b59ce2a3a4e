"""The OpenAPI document says what the server does: security, problems, headers, names."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from services.app import create as create_all
from services.joborders.app import create as create_joborders
from services.joborders.models import EventType, OrderStatus
from services.joborders.policy import actions
from services.matching.app import create as create_matching
from shared import openapi
from shared.errors import PROBLEM_JSON, problem_kinds

REPO = Path(__file__).resolve().parents[2]
# The linter, at the exact version its package.json pins, from the npm registry into this
# directory (`make test` installs it; the test does when it is missing).
LINTER_DIR = Path(__file__).resolve().parent / "openapi-lint"

APPS = {"all": create_all, "joborders": create_joborders, "matching": create_matching}


@pytest.fixture(scope="module", params=sorted(APPS))
def app(request: pytest.FixtureRequest) -> FastAPI:
    return APPS[request.param]()


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create_all().openapi()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items()]


def test_every_api_route_has_a_deliberate_short_name_and_one_tag(app: FastAPI) -> None:
    doc = app.openapi()
    tags = {t["name"] for t in doc["tags"]}
    ids = [op["operationId"] for _, _, op in _operations(doc)]
    assert len(ids) == len(set(ids))
    for method, path, op in _operations(doc):
        assert f"{method.upper()} {path}" in openapi.OPERATIONS, f"name {method} {path}"
        assert re.fullmatch(r"[a-z][A-Za-z]{2,39}", op["operationId"]), op["operationId"]
        assert len(op["tags"]) == 1
        assert op["tags"][0] in tags
    routes = {
        f"{m} {r.path}" for r in app.routes if isinstance(r, APIRoute) for m in r.methods or ()
    }
    documented = {f"{m.upper()} {p}" for m, p, _ in _operations(doc)}
    assert routes <= documented | {k for k in routes if not k.split(" ")[1].startswith("/")}


def test_api_operations_need_credentials_and_health_checks_do_not(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes[openapi.BEARER]["scheme"] == "bearer"
    assert schemes[openapi.COOKIE] == {**schemes[openapi.COOKIE], "in": "cookie"}
    for _, path, op in _operations(doc):
        if path.startswith("/api/"):
            assert op["security"] == openapi.API_SECURITY, path
            assert "401" in op["responses"], path
        else:
            assert op["security"] == [], path
            assert "401" not in op["responses"], path


def test_errors_are_problem_json_and_only_where_they_can_happen(doc: dict[str, Any]) -> None:
    for method, path, op in _operations(doc):
        params = op.get("parameters", [])
        if_match = any(p["name"] == "If-Match" for p in params)
        for status, response in op["responses"].items():
            if status[0] in "45" and path.startswith("/api/"):
                media = response["content"]
                assert list(media) == [PROBLEM_JSON], (method, path, status)
                assert media[PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
                assert media[PROBLEM_JSON]["examples"]
        statuses = set(op["responses"])
        assert ("412" in statuses) == if_match, (method, path)
        assert ("404" in statuses) >= ("{" in path and method != "put"), (method, path)
        if not params and "requestBody" not in op:
            assert "422" not in statuses, (method, path)
    me = doc["paths"]["/api/me"]["get"]["responses"]
    assert set(me) == {"200", "401"}
    assert "503" in doc["paths"]["/api/orders/{order_id}/matches"]["get"]["responses"]
    assert "503" in doc["paths"]["/readyz"]["get"]["responses"]
    problem = doc["components"]["schemas"]["Problem"]["properties"]
    for member in ("errors", "current_version", "current_status", "candidate_id", "field",
                   "request_id", "idempotency_key"):  # fmt: skip
        assert problem[member]["description"], member


def test_each_kind_of_problem_has_its_own_type_listed_in_the_docs(doc: dict[str, Any]) -> None:
    kinds = problem_kinds()
    uris = [k.type_uri() for k in kinds]
    assert len(uris) == len(set(uris))
    assert "https://jobbro.dk/problems/idempotency-key-reused" in uris
    assert "https://jobbro.dk/problems/duplicate-candidate" in uris
    guide = (REPO / "docs" / "integration.md").read_text("utf-8")
    for uri in uris:
        assert uri in guide, uri
        assert uri in doc["info"]["description"], uri
    propose = doc["paths"]["/api/orders/{order_id}/candidates"]["post"]["responses"]["409"]
    examples = propose["content"][PROBLEM_JSON]["examples"]
    assert {"duplicate-candidate", "idempotency-key-reused", "invalid-state"} <= set(examples)


def test_headers_are_declared_and_plain_strings(doc: dict[str, Any]) -> None:
    create = doc["paths"]["/api/orders"]["post"]
    assert set(create["responses"]["201"]["headers"]) == {"ETag", "Location"}
    assert "ETag" in doc["paths"]["/api/orders/{order_id}"]["get"]["responses"]["200"]["headers"]
    for _, path, op in _operations(doc):
        for param in op.get("parameters", []):
            if param["in"] == "header":
                assert "anyOf" not in param["schema"], (path, param["name"])
                assert param["schema"]["type"] == "string"


def test_payloads_an_akasse_reads_are_typed(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert schemas["MatchesOut"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/RankedCandidate"
    }
    log = schemas["LogEvent"]
    assert log["discriminator"]["propertyName"] == "type"
    assert set(log["discriminator"]["mapping"]) == {t.value for t in EventType}
    for ref in log["oneOf"]:
        event = schemas[ref["$ref"].rsplit("/", 1)[1]]
        assert event["properties"]["data"]["$ref"], ref
    assert schemas["IndexStatus"]["properties"]["meta"] == {
        "$ref": "#/components/schemas/IndexMeta"
    }
    ready = doc["paths"]["/readyz"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ready["schema"] == {"$ref": "#/components/schemas/Readiness"}


def test_closed_value_sets_are_enums_that_match_the_code(doc: dict[str, Any]) -> None:
    assert set(openapi.ORDER_STATUSES) == {s.value for s in OrderStatus}
    source = Path(actions.__file__).read_text("utf-8")
    emitted = set(re.findall(r'actions\.(?:append|extend)\(\[?"([a-z_]+)"', source))
    emitted |= set(re.findall(r'"([a-z_]+)"\]\)', source))
    assert emitted <= set(openapi.ORDER_ACTIONS) | set(openapi.CANDIDATE_ACTIONS)
    schemas = doc["components"]["schemas"]
    assert schemas["Me"]["properties"]["kind"]["enum"] == ["user", "api_key"]
    assert schemas["CandidateOut"]["properties"]["allowed_actions"]["items"]["enum"]
    assert schemas["AllowedActions"]["properties"]["order"]["items"]["enum"]


def test_main_request_bodies_have_examples_and_the_document_has_contact(
    doc: dict[str, Any],
) -> None:
    for key in ("POST /api/orders", "POST /api/orders/{order_id}/forward",
                "POST /api/orders/{order_id}/candidates"):  # fmt: skip
        method, path = key.split(" ")
        body = doc["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]
        assert body["example"], key
    assert doc["servers"][0]["url"] == "/"
    assert doc["info"]["contact"]["url"]
    assert doc["info"]["license"]["name"]


def test_the_document_passes_redocly_recommended_rules(doc: dict[str, Any], tmp_path: Path) -> None:
    cli = LINTER_DIR / "node_modules" / ".bin" / "redocly"
    if not cli.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: the OpenAPI linter comes from the npm registry")
        installed = subprocess.run(
            [npm, "install", "--prefix", str(LINTER_DIR), "--no-audit", "--no-fund",
             "--no-package-lock", "--loglevel=error"],
            capture_output=True,
            text=True,
            timeout=600,
        )  # fmt: skip
        if installed.returncode != 0 or not cli.exists():
            pytest.skip(f"the npm registry did not give the linter: {installed.stderr[-500:]}")
    pinned = json.loads((LINTER_DIR / "package.json").read_text())["dependencies"]
    version = json.loads(
        (LINTER_DIR / "node_modules" / "@redocly" / "cli" / "package.json").read_text()
    )["version"]
    assert version == pinned["@redocly/cli"], "run `make openapi-linter` after changing the pin"
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(doc), "utf-8")
    result = subprocess.run(
        [str(cli), "lint", f"--config={LINTER_DIR / 'redocly.yaml'}", "--format=json", str(spec)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    report = json.loads(result.stdout)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert errors == [], json.dumps(errors, indent=1)[:3000]
    assert report["totals"]["errors"] == 0


def test_webhook_deliveries_and_the_ndjson_bulk_are_described(doc: dict[str, Any]) -> None:
    hook = doc["webhooks"]["orderEvent"]["post"]
    body = hook["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/WebhookPayload"}
    payload = doc["components"]["schemas"]["WebhookPayload"]
    assert doc["components"]["schemas"]["WebhookEvent"]["enum"] == [
        "order.taken", "candidate.referred", "candidate.hired", "order.closed",
        "order.forward_refused",
    ]  # fmt: skip
    assert set(payload["required"]) == {"type", "timestamp", "data"}
    headers = {p["name"] for p in hook["parameters"]}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    created = doc["paths"]["/api/webhooks"]["post"]["responses"]["201"]
    assert "Location" in created["headers"]
    assert "secret" in doc["components"]["schemas"]["SubscriptionCreated"]["properties"]
    assert "secret" not in doc["components"]["schemas"]["SubscriptionOut"]["properties"]
    bulk = doc["paths"]["/api/matching/cvs/bulk"]["post"]["requestBody"]["content"]
    lines = bulk["application/x-ndjson"]["example"].splitlines()
    assert all("external_id" in json.loads(line) for line in lines)
    assert "webhooks" not in create_matching().openapi()


def test_every_list_an_integrator_reads_pages_by_cursor(doc: dict[str, Any]) -> None:
    for path in ("/api/orders", "/api/orders/{order_id}/log", "/api/orders/{order_id}/candidates",
                 "/api/orders/{order_id}/shares", "/api/orders/{order_id}/owners",
                 "/api/notifications",
                 "/api/webhooks/{subscription_id}/deliveries"):  # fmt: skip
        operation = doc["paths"][path]["get"]
        assert "cursor" in {p["name"] for p in operation["parameters"]}, path
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert {"items", "next_cursor", "next"} <= set(page["required"]), path
