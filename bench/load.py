"""Mixed API load against PostgreSQL + Redis, two API processes and a worker; prints JSON.

What it does, all on resources of its own (never the machine's shared services):

- creates a throwaway PostgreSQL database (on `JOBBRO_BENCH_POSTGRES_URL`, the local
  server by default) and starts its own `redis-server` on `--redis-port` (append-only
  file in a temporary directory, so a restarted broker keeps its queue);
- starts two `jobbro serve` processes on two ports and one `jobbro worker` (with beat);
- drives `--clients` concurrent clients for `--duration` seconds, each alternating
  between the two API processes: orders created (Idempotency-Key), updated (If-Match),
  read, listed and forwarded via JobAG; candidates proposed and contacted; ranked matches
  and free-text searches; CVs upserted one by one and in NDJSON bulk. `GET /healthz` in
  the same mix is the baseline: the stack's own latency under the same load;
- optionally injects faults (`--faults worker,broker`): `kill -9` of the worker's whole
  process group at 35% of the run (restarted 10 s later) and the broker stopped at 65%
  (started again 15 s later);
- afterwards checks what the clients were told against the database: every
  acknowledged order, update, forward, candidate, contact and CV is there with the last
  acknowledged value, nothing is there twice; then waits until the background work is
  done (every CV embedded, the outbox empty, every forward's notifications written) and
  reports how long that took.

    PYTHONPATH=. .venv/bin/python bench/load.py --duration 180 --clients 8
    PYTHONPATH=. .venv/bin/python bench/load.py --duration 180 --clients 8 --faults worker,broker

Latency per operation is client-side (request sent to answer read), in milliseconds.
Not part of the test suite: it needs a minute to hours and the whole machine.
"""

import argparse
import json
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_checks import Ledger, check_writes, pending_work  # noqa: E402
from bench.load_stack import Stack, create_database, drop_database, free_port, seed  # noqa: E402

ORDER = {
    "employer_name": "Grenaa Havn A/S",
    "employer_cvr": "29184471",
    "contact_name": "Karin Holm",
    "contact_email": "karin@grenaahavn.dk",
    "title": "Lagermedarbejder",
    "skills": ["truckkørsel", "lagerstyring"],
    "certificates": ["truckcertifikat B"],
    "languages": ["dansk"],
    "positions": 2,
    "weekly_hours": 37,
    "workplace_postal_code": "8500",
    "channel": "email",
}
TITLES = [
    "Lagermedarbejder",
    "Chauffør",
    "Social- og sundhedshjælper",
    "Tømrer",
    "Kok",
    "Rengøringsassistent",
    "Butiksassistent",
    "Elektriker",
    "Pædagogmedhjælper",
]
SKILLS = [
    "truckkørsel",
    "lagerstyring",
    "kundeservice",
    "rengøring",
    "madlavning",
    "el-installation",
    "personpleje",
    "kassebetjening",
    "tømrerarbejde",
]
# Operation -> weight in the mix.
MIX = {
    "create_order": 8,
    "update_order": 12,
    "read_order": 10,
    "list_orders": 5,
    "forward_order": 2,
    "add_candidate": 8,
    "contact_candidate": 6,
    "matches": 5,
    "search_text": 4,
    "upsert_cv": 14,
    "bulk_cvs": 2,
    "healthz": 6,
}
BULK_LINES = 25


# ---------------------------------------------------------------- the clients


class Client:
    """One simulated integration, with its own orders and CVs, on both API processes."""

    def __init__(self, index: int, ports: list[int], seeds: dict[str, Any], run: str) -> None:
        self.index, self.seeds, self.run = index, seeds, run
        self.rng = random.Random(index)
        self.http = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=60) for p in ports]
        self.turn = index
        self.ak = {"Authorization": f"Bearer {seeds['akasse_key']}"}
        self.src = {"Authorization": f"Bearer {seeds['source_key']}"}
        self.ledger = Ledger()
        self.seq = 0
        self.t0 = time.monotonic()

    def _send(self, op: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """Send with retries on 5xx and transport errors; writes are safe to repeat."""
        for attempt in range(6):
            self.turn += 1
            client = self.http[self.turn % len(self.http)]
            started = time.perf_counter()
            try:
                r = client.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                self.ledger.errors += 1
                self.ledger.failures[f"{op}: {type(exc).__name__}"] += 1
                time.sleep(0.5 * (attempt + 1))
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.ledger.latencies[op].append(elapsed_ms)
            self.ledger.samples[op].append((time.monotonic() - self.t0, elapsed_ms))
            self.ledger.statuses[op][r.status_code] += 1
            if r.status_code >= 500:
                self.ledger.errors += 1
                self.ledger.failures[f"{op}: {r.status_code}"] += 1
                time.sleep(0.5 * (attempt + 1))
                continue
            return r
        return None

    def _ok(self, r: httpx.Response | None, *expected: int) -> bool:
        if r is None:
            return False
        if r.status_code in expected:
            return True
        self.ledger.unexpected += 1
        return False

    def step(self) -> None:
        ops, weights = zip(*MIX.items(), strict=True)
        op = self.rng.choices(ops, weights)[0]
        getattr(self, op)(op)

    # Orders (the a-kasse's system)
    def _marker(self) -> str:
        self.seq += 1
        return f"load {self.run} client {self.index} #{self.seq}"

    def create_order(self, op: str) -> None:
        marker = self._marker()
        key = f"{self.run}-{self.index}-{self.seq}"
        body = {
            **ORDER,
            "title": self.rng.choice(TITLES),
            "description": marker,
            "skills": self.rng.sample(SKILLS, 2),
            "owner_email": self.seeds["owner"],
        }
        r = self._send(
            op, "POST", "/api/orders", json=body, headers={**self.ak, "Idempotency-Key": key}
        )
        if self._ok(r, 201) and r is not None:
            order = r.json()
            self.ledger.orders[order["id"]] = marker
            self.ledger.versions[order["id"]] = order["version"]
            self.ledger.order_keys[key] = order["id"]

    def _open_order(self) -> str | None:
        open_ = [o for o in self.ledger.orders if o not in self.ledger.forwarded]
        return self.rng.choice(open_) if open_ else None

    def update_order(self, op: str) -> None:
        order_id = self._open_order()
        if order_id is None:
            return
        marker = self._marker()
        r = self._send(
            op,
            "PATCH",
            f"/api/orders/{order_id}",
            json={"description": marker},
            headers={**self.ak, "If-Match": f'"{self.ledger.versions[order_id]}"'},
        )
        if r is not None and r.status_code == 412:
            # A retried PATCH whose first answer was lost: applied if the order says so.
            now = self._send("read_order", "GET", f"/api/orders/{order_id}", headers=self.ak)
            if now is not None and now.status_code == 200 and now.json()["description"] == marker:
                self.ledger.orders[order_id] = marker
                self.ledger.versions[order_id] = now.json()["version"]
                return
        if self._ok(r, 200) and r is not None:
            self.ledger.orders[order_id] = marker
            self.ledger.versions[order_id] = r.json()["version"]

    def read_order(self, op: str) -> None:
        if self.ledger.orders:
            order_id = self.rng.choice(list(self.ledger.orders))
            self._ok(self._send(op, "GET", f"/api/orders/{order_id}", headers=self.ak), 200)

    def list_orders(self, op: str) -> None:
        r = self._send(op, "GET", "/api/orders", params={"limit": 50}, headers=self.ak)
        self._ok(r, 200)

    def forward_order(self, op: str) -> None:
        order_id = self._open_order()
        if order_id is None:
            return
        body = {
            "reason": "Vi kan ikke besætte stillingen",
            "jobcentre_id": self.seeds["jobcentre_id"],
        }
        r = self._send(
            op,
            "POST",
            f"/api/orders/{order_id}/forward",
            json=body,
            headers={**self.ak, "Idempotency-Key": f"fwd-{order_id}"},
        )
        if self._ok(r, 200):
            self.ledger.forwarded.add(order_id)

    # Candidates
    def add_candidate(self, op: str) -> None:
        order_id = self._open_order()
        if order_id is None or not self.ledger.cv_ids:
            return
        on_order = {cv for o, cv in self.ledger.candidates.values() if o == order_id}
        free = [c for c in self.ledger.cv_ids.values() if c not in on_order]
        if not free:
            return
        cv_id = self.rng.choice(free)
        r = self._send(
            op,
            "POST",
            f"/api/orders/{order_id}/candidates",
            json={"cv_id": cv_id, "source": "matching"},
            headers={**self.ak, "Idempotency-Key": f"cand-{order_id}-{cv_id}"},
        )
        if self._ok(r, 201) and r is not None:
            self.ledger.candidates[r.json()["id"]] = (order_id, cv_id)

    def contact_candidate(self, op: str) -> None:
        todo = [
            c
            for c, (o, _) in self.ledger.candidates.items()
            if c not in self.ledger.contacted and o not in self.ledger.forwarded
        ]
        if not todo:
            return
        cand = self.rng.choice(todo)
        order_id = self.ledger.candidates[cand][0]
        r = self._send(
            op,
            "POST",
            f"/api/orders/{order_id}/candidates/{cand}/contact",
            json={"outcome": "interested", "note": "Ringet op"},
            headers=self.ak,
        )
        if r is not None and r.status_code == 409:
            return  # already contacted by a retry whose first answer was lost: checked later
        if self._ok(r, 200):
            self.ledger.contacted.add(cand)

    def matches(self, op: str) -> None:
        order_id = self._open_order()
        if order_id is not None:
            r = self._send(
                op, "GET", f"/api/orders/{order_id}/matches", params={"limit": 10}, headers=self.ak
            )
            self._ok(r, 200)

    def search_text(self, op: str) -> None:
        query = f"{self.rng.choice(TITLES)} med {self.rng.choice(SKILLS)}"
        r = self._send(
            op,
            "POST",
            "/api/matching/search/text",
            json={"text": query, "limit": 10},
            headers=self.ak,
        )
        self._ok(r, 200)

    # CVs (the jobcentre's CV source)
    def _cv(self, external_id: str, headline: str) -> dict[str, Any]:
        title = self.rng.choice(TITLES)
        return {
            "name": f"Load Person {external_id}",
            "headline": headline,
            "desired_jobs": [{"title": title}],
            "professional_competences": self.rng.sample(SKILLS, 3),
            "postal_code": "8500",
            "case_facts": {"akasse_organisation_id": self.seeds["akasse_id"]},
        }

    def upsert_cv(self, op: str) -> None:
        known = list(self.ledger.cvs)
        if known and self.rng.random() < 0.4:
            external_id = self.rng.choice(known)
        else:
            external_id = f"load-{self.run}-{self.index}-{self.seq}"
        headline = self._marker()
        r = self._send(
            op,
            "PUT",
            f"/api/matching/cvs/by-external-id/{external_id}",
            json=self._cv(external_id, headline),
            headers=self.src,
        )
        if self._ok(r, 200) and r is not None:
            self.ledger.cvs[external_id] = headline
            self.ledger.cv_ids[external_id] = r.json()["id"]

    def bulk_cvs(self, op: str) -> None:
        lines = {}
        for _ in range(BULK_LINES):
            external_id = f"bulk-{self.run}-{self.index}-{self.seq}"
            lines[external_id] = self._marker()
        body = "\n".join(json.dumps({"external_id": e, **self._cv(e, h)}) for e, h in lines.items())
        r = self._send(
            op,
            "POST",
            "/api/matching/cvs/bulk",
            content=body.encode(),
            headers={**self.src, "content-type": "application/x-ndjson"},
        )
        if self._ok(r, 200) and r is not None and r.json()["failed"] == 0:
            self.ledger.cvs.update(lines)

    def healthz(self, op: str) -> None:
        self._ok(self._send(op, "GET", "/healthz"), 200)


def _quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile."""
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1) if ordered else 0.0


def _merged(counters: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for counter in counters:
        for key, n in counter.items():
            total[key] += n
    return dict(sorted(total.items()))


def _samples(ledgers: list[Ledger]) -> dict[str, list[tuple[float, float]]]:
    merged: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for ledger in ledgers:
        for op, values in ledger.samples.items():
            merged[op].extend(values)
    return merged


def _warm_up(ports: list[int], seeds: dict[str, Any]) -> None:
    """One of each heavy call per process before the clock starts (model, labels, index)."""
    for port in ports:
        client = Client(1000 + port, [port], seeds, f"warm{port}")
        client.upsert_cv("warm-up")
        client.create_order("warm-up")
        client.matches("warm-up")
        client.search_text("warm-up")
        for h in client.http:
            h.close()


# ---------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--faults", default="", help="comma list: worker, broker")
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--recover-timeout", type=float, default=900)
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    args = parser.parse_args()
    faults = {f for f in args.faults.split(",") if f}
    run = uuid.uuid4().hex[:6]

    name, url = create_database()
    tmp = Path(tempfile.mkdtemp(prefix="jobbro-load-"))
    stack = Stack(
        url=url, tmp=tmp, redis_port=args.redis_port, api_ports=[free_port(), free_port()]
    )
    stack.env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JOBBRO_ENV": "development",
        "JOBBRO_DATABASE_URL": url,
        "JOBBRO_BROKER_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "JOBBRO_DATA_DIR": str(tmp / "data"),
        "JOBBRO_LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    events: list[dict[str, Any]] = []
    try:
        seeds = seed(url)
        stack.start_redis()
        stack.start_worker()
        stack.start_apis()
        _warm_up(stack.api_ports, seeds)
        clients = [Client(i, stack.api_ports, seeds, run) for i in range(args.clients)]
        stop = threading.Event()
        started = time.monotonic()
        for c in clients:
            c.t0 = started

        def drive(client: Client) -> None:
            while not stop.is_set():
                client.step()

        threads = [threading.Thread(target=drive, args=(c,), daemon=True) for c in clients]
        for t in threads:
            t.start()

        def at(fraction: float) -> None:
            stop.wait(max(0.0, started + args.duration * fraction - time.monotonic()))

        if "worker" in faults:
            at(0.35)
            stack.kill_worker()
            events.append({"t_s": round(time.monotonic() - started, 1), "fault": "worker kill -9"})
            time.sleep(10)
            stack.start_worker()
            events.append({"t_s": round(time.monotonic() - started, 1), "fault": "worker back"})
        if "broker" in faults:
            at(0.65)
            stack.stop_redis()
            events.append({"t_s": round(time.monotonic() - started, 1), "fault": "broker stopped"})
            time.sleep(15)
            stack.start_redis()
            events.append({"t_s": round(time.monotonic() - started, 1), "fault": "broker back"})
        at(1.0)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        load_seconds = time.monotonic() - started
        ledgers = [c.ledger for c in clients]
        for c in clients:
            for h in c.http:
                h.close()

        # Recovery: until every CV is embedded, the outbox is empty, every forward notified.
        recover_started = time.monotonic()
        pending = pending_work(url)
        while any(pending.values()) and time.monotonic() - recover_started < args.recover_timeout:
            time.sleep(5)
            pending = pending_work(url)
        recovered = not any(pending.values())
        done_at = time.monotonic() - started
        checks = check_writes(url, ledgers, run)

        latencies: dict[str, list[float]] = defaultdict(list)
        statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for ledger in ledgers:
            for op, values in ledger.latencies.items():
                latencies[op].extend(values)
            for op, counts in ledger.statuses.items():
                for status, n in counts.items():
                    statuses[op][status] += n
        requests = sum(len(v) for v in latencies.values())
        report = {
            "duration_s": round(load_seconds, 1),
            "clients": args.clients,
            "api_processes": len(stack.api_ports),
            "database": "postgresql",
            "broker": "redis (own, append-only)",
            "faults": events,
            "requests": requests,
            "throughput_rps": round(requests / load_seconds, 1),
            "errors": sum(ledger.errors for ledger in ledgers),
            "error_kinds": _merged([ledger.failures for ledger in ledgers]),
            "unexpected_4xx": sum(ledger.unexpected for ledger in ledgers),
            "acknowledged_writes": {
                "orders": sum(len(ledger.orders) for ledger in ledgers),
                "forwards": sum(len(ledger.forwarded) for ledger in ledgers),
                "candidates": sum(len(ledger.candidates) for ledger in ledgers),
                "contacts": sum(len(ledger.contacted) for ledger in ledgers),
                "cvs": sum(len(ledger.cvs) for ledger in ledgers),
            },
            "lost_writes": sum(checks["lost"].values()),
            "duplicated_writes": sum(checks["duplicated"].values()),
            "write_check": checks,
            "background_work": {
                "recovered": recovered,
                "seconds_after_load_until_done": round(done_at - load_seconds, 1),
                "seconds_after_last_fault_until_done": (
                    round(done_at - events[-1]["t_s"], 1) if events else None
                ),
                "still_pending": pending,
            },
            "baseline_healthz_p95_ms": _quantile(latencies.get("healthz", []), 0.95),
            "operations": {
                op: {
                    "count": len(values),
                    "p50_ms": _quantile(values, 0.5),
                    "p95_ms": _quantile(values, 0.95),
                    "statuses": {str(k): v for k, v in sorted(statuses[op].items())},
                }
                for op, values in sorted(latencies.items())
                if values
            },
        }
        if events:
            # The same operations before the first fault (the baseline) and from it on.
            first = float(events[0]["t_s"])
            report["p95_ms_before_first_fault_vs_after"] = {
                op: [
                    _quantile([ms for t, ms in values if t < first], 0.95),
                    _quantile([ms for t, ms in values if t >= first], 0.95),
                ]
                for op, values in sorted(_samples(ledgers).items())
            }
        print(json.dumps(report, indent=2))
    finally:
        stack.stop_all()
        if not args.keep:
            drop_database(name)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept database {name} and {tmp}", file=sys.stderr)


if __name__ == "__main__":
    main()
