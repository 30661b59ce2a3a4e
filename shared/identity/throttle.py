"""Login throttling: refused logins per account and per address make the next wait.

After `login_max_failures` refusals for one account (or `login_max_failures_per_address`
from one address) within the window, the next login waits `login_base_delay_seconds`,
doubling with each further refusal up to `login_max_delay_seconds`. While it waits the
password is not even checked, so guessing on (12 wrong, then the right one) gains nothing.
Attempts refused for waiting are not counted: they test no password, and counting them
would let anyone keep a person locked out for good.
"""

import hashlib
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from shared.db import unit_of_work, utcnow
from shared.errors import AppError
from shared.models import AuditEvent, LoginFailure
from shared.settings import get_settings


class TooManyAttempts(AppError):
    status, title, slug = 429, "Too many attempts", "too-many-attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed logins; try again in {retry_after} seconds",
            action="auth.login",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


def account_key(email: str) -> str:
    """The throttle's name for an account: no readable e-mail is stored."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def check(session: Session, *, account: str, address: str) -> None:
    """Raise TooManyAttempts while the account or the address must wait."""
    settings = get_settings()
    now = utcnow()
    since = now - timedelta(seconds=settings.login_failure_window_seconds)
    waits = [
        _wait(session, LoginFailure.account == account, since, now, settings.login_max_failures),
        _wait(
            session,
            LoginFailure.address == address,
            since,
            now,
            settings.login_max_failures_per_address,
        ),
    ]
    longest = max(waits)
    if longest > 0:
        raise TooManyAttempts(math.ceil(longest))


def _wait(
    session: Session, which: ColumnElement[bool], since: datetime, now: datetime, limit: int
) -> float:
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(which, LoginFailure.at >= since)
    ).one()
    if count < limit or last is None:
        return 0.0
    settings = get_settings()
    delay = min(
        settings.login_base_delay_seconds * 2 ** min(count - limit, 30),
        settings.login_max_delay_seconds,
    )
    return max(0.0, (_aware(last) + timedelta(seconds=delay) - now).total_seconds())


def record_failure(*, account: str, address: str, audit_event: AuditEvent) -> None:
    """Count the refusal and audit it, in a transaction of their own.

    The refused request's work may roll back; the count and the audit row must not.
    """
    settings = get_settings()
    with unit_of_work() as session:
        # Keep the table small: rows older than the window no longer count.
        horizon = utcnow() - timedelta(seconds=settings.login_failure_window_seconds)
        session.execute(delete(LoginFailure).where(LoginFailure.at < horizon))
        session.add(LoginFailure(account=account, address=address[:64]))
        session.add(audit_event)


def clear(session: Session, *, account: str) -> None:
    """A successful login starts the account's count afresh (not the address's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.account == account))
