"""API keys: scopes decide what a system may call, keys expire and record their last use."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from services.cli import app as cli
from shared import db
from shared.db import utcnow
from shared.identity.service import create_api_key
from shared.models import ApiKey, AuditEvent, Organisation, OrgKind, Outcome, Role
from tests import factories as f

CV_PUT = "/api/matching/cvs/by-external-id/scope-test"
INDICATORS = "/api/indicators/orders?date_from=2025-01-01&date_to=2025-12-31"


def _key(org: f.Org, *scopes: str, days: int | None = None) -> str:
    with db.unit_of_work() as s:
        o = s.get(Organisation, org.id)
        assert o is not None
        _, plain = create_api_key(s, organisation=o, name="t", scopes=scopes, expires_in_days=days)
        return plain


def _row(plain: str) -> ApiKey:
    prefix = plain.removeprefix("jb_").partition("_")[0]
    with db.unit_of_work() as s:
        key = s.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert key is not None
        return key


def test_only_a_cv_source_key_writes_cvs(client: TestClient) -> None:
    centre = f.org(OrgKind.JOBCENTRE)
    orders_key = _key(centre, "orders", "cvs:read")
    for method in ("put", "delete"):
        r = client.request(method.upper(), CV_PUT, json={}, headers=f.bearer(orders_key))
        assert r.status_code == 403, r.text
        assert "cv-source" in r.json()["detail"]
    bulk = client.post("/api/matching/cvs/bulk", content=b"", headers=f.bearer(orders_key))
    assert bulk.status_code == 403
    # The CV source's key passes the gate (the CV is unknown, so the delete is a 404).
    source = _key(centre, "cv-source")
    assert client.delete(CV_PUT, headers=f.bearer(source)).status_code == 404
    with db.unit_of_work() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.outcome == Outcome.DENY)).all()
    assert len(denied) == 3


def test_administrators_no_longer_write_cvs(client: TestClient) -> None:
    admin = f.user(f.org(OrgKind.JOBCENTRE), Role.ADMINISTRATOR)
    f.login(client, admin)
    r = client.delete(CV_PUT, headers={"X-CSRF-Token": f._csrf(client)})
    assert r.status_code == 403
    assert "CV source" in r.json()["detail"]


def test_scopes_confine_each_key_to_its_part_of_the_api(client: TestClient) -> None:
    akasse = f.org(OrgKind.AKASSE)
    stats = f.bearer(_key(akasse, "statistics:read"))
    assert client.get(INDICATORS, headers=stats).status_code == 200
    assert client.get("/api/orders", headers=stats).status_code == 403
    assert (
        client.post("/api/matching/search/text", json={"text": "kok"}, headers=stats).status_code
        == 403
    )
    orders = f.bearer(_key(akasse, "orders"))
    assert client.get("/api/orders", headers=orders).status_code == 200
    assert client.get(INDICATORS, headers=orders).status_code == 403
    # Who am I works for any key; the audit log and the web pages are for people.
    assert client.get("/api/me", headers=stats).json()["kind"] == "api_key"
    assert client.get("/api/audit", headers=orders).status_code == 403
    assert client.get("/jobordrer", headers=orders).status_code == 403


def test_only_a_jobcentre_key_can_be_a_cv_source(client: TestClient) -> None:
    admin = f.user(f.org(OrgKind.AKASSE), Role.ADMINISTRATOR)
    f.login(client, admin)
    token = {"X-CSRF-Token": f._csrf(client)}
    r = client.post("/api/apikeys", json={"name": "x", "scopes": ["cv-source"]}, headers=token)
    assert r.status_code == 422
    r = client.post("/api/apikeys", json={"name": "x", "scopes": ["everything"]}, headers=token)
    assert r.status_code == 422
    r = client.post(
        "/api/apikeys",
        json={"name": "x", "scopes": ["orders", "statistics:read"], "expires_in_days": 30},
        headers=token,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["scopes"] == ["orders", "statistics:read"]
    assert body["expires_at"] is not None
    assert body["last_used_at"] is None


def test_last_used_at_is_recorded_at_most_once_a_minute(client: TestClient) -> None:
    key = _key(f.org(OrgKind.AKASSE), "orders")
    assert _row(key).last_used_at is None
    assert client.get("/api/me", headers=f.bearer(key)).status_code == 200
    first = _row(key).last_used_at
    assert first is not None
    assert client.get("/api/me", headers=f.bearer(key)).status_code == 200
    assert _row(key).last_used_at == first
    with db.unit_of_work() as s:
        s.execute(update(ApiKey).values(last_used_at=utcnow() - timedelta(minutes=2)))
    client.get("/api/me", headers=f.bearer(key))
    later = _row(key).last_used_at
    assert later is not None
    assert later.replace(tzinfo=None) > first.replace(tzinfo=None) - timedelta(seconds=1)


def test_an_expired_key_is_refused(client: TestClient) -> None:
    key = _key(f.org(OrgKind.AKASSE), "orders", days=1)
    assert client.get("/api/orders", headers=f.bearer(key)).status_code == 200
    with db.unit_of_work() as s:
        s.execute(update(ApiKey).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = client.get("/api/orders", headers=f.bearer(key))
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


def test_cli_creates_a_scoped_expiring_key(database: str) -> None:
    centre = f.org(OrgKind.JOBCENTRE)
    runner = CliRunner()
    args = ["apikeys", "create", "--organisation", centre.name, "--scope", "cv-source"]
    r = runner.invoke(cli, [*args, "--scope", "cvs:read", "--expires-in-days", "90"])
    assert r.exit_code == 0, r.output
    plain = r.output.strip().splitlines()[-1]
    row = _row(plain)
    assert row.scope_set == {"cv-source", "cvs:read"}
    assert row.expires_at is not None
    # Without a scope the command refuses: every key states what it is for.
    assert runner.invoke(cli, args[:4]).exit_code != 0


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("jobcentre", {"cv-source", "cvs:read", "orders", "statistics:read"}),
        ("akasse", {"cvs:read", "orders", "statistics:read"}),
    ],
)
def test_migration_gives_existing_keys_what_they_could_do(
    tmp_path: object, kind: str, expected: set[str]
) -> None:
    import uuid

    from sqlalchemy import create_engine, text

    from shared import migrate

    url = f"sqlite:///{tmp_path}/m.db"
    migrate.upgrade(url, "0004_cv_bank_version")
    engine = create_engine(url)
    org_id, key_id = uuid.uuid4().hex, uuid.uuid4().hex
    now = "2025-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisation (id, name, kind, created_at, updated_at) "
                "VALUES (:id, 'o', :kind, :now, :now)"
            ),
            {"id": org_id, "kind": kind, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO api_key (id, name, prefix, secret_hash, organisation_id, "
                "created_at, updated_at) VALUES (:id, 'k', 'p', 'h', :org, :now, :now)"
            ),
            {"id": key_id, "org": org_id, "now": now},
        )
    migrate.upgrade(url, "0005_sessions_and_keys")
    with engine.connect() as conn:
        scopes = conn.execute(text("SELECT scopes FROM api_key")).scalar_one()
    engine.dispose()
    assert set(scopes.split()) == expected
