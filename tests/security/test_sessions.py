"""Sessions end on the server: logout, password change, idle and absolute timeouts."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from shared import db
from shared.auth import SESSION_TOKEN
from shared.db import utcnow
from shared.identity.service import find_user, set_password
from shared.models import Role, UserSession
from shared.settings import get_settings
from tests import factories as f


def _cookie(client: TestClient) -> str:
    value = client.cookies.get("jobbro_session")
    assert value
    return value


def _replay(client: TestClient, cookie: str) -> int:
    """A fresh browser that presents a copied cookie."""
    other = TestClient(client.app)
    other.cookies.set("jobbro_session", cookie)
    return other.get("/api/me").status_code


def _sessions(user_id: object) -> list[UserSession]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(UserSession).where(UserSession.user_id == user_id)))


def test_logout_ends_the_session_even_for_a_copied_cookie(client: TestClient) -> None:
    u = f.user(f.org())
    f.login(client, u)
    stolen = _cookie(client)
    assert _replay(client, stolen) == 200
    r = client.post("/logout", data={"csrf_token": f._csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    assert _replay(client, stolen) == 401
    [row] = _sessions(u.id)
    assert row.end_reason == "logout"


def test_password_change_ends_every_session_of_the_person(client: TestClient) -> None:
    u = f.user(f.org())
    f.login(client, u)
    laptop = _cookie(client)
    phone = TestClient(client.app)
    f.login(phone, u)
    phone_cookie = _cookie(phone)
    r = client.post(
        "/api/me/password",
        json={"current_password": f.PASSWORD, "new_password": "a new long password"},
        headers={"X-CSRF-Token": f._csrf(client)},
    )
    assert r.status_code == 204, r.text
    assert _replay(client, laptop) == 401
    assert _replay(client, phone_cookie) == 401
    assert {s.end_reason for s in _sessions(u.id)} == {"password_changed"}


def test_password_change_needs_the_current_password(client: TestClient) -> None:
    u = f.user(f.org())
    f.login(client, u)
    r = client.post(
        "/api/me/password",
        json={"current_password": "not it", "new_password": "a new long password"},
        headers={"X-CSRF-Token": f._csrf(client)},
    )
    assert r.status_code == 422
    assert client.get("/api/me").status_code == 200


def test_operator_password_reset_ends_sessions(client: TestClient) -> None:
    u = f.user(f.org(), Role.ADMINISTRATOR)
    f.login(client, u)
    with db.unit_of_work() as s:
        assert set_password(s, find_user(s, u.email), "reset by operator", by=None) == 1
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize(
    ("column", "setting", "reason"),
    [
        ("last_seen_at", "session_idle_seconds", "idle"),
        # A busy session (seen just now) still ends at the absolute limit.
        ("created_at", "session_max_age_seconds", "expired"),
    ],
)
def test_sessions_time_out(client: TestClient, column: str, setting: str, reason: str) -> None:
    u = f.user(f.org())
    f.login(client, u)
    too_old = utcnow() - timedelta(seconds=getattr(get_settings(), setting) + 5)
    with db.unit_of_work() as s:
        s.execute(update(UserSession).values({column: too_old}))
    assert client.get("/api/me").status_code == 401
    assert _sessions(u.id)[0].end_reason == reason


def test_activity_refreshes_last_seen_at_most_once_a_minute(client: TestClient) -> None:
    u = f.user(f.org())
    f.login(client, u)
    old = utcnow() - timedelta(minutes=5)
    with db.unit_of_work() as s:
        s.execute(update(UserSession).values(last_seen_at=old))
    assert client.get("/api/me").status_code == 200
    first = _sessions(u.id)[0].last_seen_at
    assert client.get("/api/me").status_code == 200
    assert _sessions(u.id)[0].last_seen_at == first
    assert first.replace(tzinfo=None) > old.replace(tzinfo=None)


def test_login_rotates_the_cookie_and_stores_only_a_token_hash(client: TestClient) -> None:
    u = f.user(f.org())
    client.get("/login")
    before = _cookie(client)
    f.login(client, u)
    assert _cookie(client) != before
    [row] = _sessions(u.id)
    assert len(row.token_hash) == 64
    assert SESSION_TOKEN == "sid"


@pytest.mark.parametrize("field", ["missing", "wrong"])
def test_login_form_needs_its_csrf_token(client: TestClient, field: str) -> None:
    u = f.user(f.org())
    token = f.login_csrf(client)
    data = {"email": u.email, "password": f.PASSWORD, "next": "/"}
    if field == "wrong":
        data["csrf_token"] = token[::-1]
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 403
    assert "Prøv at logge ind igen" in r.text
    assert client.get("/api/me").status_code == 401
    assert _sessions(u.id) == []
