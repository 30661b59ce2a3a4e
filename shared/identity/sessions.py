"""Server-side login sessions: the cookie names a row, and the row decides.

The signed cookie only carries a random token. Every request looks the token's
row up, so logout, a password change, the idle timeout and the absolute lifetime
end a session at once, on every device that holds a copy of the cookie.
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.db import get_engine, utcnow
from shared.models import User, UserSession
from shared.security import hash_token, new_session_token
from shared.settings import get_settings

# last_seen_at is written at most this often per session, not on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def start(session: Session, user_id: uuid.UUID) -> str:
    """A new session for the user; returns the token the cookie carries."""
    token, token_hash = new_session_token()
    now = utcnow()
    session.add(
        UserSession(token_hash=token_hash, user_id=user_id, created_at=now, last_seen_at=now)
    )
    session.flush()
    return token


def resume(session: Session, token: str) -> User | None:
    """The user of a live session, or None (unknown, ended, timed out, user deactivated)."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(token)))
    if row is None or row.ended_at is not None:
        return None
    settings = get_settings()
    now = utcnow()
    if now - _aware(row.created_at) > timedelta(seconds=settings.session_max_age_seconds):
        _end_now(row.id, now, "expired")
        return None
    last_seen = _aware(row.last_seen_at)
    if now - last_seen > timedelta(seconds=settings.session_idle_seconds):
        _end_now(row.id, now, "idle")
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        _end_now(row.id, now, "deactivated")
        return None
    if now - last_seen > TOUCH_INTERVAL:
        row.last_seen_at = now
    return user


def end(session: Session, token: str, reason: str = "logout") -> None:
    """End one session (logout)."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(token)))
    if row is not None and row.ended_at is None:
        _end(row, utcnow(), reason)


def end_all(session: Session, user_id: uuid.UUID, reason: str) -> int:
    """End every live session of a user (password change, deactivation); returns how many."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _end(row: UserSession, now: datetime, reason: str) -> None:
    row.ended_at = now
    row.end_reason = reason


def _end_now(session_id: uuid.UUID, now: datetime, reason: str) -> None:
    """End a timed-out session in a transaction of its own: the request it refuses
    answers 401 and rolls its own work back."""
    with get_engine().begin() as conn:
        conn.execute(
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        )
