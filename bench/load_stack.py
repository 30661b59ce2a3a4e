"""The processes and database `bench/load.py` runs against, all of its own.

A throwaway PostgreSQL database, a `redis-server` on a port of its own (append-only, so a
restarted broker keeps its queue), two `jobbro serve` processes and one `jobbro worker`.
Only these processes are ever stopped or killed, by their own ids.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
# The `jobbro` command of the interpreter running the bench (works without an install).
JOBBRO = [
    sys.executable,
    "-c",
    "import sys; from services.cli import app; sys.argv[0] = 'jobbro'; app()",
]
PG_ADMIN = os.environ.get(
    "JOBBRO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin() -> Any:
    return create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")


def create_database() -> tuple[str, str]:
    name = f"jobbro_load_{uuid.uuid4().hex[:10]}"
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name, make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Stack:
    """The processes this bench started (and only those are ever stopped)."""

    url: str
    tmp: Path
    redis_port: int
    api_ports: list[int]
    env: dict[str, str] = field(default_factory=dict)
    redis: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    apis: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.tmp),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            stdout=(self.tmp / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        _wait(lambda: _redis_ping(self.redis_port), 20, "redis-server")

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.terminate()  # SIGTERM: Redis writes its append-only file and exits
            self.redis.wait(timeout=30)
            self.redis = None

    def start_worker(self) -> None:
        # A session of its own, so "kill the worker" kills its pool children too, and
        # nothing else.
        self.worker = subprocess.Popen(
            [*JOBBRO, "worker", "--concurrency", "2"],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=(self.tmp / "worker.log").open("ab"),
            stderr=subprocess.STDOUT,
        )

    def kill_worker(self) -> None:
        if self.worker is not None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=30)
            self.worker = None

    def start_apis(self) -> None:
        for port in self.api_ports:
            self.apis.append(
                subprocess.Popen(
                    [
                        *JOBBRO,
                        "serve",
                        "--port",
                        str(port),
                        "--no-migrate",
                    ],
                    cwd=ROOT,
                    env=self.env,
                    start_new_session=True,
                    stdout=(self.tmp / f"api-{port}.log").open("ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        for port in self.api_ports:
            _wait(lambda p=port: _ready(p), 180, f"jobbro serve on {port}")

    def stop_all(self) -> None:
        for proc in self.apis:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.apis:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
        self.stop_redis()


def _wait(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def seed(url: str) -> dict[str, Any]:
    """Migrate; a jobcentre with mediators and its CV-source key, an a-kasse and its key."""
    from shared import db, migrate
    from shared.identity.scopes import CV_SOURCE, CVS_READ, ORDERS
    from shared.identity.service import create_api_key, create_user, get_or_create_organisation
    from shared.models import OrgKind, Role

    migrate.upgrade(url)
    db.configure(url)
    with db.unit_of_work() as s:
        jc = get_or_create_organisation(
            s, name="Load Jobcenter", kind=OrgKind.JOBCENTRE, municipality_code="707"
        )
        ak = get_or_create_organisation(s, name="Load A-kasse", kind=OrgKind.AKASSE)
        for i in range(2):
            create_user(
                s,
                email=f"mediator{i}@load.dk",
                name=f"Formidler {i}",
                password="load-password-1",
                organisation=jc,
                role=Role.MEDIATOR,
            )
        owner = create_user(
            s,
            email="owner@load-akasse.dk",
            name="Sagsbehandler",
            password="load-password-1",
            organisation=ak,
            role=Role.CASEWORKER,
        )
        _, source_key = create_api_key(
            s, organisation=jc, name="load cv source", scopes=[CV_SOURCE, CVS_READ]
        )
        _, akasse_key = create_api_key(
            s, organisation=ak, name="load a-kasse system", scopes=[ORDERS, CVS_READ]
        )
        seeds = {
            "jobcentre_id": str(jc.id),
            "akasse_id": str(ak.id),
            "owner": owner.email,
            "source_key": source_key,
            "akasse_key": akasse_key,
        }
    db.get_engine().dispose()
    return seeds
