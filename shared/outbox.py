"""The transactional outbox: a task is a row written with the change that asks for it.

`enqueue` adds an `outbox_message` row to the caller's session. The row commits or rolls
back with the change, so no committed change loses its task and no rolled-back change
sends one. After commit one immediate attempt publishes the rows (or, with no broker,
runs them in-process as before); whatever that attempt could not deliver, because the
broker was down or the process died, the periodic relay (`relay`, run by beat and by the
in-process scheduler) publishes later. Delivery is at least once: a row is marked sent
only after the publish returned, so every task must be safe to run twice (they take ids
and dedupe on them).
"""

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from shared.db import after_commit, unit_of_work, utcnow
from shared.models import OutboxMessage

log = logging.getLogger("jobbro.outbox")

# Hands one task to the broker (or runs it in-process); raises when it could not.
# `shared.tasks.publish` is the one the app passes in: the outbox does not import the
# Celery app, which imports the outbox.
Publisher = Callable[[str, list[Any], dict[str, Any], str], None]

_BATCH_KEY = "outbox_batch"


class OutboxSettings(BaseSettings):
    """Settings of the outbox relay (`JOBBRO_OUTBOX_*`)."""

    model_config = SettingsConfigDict(env_prefix="JOBBRO_OUTBOX_", extra="ignore")

    # The longest one publish may wait for the broker (connect, write, each retry).
    publish_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # How often beat and the in-process scheduler run the relay.
    relay_interval_seconds: int = Field(default=30, ge=1, le=3600)
    # The immediate attempt after commit owns a new row this long before the relay may.
    lease_seconds: int = Field(default=60, ge=1, le=3600)
    # Back-off after a failed attempt: base * 2^attempts, at most max.
    retry_base_seconds: int = Field(default=5, ge=1)
    retry_max_seconds: int = Field(default=300, ge=1)
    # Sent rows are kept this long (for `jobbro outbox`-style inspection), then purged.
    keep_sent_days: int = Field(default=7, ge=0)
    relay_batch: int = Field(default=200, ge=1, le=10_000)


@lru_cache
def get_outbox_settings() -> OutboxSettings:
    return OutboxSettings()


@dataclass
class _Batch:
    """The rows one transaction enqueued; delivered once right after it commits."""

    publish: Publisher
    ids: list[uuid.UUID] = field(default_factory=list)

    def __call__(self) -> None:
        try:
            deliver(self.ids, self.publish)
        except Exception:  # the rows stay pending; the relay delivers them later
            log.exception("immediate outbox delivery failed; the relay will retry")


def enqueue(
    session: Session,
    task_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    *,
    publish: Publisher,
) -> uuid.UUID:
    """Write a task to the outbox in the session's transaction; `publish` sends it after
    commit (a transaction's rows go in one batch, with the first row's publisher)."""
    message = OutboxMessage(
        id=uuid.uuid4(),
        task_name=task_name,
        payload=json.dumps({"args": list(args), "kwargs": kwargs}),
        available_at=utcnow() + timedelta(seconds=get_outbox_settings().lease_seconds),
        attempts=0,
    )
    session.add(message)
    batch: _Batch | None = session.info.get(_BATCH_KEY)
    if batch is None:
        batch = session.info[_BATCH_KEY] = _Batch(publish)
        after_commit(session, lambda: _deliver_batch(session))
    batch.ids.append(message.id)
    return message.id


def _deliver_batch(session: Session) -> None:
    batch: _Batch | None = session.info.pop(_BATCH_KEY, None)
    if batch is not None:
        batch()


def _drop_batch(session: Session) -> None:
    session.info.pop(_BATCH_KEY, None)


def _register_rollback_listener() -> None:
    from sqlalchemy import event

    event.listen(Session, "after_rollback", _drop_batch)


_register_rollback_listener()


@dataclass(frozen=True)
class _Pending:
    id: uuid.UUID
    task_name: str
    payload: str
    attempts: int


def deliver(ids: list[uuid.UUID], publish: Publisher) -> int:
    """Publish these outbox rows now (the attempt right after commit); returns how many went."""
    if not ids:
        return 0
    with unit_of_work() as session:
        rows = session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.task_name,
                OutboxMessage.payload,
                OutboxMessage.attempts,
            ).where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None))
        ).all()
    return _publish_all([_Pending(*row) for row in rows], publish)


def relay(publish: Publisher, limit: int | None = None) -> int:
    """Publish every due outbox row (beat and the in-process scheduler run this)."""
    settings = get_outbox_settings()
    now = utcnow()
    with unit_of_work() as session:
        claimed = _claim_due(session, now, limit or settings.relay_batch)
        if settings.keep_sent_days:
            session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.sent_at < now - timedelta(days=settings.keep_sent_days)
                )
            )
    return _publish_all(claimed, publish)


def _claim_due(session: Session, now: Any, limit: int) -> list[_Pending]:
    """Take due rows in one statement, so two relays never publish the same row at once."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.available_at <= now)
        .order_by(OutboxMessage.created_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    lease = now + timedelta(seconds=get_outbox_settings().lease_seconds)
    rows = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(available_at=lease)
        .returning(
            OutboxMessage.id,
            OutboxMessage.task_name,
            OutboxMessage.payload,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return [_Pending(*row) for row in rows]


def _publish_all(pending: list[_Pending], publish: Publisher) -> int:
    # Publishing happens outside any transaction: an in-process task writes in its own
    # unit of work, and SQLite would refuse a writer that read before that commit.
    sent: list[uuid.UUID] = []
    failed: list[tuple[_Pending, str]] = []
    for message in pending:
        try:
            body = json.loads(message.payload)
            publish(message.task_name, body["args"], body["kwargs"], str(message.id))
            sent.append(message.id)
        except Exception as exc:
            log.warning(
                "outbox: task %s (%s) not delivered: %s", message.task_name, message.id, exc
            )
            failed.append((message, f"{type(exc).__name__}: {exc}"[:2000]))
    _record(sent, failed)
    return len(sent)


def _record(sent: list[uuid.UUID], failed: list[tuple[_Pending, str]]) -> None:
    if not sent and not failed:
        return
    settings = get_outbox_settings()
    now = utcnow()
    with unit_of_work() as session:
        if sent:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(sent))
                .values(sent_at=now, attempts=OutboxMessage.attempts + 1, last_error=None)
                .execution_options(synchronize_session=False)
            )
        for message, error in failed:
            wait = min(
                settings.retry_base_seconds * 2 ** min(message.attempts, 16),
                settings.retry_max_seconds,
            )
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id, OutboxMessage.sent_at.is_(None))
                .values(
                    attempts=OutboxMessage.attempts + 1,
                    last_error=error,
                    available_at=now + timedelta(seconds=wait),
                )
                .execution_options(synchronize_session=False)
            )


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    failing: int
    oldest_pending_seconds: float | None


def status() -> OutboxStatus:
    """How much is waiting and for how long: the outbox lag operators watch."""
    with unit_of_work() as session:
        pending_rows = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).subquery()
        pending = session.scalar(select(func.count()).select_from(pending_rows)) or 0
        failing = (
            session.scalar(
                select(func.count()).where(
                    OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0
                )
            )
            or 0
        )
        oldest = session.scalar(
            select(func.min(OutboxMessage.created_at)).where(OutboxMessage.sent_at.is_(None))
        )
    if oldest is not None and oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    age = None if oldest is None else (utcnow() - oldest).total_seconds()
    return OutboxStatus(pending=pending, failing=failing, oldest_pending_seconds=age)
