"""Prometheus metrics: requests, tasks, and the lag of the outbox and the index.

Counters and histograms live in the process that counts them. `jobbro serve --workers N`
and `jobbro worker` (a pool of processes) set `PROMETHEUS_MULTIPROC_DIR` before this
module is imported, so each process writes its figures to a file there and a scrape of
any process adds them up (prometheus_client's multiprocess mode).

The lag figures are not counted but measured at scrape time, from the database: what
waits in the outbox and which CVs wait for their vector, with the oldest one's age.
"""

import importlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("jobbro.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# prometheus_client chose its storage when this module imported it: decided once, here.
MULTIPROCESS = bool(os.environ.get(MULTIPROC_ENV))

REQUESTS = Counter(
    "jobbro_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "jobbro_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
TASKS = Counter(
    "jobbro_tasks_total",
    "Background tasks finished, by task name and outcome (success, failure, retry)",
    ["task", "outcome"],
)
TASK_SECONDS = Histogram(
    "jobbro_task_duration_seconds",
    "Time a background task ran, by task name",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1200),
)


@dataclass(frozen=True)
class Lag:
    """How much work waits and how long the oldest piece has waited."""

    pending: int
    oldest_seconds: float | None


# The lag of each part, as `module:function` returning a Lag; resolved at scrape time so
# shared/ does not import the services (the same pattern as shared.tasks.TASK_MODULES).
LAG_SOURCES = {
    "index": "services.matching.index.lag:index_lag",
}


def outbox_lag() -> Lag:
    from shared import outbox

    status = outbox.status()
    return Lag(pending=status.pending, oldest_seconds=status.oldest_pending_seconds)


def lags() -> dict[str, Lag]:
    """Every lag figure that can be read: the outbox, then each registered source.

    A source that fails (its tables live in another service's database when the
    services run apart) is left out, and logged; it never fails the caller.
    """
    found = {"outbox": outbox_lag()}
    for name, target in LAG_SOURCES.items():
        module, _, function = target.partition(":")
        try:
            found[name] = getattr(importlib.import_module(module), function)()
        except Exception as exc:
            log.warning("lag of %s unavailable: %s", name, type(exc).__name__)
    return found


class LagCollector(Collector):
    """Measures the lag figures when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ok = GaugeMetricFamily(
            "jobbro_lag_scrape_ok", "1 if the lag figures could be read from the database"
        )
        try:
            measured = lags()
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("lag figures unavailable: %s", type(exc).__name__)
            ok.add_metric([], 0)
            yield ok
            return
        ok.add_metric([], 1)
        yield ok
        oldest = GaugeMetricFamily(
            "jobbro_lag_oldest_seconds",
            "Age of the oldest waiting piece of work (0 when nothing waits)",
            labels=["part"],
        )
        pending = GaugeMetricFamily(
            "jobbro_lag_pending",
            "Work waiting: outbox rows unsent, CVs without a current vector",
            labels=["part"],
        )
        for name, lag in measured.items():
            pending.add_metric([name], lag.pending)
            oldest.add_metric([name], lag.oldest_seconds or 0.0)
        yield pending
        yield oldest


_lag_registry = CollectorRegistry(auto_describe=False)
_lag_registry.register(LagCollector())


def _counted() -> CollectorRegistry:
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def render() -> tuple[bytes, str]:
    """The exposition text of every metric, and its content type."""
    return generate_latest(_counted()) + generate_latest(_lag_registry), CONTENT_TYPE_LATEST


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    REQUEST_SECONDS.labels(method, route).observe(seconds)


def observe_task(task: str, outcome: str, seconds: float | None) -> None:
    TASKS.labels(task, outcome).inc()
    if seconds is not None:
        TASK_SECONDS.labels(task).observe(seconds)
