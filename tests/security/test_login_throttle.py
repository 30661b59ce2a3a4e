"""Failed logins: throttled per account and per address, timed alike, audited per organisation."""

import statistics
import time
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from shared import db
from shared.db import utcnow
from shared.errors import Unauthenticated
from shared.identity import service as identity
from shared.identity.throttle import TooManyAttempts
from shared.models import AuditEvent, LoginFailure, Outcome
from shared.settings import get_settings
from tests import factories as f


def _post_login(client: TestClient, email: str, password: str) -> httpx.Response:
    return client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "next": "/",
            "csrf_token": f.login_csrf(client),
        },
        follow_redirects=False,
    )


def test_twelve_wrong_then_the_right_password_does_not_log_in(client: TestClient) -> None:
    u = f.user(f.org())
    codes = [_post_login(client, u.email, f"wrong {i}").status_code for i in range(12)]
    limit = get_settings().login_max_failures
    assert codes[:limit] == [401] * limit
    assert set(codes[limit:]) == {429}
    r = _post_login(client, u.email, f.PASSWORD)
    assert r.status_code == 429
    assert "For mange mislykkede forsøg" in r.text
    assert int(r.headers["retry-after"]) > 0
    assert client.get("/api/me").status_code == 401
    # Once the wait is over the right password works, and the count starts afresh.
    with db.unit_of_work() as s:
        s.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=14)))
    assert _post_login(client, u.email, f.PASSWORD).status_code == 303
    assert client.get("/api/me").status_code == 200


def test_waits_grow_with_each_further_refusal(database: str) -> None:
    u = f.user(f.org())
    settings = get_settings()
    waits = []
    for extra in range(4):
        with db.unit_of_work() as s:
            # limit + extra refusals, the newest just now
            s.execute(delete(LoginFailure))
            for _ in range(settings.login_max_failures + extra):
                s.add(LoginFailure(account=_account(u.email), address="198.51.100.7"))
        with pytest.raises(TooManyAttempts) as caught, db.unit_of_work() as s:
            identity.log_in(s, email=u.email, password=f.PASSWORD, address="198.51.100.7")
        waits.append(caught.value.retry_after)
    assert waits == sorted(waits), waits
    assert len(set(waits)) == 4, waits


def _account(email: str) -> str:
    from shared.identity.throttle import account_key

    return account_key(email)


def test_one_address_guessing_many_accounts_is_throttled(database: str) -> None:
    org = f.org()
    users = [f.user(org) for _ in range(3)]
    limit = get_settings().login_max_failures_per_address
    address = "203.0.113.9"
    refused = 0
    for i in range(limit):
        email = users[i % 3].email if i % 2 else f"nobody{i}@example.dk"
        with pytest.raises(Unauthenticated), db.unit_of_work() as s:
            identity.log_in(s, email=email, password="guess", address=address)
        refused += 1
    with pytest.raises(TooManyAttempts), db.unit_of_work() as s:
        identity.log_in(s, email=users[0].email, password=f.PASSWORD, address=address)
    # Another address is not held up by it.
    with db.unit_of_work() as s:
        identity.log_in(s, email=users[1].email, password=f.PASSWORD, address="192.0.2.1")
    assert refused == limit


def test_failed_login_is_audited_under_the_accounts_organisation(client: TestClient) -> None:
    org = f.org()
    u = f.user(org)
    _post_login(client, u.email, "wrong")
    _post_login(client, "nobody@example.dk", "wrong")
    with db.unit_of_work() as s:
        rows = list(
            s.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "auth.login", AuditEvent.outcome == Outcome.DENY
                )
            )
        )
    by_subject = {r.subject_id: r for r in rows}
    assert by_subject[str(u.id)].organisation_id == org.id
    assert by_subject["nobody@example.dk"].organisation_id is None


def _median_refusal_seconds(email: str, rounds: int) -> float:
    times = []
    for i in range(rounds):
        started = time.perf_counter()
        with pytest.raises(Unauthenticated), db.unit_of_work() as s:
            identity.log_in(s, email=email, password=f"wrong {i}", address=f"192.0.2.{i}")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_refusal_takes_as_long_for_an_unknown_e_mail(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Enough attempts for a stable median, none of them throttled.
    monkeypatch.setattr(get_settings(), "login_max_failures", 1000)
    u = f.user(f.org())
    _median_refusal_seconds("warm@example.dk", 2)
    known = _median_refusal_seconds(u.email, 9)
    unknown = _median_refusal_seconds("nobody@example.dk", 9)
    ratio = unknown / known
    print(f"refusal median: known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms")
    # Before the fix the ratio was about 0.03 (3 ms against 100 ms).
    assert 0.6 < ratio < 1.6, ratio
