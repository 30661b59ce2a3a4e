"""Structured (JSON lines) logs that carry the request id, or the task id in a task.

Every process logs this way: `jobbro serve` and each of its `--workers` processes
(uvicorn applies `uvicorn_log_config` in each), and `jobbro worker` (Celery's
`setup_logging` signal, shared/tasks.py). An error is one record whose `exception`
field holds the traceback; nothing prints a raw multi-line traceback.
"""

import json
import logging
import sys
import threading
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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Made by configure_logging and by uvicorn's dictConfig in each worker process:
        # wherever JSON logs are set up, warnings and uncaught errors join them.
        route_everything_through_logging()

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            # Which process of `serve --workers N` or of the worker pool wrote it.
            "pid": record.process,
            "message": _message(record),
        }
        if request_id := request_id_var.get():
            entry["request_id"] = request_id
        entry.update(_task_fields())
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


def _task_fields() -> dict[str, str]:
    """The running Celery task's id and name, in a worker or an in-process task."""
    from celery._state import get_current_task

    task = get_current_task()
    request = getattr(task, "request", None)
    task_id = getattr(request, "id", None)
    if task is None or not task_id:
        return {}
    return {"task_id": str(task_id), "task": str(task.name)}


def _log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("jobbro").critical("uncaught exception", exc_info=(exc_type, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    logging.getLogger("jobbro").error(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The request middleware writes one line per request, with its request id.
    logging.getLogger("uvicorn.access").disabled = True


def route_everything_through_logging() -> None:
    # Warnings and uncaught exceptions (main thread and others) become records too.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """The `log_config` for uvicorn: applied in every worker process it starts."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "shared.logging.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's own loggers add no handlers of their own: one line per record.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }
