"""Structured (JSON lines) logs that carry the request id."""

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy.exc import StatementError

from shared.context import request_id_var

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def safe_db_error(exc: StatementError) -> str:
    """A failed statement without its values: the SQL (placeholders only), the driver's
    error class and SQLSTATE. The driver's own message is left out, because PostgreSQL
    quotes the offending values in it (`DETAIL: Key (email)=(...) already exists`)."""
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    driver = f"{type(orig).__module__}.{type(orig).__name__}" if orig is not None else "-"
    sqlstate = f" sqlstate={code}" if code else ""
    return f"{type(exc).__name__} ({driver}{sqlstate}) [SQL: {exc.statement}]"


def redact_exception(exc_info: ExcInfo) -> str | None:
    """The traceback with database errors reduced to `safe_db_error`, or None if the
    exception has no database error in its chain (then it is formatted as usual)."""
    exc = exc_info[1]
    chain = _chain(exc)
    db_errors = [e for e in chain if isinstance(e, StatementError)]
    if not db_errors:
        return None
    lines = ["Traceback (most recent call last):\n", *traceback.format_tb(exc_info[2])]
    # Only class names for the rest of the chain: their messages may quote the driver's.
    lines.append(f"{type(exc).__name__} <- " + " <- ".join(type(e).__name__ for e in chain[1:]))
    lines.append("\n" + safe_db_error(db_errors[0]))
    return "".join(lines)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": _message(record),
        }
        if request_id := request_id_var.get():
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info and record.exc_info[1] is not None:
            exc_info: ExcInfo = record.exc_info
            entry["exception"] = redact_exception(exc_info) or self.formatException(exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _message(record: logging.LogRecord) -> str:
    """The message, with database errors passed as arguments reduced to their SQL."""
    if isinstance(record.args, tuple) and any(isinstance(a, StatementError) for a in record.args):
        record.args = tuple(
            safe_db_error(a) if isinstance(a, StatementError) else a for a in record.args
        )
    return record.getMessage()


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True
