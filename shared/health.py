"""Liveness, readiness and metrics: the endpoints probes and scrapers call.

- `/healthz` answers from the event loop and touches nothing: a process that can answer
  it is alive, however slow its database or broker is. It never waits for a thread of
  the request pool, which requests stuck on a dependency may all hold.
- `/readyz` checks the database and the broker, each bounded by
  `JOBBRO_READYZ_TIMEOUT_SECONDS`, on threads of its own. One check serves every caller
  for `JOBBRO_READYZ_CACHE_SECONDS`, and callers that arrive while it runs wait for it
  instead of starting their own: 46 probes at once cost one check.
- `/metrics` is Prometheus text (shared/metrics.py), for loopback callers or, when
  `JOBBRO_METRICS_TOKEN` is set, only for callers that bear that token.
"""

import asyncio
import hmac
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from shared import db
from shared.errors import Forbidden
from shared.settings import get_settings, is_loopback

health_router = APIRouter(tags=["health"])

# Checks run here, never on the request thread pool; a check stuck past its timeout
# (bounded itself by the connect timeouts) holds one of these, not a request's thread.
_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="jobbro-readyz")


@dataclass(frozen=True)
class Readiness:
    ok: bool
    body: dict[str, Any]
    checked_at: float


def _check_database() -> dict[str, Any]:
    from shared.metrics import lags

    db.ping()
    # Informational: the lag does not make the process unready, it tells how far the
    # background work is behind (docs/operations.md).
    try:
        lag = {
            name: {"pending": value.pending, "oldest_seconds": _round(value.oldest_seconds)}
            for name, value in lags().items()
        }
    except Exception:
        return {"status": "ok"}
    return {"status": "ok", "lag": lag}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _check_broker() -> dict[str, Any]:
    from shared.tasks import broker_reachable

    return {"status": "ok" if broker_reachable() else "error: unreachable"}


async def _bounded(check: Any, timeout: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    try:
        result: dict[str, Any] = await asyncio.wait_for(
            loop.run_in_executor(_checks, check), timeout
        )
        return result
    except TimeoutError:
        return {"status": f"error: no answer within {timeout:g} s"}
    except Exception as exc:
        return {"status": f"error: {type(exc).__name__}"}


async def _check_all() -> Readiness:
    settings = get_settings()
    checks = {"database": _check_database}
    if settings.broker_url:
        checks["broker"] = _check_broker
    results = await asyncio.gather(
        *(_bounded(check, settings.readyz_timeout_seconds) for check in checks.values())
    )
    named = dict(zip(checks, results, strict=True))
    ok = all(r["status"] == "ok" for r in named.values())
    body: dict[str, Any] = {
        "status": "ok" if ok else "unavailable",
        "checks": {name: r["status"] for name, r in named.items()},
    }
    if "lag" in named["database"]:
        body["lag"] = named["database"]["lag"]
    return Readiness(ok=ok, body=body, checked_at=time.monotonic())


class _ReadinessCache:
    """The last answer, and one check in flight at a time per event loop."""

    def __init__(self) -> None:
        self.last: Readiness | None = None
        self._locks: dict[int, asyncio.Lock] = {}

    def fresh(self) -> Readiness | None:
        last, ttl = self.last, get_settings().readyz_cache_seconds
        if last is None or time.monotonic() - last.checked_at >= ttl:
            return None
        return last

    async def get(self) -> Readiness:
        if (answer := self.fresh()) is not None:
            return answer
        lock = self._locks.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())
        async with lock:
            if (answer := self.fresh()) is not None:
                return answer
            self.last = await _check_all()
            return self.last

    def clear(self) -> None:
        self.last = None


readiness = _ReadinessCache()


@health_router.get("/healthz", summary="Liveness: answers without touching any dependency")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health_router.get(
    "/readyz", summary="Readiness: database and, if configured, broker; with the work lag"
)
async def readyz() -> JSONResponse:
    answer = await readiness.get()
    age = round(time.monotonic() - answer.checked_at, 1)
    return JSONResponse(
        {**answer.body, "checked_seconds_ago": age}, status_code=200 if answer.ok else 503
    )


def metrics_allowed(request: Request) -> bool:
    """With a token set, only its bearers; without one, only callers on this machine."""
    token = get_settings().metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    host = request.client.host if request.client else ""
    return is_loopback(host)


# Not part of the API reference: an operations endpoint for the scraper (docs/operations.md).
@health_router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    from shared.metrics import render

    if not metrics_allowed(request):
        raise Forbidden(
            "Metrics are served to this machine or to bearers of JOBBRO_METRICS_TOKEN",
            action="metrics.read",
        )
    body, content_type = render()
    return Response(body, media_type=content_type)
