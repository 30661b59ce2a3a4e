"""Authentication, authorisation and the audit trail of refusals."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from shared import db
from shared.models import AuditEvent, OrgKind, Outcome, Role
from tests import factories as f


def _denies(action: str | None = None) -> list[AuditEvent]:
    with db.unit_of_work() as s:
        stmt = select(AuditEvent).where(AuditEvent.outcome == Outcome.DENY)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(s.scalars(stmt))


def test_no_credentials_gets_401_problem_json(client: TestClient) -> None:
    r = client.get("/api/me")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 401
    assert body["title"] == "Authentication required"
    assert r.headers["www-authenticate"] == "Bearer"


def test_unauthenticated_request_is_audited_as_deny(client: TestClient) -> None:
    client.get("/api/audit")
    events = _denies("GET /api/audit")
    assert len(events) == 1
    assert events[0].actor_type == "anonymous"


def test_api_key_authenticates_as_its_organisation(client: TestClient) -> None:
    akasse = f.org(OrgKind.AKASSE)
    r = client.get("/api/me", headers=f.bearer(f.api_key(akasse)))
    assert r.status_code == 200
    assert r.json()["organisation_name"] == akasse.name
    assert r.json()["kind"] == "api_key"


def test_wrong_api_key_is_refused(client: TestClient) -> None:
    akasse = f.org(OrgKind.AKASSE)
    key = f.api_key(akasse)
    r = client.get("/api/me", headers=f.bearer(key[:-2] + "xx"))
    assert r.status_code == 401
    r = client.get("/api/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


def test_revoked_api_key_stops_working_at_once(client: TestClient) -> None:
    akasse = f.org(OrgKind.AKASSE)
    admin = f.user(akasse, Role.ADMINISTRATOR)
    f.login(client, admin)
    created = client.post(
        "/api/apikeys",
        json={"name": "case system", "scopes": ["orders"]},
        headers={"X-CSRF-Token": f._csrf(client)},
    )
    assert created.status_code == 201, created.text
    key, key_id = created.json()["key"], created.json()["id"]
    system = TestClient(client.app)
    assert system.get("/api/me", headers=f.bearer(key)).status_code == 200
    revoked = client.post(
        f"/api/apikeys/{key_id}/revoke", headers={"X-CSRF-Token": f._csrf(client)}
    )
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    r = system.get("/api/me", headers=f.bearer(key))
    assert r.status_code == 401
    assert "revoked" in r.json()["detail"]


def test_other_organisations_resource_gets_403_and_is_audited(client: TestClient) -> None:
    mine, theirs = f.org(OrgKind.AKASSE), f.org(OrgKind.AKASSE)
    their_admin = f.user(theirs, Role.ADMINISTRATOR)
    f.login(client, their_admin)
    their_key = client.post(
        "/api/apikeys",
        json={"name": "k", "scopes": ["orders"]},
        headers={"X-CSRF-Token": f._csrf(client)},
    ).json()["id"]
    client.post("/logout", data={"csrf_token": f._csrf(client)})

    my_admin = f.user(mine, Role.ADMINISTRATOR)
    f.login(client, my_admin)
    r = client.post(f"/api/apikeys/{their_key}/revoke", headers={"X-CSRF-Token": f._csrf(client)})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    [event] = _denies("apikey.revoke")
    assert event.actor_id == my_admin.id
    assert event.organisation_id == mine.id
    assert event.subject_id == their_key


def test_role_is_enforced_and_refusal_audited(client: TestClient) -> None:
    centre = f.org()
    mediator = f.user(centre, Role.MEDIATOR)
    f.login(client, mediator)
    r = client.get("/api/audit")
    assert r.status_code == 403
    assert [e.actor_id for e in _denies("audit.read")] == [mediator.id]


def test_administrator_reads_own_organisations_audit_log(client: TestClient) -> None:
    centre = f.org()
    admin = f.user(centre, Role.ADMINISTRATOR)
    f.login(client, admin)
    client.get("/api/audit")
    r = client.get("/api/audit", params={"action": "audit.read"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 1
    assert all(item["organisation_id"] == str(centre.id) for item in body["items"])


def test_cookie_write_without_csrf_token_is_refused(client: TestClient) -> None:
    admin = f.user(f.org(), Role.ADMINISTRATOR)
    f.login(client, admin)
    r = client.post("/api/apikeys", json={"name": "no token"})
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    assert _denies("auth.csrf")


def test_wrong_password_is_refused_and_audited(client: TestClient) -> None:
    u = f.user(f.org())
    r = client.post(
        "/login",
        data={
            "email": u.email,
            "password": "nope",
            "next": "/",
            "csrf_token": f.login_csrf(client),
        },
    )
    assert r.status_code == 401
    assert "Forkert" in r.text
    assert _denies("auth.login")


def test_audit_log_rows_cannot_be_changed_or_deleted(client: TestClient) -> None:
    import pytest
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DatabaseError

    client.get("/api/me")
    with pytest.raises(DatabaseError), db.unit_of_work() as s:
        s.execute(update(AuditEvent).values(action="tampered"))
    with pytest.raises(DatabaseError), db.unit_of_work() as s:
        s.execute(delete(AuditEvent))
