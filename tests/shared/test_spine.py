"""Health checks, problem details, settings and send-after-commit."""

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from shared.auth import CurrentActor, SessionDep
from shared.errors import Conflict
from shared.settings import Settings
from shared.tasks import celery_app, send_after_commit
from shared.web import create_app
from tests import factories as f

ran: list[str] = []


@celery_app.task(name="tests.record")
def record_task(value: str) -> None:
    ran.append(value)


class Body(BaseModel):
    name: str
    count: int


probe = APIRouter(prefix="/api/probe")


@probe.post("/commit")
def commit_route(body: Body, session: SessionDep, actor: CurrentActor) -> dict[str, str]:
    send_after_commit(session, "tests.record", body.name)
    return {"ok": "yes"}


@probe.post("/fail")
def failing_route(body: Body, session: SessionDep, actor: CurrentActor) -> dict[str, str]:
    send_after_commit(session, "tests.record", body.name)
    raise Conflict("this request fails after queueing a task")


@pytest.fixture
def probe_client(database: str) -> TestClient:
    return TestClient(create_app("probe", "test", [probe]), raise_server_exceptions=False)


def test_healthz_needs_no_credentials(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_the_database(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"]["database"] == "ok"


def test_request_id_is_echoed(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"


def test_task_is_sent_after_commit(probe_client: TestClient) -> None:
    key = f.api_key(f.org())
    ran.clear()
    r = probe_client.post(
        "/api/probe/commit", json={"name": "sent", "count": 1}, headers=f.bearer(key)
    )
    assert r.status_code == 200
    assert ran == ["sent"]


def test_rolled_back_request_sends_no_task(probe_client: TestClient) -> None:
    key = f.api_key(f.org())
    ran.clear()
    r = probe_client.post(
        "/api/probe/fail", json={"name": "lost", "count": 1}, headers=f.bearer(key)
    )
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert ran == []


def test_validation_errors_are_problem_json(probe_client: TestClient) -> None:
    key = f.api_key(f.org())
    r = probe_client.post(
        "/api/probe/commit", json={"name": "x", "count": "many"}, headers=f.bearer(key)
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["loc"] == ["body", "count"]


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_default_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError):
        Settings(env="production")
    assert Settings(env="production", secret_key="x" * 40).env == "production"


def test_openapi_declares_problem_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/api/me"]["get"]["responses"]
    assert "application/problem+json" in responses["401"]["content"]
