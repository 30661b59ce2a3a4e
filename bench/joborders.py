"""Job-order API throughput and latency through HTTP against PostgreSQL; prints JSON.

Starts uvicorn as a subprocess on a throwaway PostgreSQL database, seeds one a-kasse with
a system API key, and drives create / update / list / read with a few concurrent clients,
each phase bounded by a request count. `GET /healthz` through the same stack is the baseline.

    .venv/bin/python bench/joborders.py [--clients 4] [--requests 400] [--workers 1]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get(
    "JOBBRO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

ORDER = {
    "employer_name": "Grenaa Havn A/S",
    "employer_cvr": "29184471",
    "contact_name": "Karin Holm",
    "contact_email": "karin@grenaahavn.dk",
    "title": "Lagermedarbejder",
    "description": "Lagermedarbejder til havneterminal; truckcertifikat er et krav.",
    "skills": ["truckkørsel", "lagerstyring"],
    "certificates": ["truckcertifikat B"],
    "driving_licences": ["B"],
    "languages": ["dansk"],
    "positions": 2,
    "weekly_hours": 37,
    "workplace_postal_code": "8500",
    "channel": "email",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _create_database() -> tuple[str, str]:
    name = f"jobbro_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def _drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _seed(url: str) -> tuple[str, str]:
    """Migrate, then an a-kasse with a caseworker (the owner) and a system API key."""
    from shared import db, migrate
    from shared.identity.service import (
        create_api_key,
        create_user,
        get_or_create_organisation,
    )
    from shared.models import OrgKind, Role

    migrate.upgrade(url)
    db.configure(url)
    with db.unit_of_work() as session:
        akasse = get_or_create_organisation(session, name="Bench A-kasse", kind=OrgKind.AKASSE)
        owner = create_user(
            session,
            email="owner@bench.dk",
            name="Bench Owner",
            password="bench-password",
            organisation=akasse,
            role=Role.CASEWORKER,
        )
        _, key = create_api_key(session, organisation=akasse, name="bench")
        owner_email = owner.email
    db.get_engine().dispose()
    return key, owner_email


def _start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "JOBBRO_DATABASE_URL": url,
        "JOBBRO_BROKER_URL": "",
        "JOBBRO_DATA_DIR": str(ROOT / "var" / "bench"),
        "JOBBRO_LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    cmd = [
        sys.executable, "-m", "uvicorn", "services.app:create", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the server did not start within 60 s")


def _phase(
    name: str, clients: list[httpx.Client], requests: int, call: Callable[[httpx.Client, int], int]
) -> dict[str, Any]:
    """Run `requests` calls spread over the clients; latency per call, throughput overall."""
    latencies: list[float] = []
    errors = 0

    def worker(index: int) -> tuple[list[float], int]:
        client = clients[index]
        mine: list[float] = []
        bad = 0
        for i in range(index, requests, len(clients)):
            started = time.perf_counter()
            status = call(client, i)
            mine.append((time.perf_counter() - started) * 1000)
            bad += status >= 400
        return mine, bad

    started = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        for mine, bad in pool.map(worker, range(len(clients))):
            latencies.extend(mine)
            errors += bad
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "phase": name,
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "max_ms": round(latencies[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    name, url = _create_database()
    proc: subprocess.Popen[bytes] | None = None
    try:
        key, owner_email = _seed(url)
        port = _free_port()
        proc = _start_server(url, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {key}"}
        clients = [httpx.Client(base_url=base, headers=headers) for _ in range(args.clients)]
        created: list[str] = [""] * args.requests
        body = {**ORDER, "owner_email": owner_email}

        def create(c: httpx.Client, i: int) -> int:
            r = c.post("/api/orders", json=body, headers={"Idempotency-Key": f"bench-{i}"})
            if r.status_code == 201:
                created[i] = r.json()["id"]
            return r.status_code

        def update(c: httpx.Client, i: int) -> int:
            patch = {"positions": 3, "description": f"Opdateret {i}"}
            r = c.patch(f"/api/orders/{created[i]}", json=patch, headers={"If-Match": '"1"'})
            return r.status_code

        def list_page(c: httpx.Client, i: int) -> int:
            return c.get("/api/orders", params={"limit": 50, "offset": (i * 50) % 400}).status_code

        def read(c: httpx.Client, i: int) -> int:
            return c.get(f"/api/orders/{created[i]}").status_code

        n = args.requests
        for c in clients:  # warm connections and the app's first-request paths
            c.get("/healthz")
            c.get("/api/me")
        results = [
            _phase("baseline GET /healthz", clients, n, lambda c, i: c.get("/healthz").status_code),
            _phase("baseline GET /api/me (API-key auth)", clients, n,
                   lambda c, i: c.get("/api/me").status_code),
            _phase("create POST /api/orders", clients, n, create),
            _phase("update PATCH /api/orders/{id}", clients, n, update),
            _phase("read GET /api/orders/{id}", clients, n, read),
            _phase("list GET /api/orders?limit=50", clients, n // 2, list_page),
        ]  # fmt: skip
        for c in clients:
            c.close()
        print(
            json.dumps(
                {
                    "database": "postgresql",
                    "server": f"uvicorn, {args.workers} worker(s)",
                    "clients": args.clients,
                    "cpu_count": os.cpu_count(),
                    "results": results,
                },
                indent=2,
            )
        )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        _drop_database(name)


if __name__ == "__main__":
    main()
