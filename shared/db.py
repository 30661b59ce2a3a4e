"""Engine, declarative base and the unit of work that every request and task uses."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, Engine, MetaData, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator, Uuid

from shared.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always UTC-aware in Python, on SQLite as on PostgreSQL.

    SQLite has no time zones: SQLAlchemy stores the wall-clock digits and drops the
    offset, so a value read back is naive and comparing it with `utcnow()` raises
    TypeError. Binding converts to UTC first (a naive value is taken to be UTC) and
    reading attaches UTC again, so every datetime the API returns carries its offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        uuid.UUID: Uuid(),
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


_engine: Engine | None = None
SessionFactory = sessionmaker(autoflush=True, expire_on_commit=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    busy_ms = int(get_settings().db_lock_timeout_seconds * 1000)
    cur.execute(f"PRAGMA busy_timeout={busy_ms}")
    cur.close()


def postgres_connect_args() -> dict[str, Any]:
    """libpq options that bound every wait on PostgreSQL (docs/operations.md).

    `connect_timeout` bounds opening a connection (a server that accepts and never
    answers included); `statement_timeout` and `lock_timeout` bound each statement, so a
    request holds a pooled connection for a known time at most.
    """
    settings = get_settings()
    options = [f"-c lock_timeout={int(settings.db_lock_timeout_seconds * 1000)}"]
    if settings.db_statement_timeout_seconds:
        options.append(f"-c statement_timeout={int(settings.db_statement_timeout_seconds * 1000)}")
    return {"connect_timeout": settings.db_connect_timeout_seconds, "options": " ".join(options)}


def _has_nul(params: Any) -> bool:
    if isinstance(params, str):
        # A JSON column arrives serialised: PostgreSQL's jsonb refuses an escaped NUL too.
        return "\x00" in params or "\\u0000" in params
    if isinstance(params, dict):
        return any(_has_nul(v) for v in params.values())
    if isinstance(params, list | tuple):
        return any(_has_nul(v) for v in params)
    return False


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, params: Any, _context: Any, _many: bool
) -> None:
    """No text with a NUL character reaches the database, from any form, API or import.

    PostgreSQL rejects it (a 500 for the caller) and SQLite stores it silently; one
    check here answers both with a 422 instead of guarding every text field.
    """
    if _has_nul(params):
        from shared.errors import ValidationFailed

        raise ValidationFailed("Text must not contain NUL characters (\\u0000)")


def make_engine(url: str) -> Engine:
    # hide_parameters: a failed statement's error (and so its log line) names the SQL
    # but not the values, which are staff names, employer contacts and CV rows.
    settings = get_settings()
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.db_lock_timeout_seconds},
            pool_timeout=settings.db_pool_timeout_seconds,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        connect_args = postgres_connect_args() if url.startswith("postgresql") else {}
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            pool_timeout=settings.db_pool_timeout_seconds,
            connect_args=connect_args,
            hide_parameters=True,
        )
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def configure(url: str | None = None) -> Engine:
    """(Re)bind the session factory to a database; tests point it at their own database."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    url = url or get_settings().effective_database_url
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    _engine = make_engine(url)
    SessionFactory.configure(bind=_engine)
    return _engine


def get_engine() -> Engine:
    return _engine if _engine is not None else configure()


AfterCommit = Callable[[], None]


def after_commit(session: Session, callback: AfterCommit) -> None:
    """Run `callback` once the session's transaction commits; drop it on rollback."""
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks: list[AfterCommit] = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A transaction that commits on success and rolls back on any error."""
    get_engine()
    session = SessionFactory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one unit of work per request."""
    with unit_of_work() as session:
        yield session


def ping() -> None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))


def is_unavailable(exc: BaseException) -> bool:
    """Whether a database error means "not reachable or not answering in time".

    Such errors (no connection within the connect timeout, a statement cancelled by its
    timeout, no pooled connection free in time, SQLite busy past its busy timeout) are
    answered with 503 and the request id; any other database error is a bug (500).
    """
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
