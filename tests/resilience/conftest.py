"""Fault drills: dependencies that never answer, workers killed, a broker that goes away.

These tests never stop or kill the machine's shared Redis or PostgreSQL: the broker
they stop is a `redis-server` of their own on a free port, and the dependency that
never answers is a socket of their own.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MuteListener:
    """Accepts TCP connections and never answers: a database or broker that hangs."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(256)
        self.port = int(self._sock.getsockname()[1])
        self._held: list[socket.socket] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._held.append(conn)  # held open, never read, never answered

    @property
    def accepted(self) -> int:
        return len(self._held)

    def close(self) -> None:
        self._closed.set()
        self._sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def mute() -> Iterator[MuteListener]:
    listener = MuteListener()
    yield listener
    listener.close()


class OwnRedis:
    """A redis-server of the test's own on a free port, which the test may stop and start."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 20, "redis-server did not start")

    def stop(self) -> None:
        """Stop this server (only the process this fixture started, by its id)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def wait_for(done: Callable[[], bool], seconds: float, message: str) -> float:
    """Poll until `done()`; returns the seconds it took, fails after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if done():
            return time.monotonic() - started
        time.sleep(0.5)
    pytest.fail(f"{message} (waited {seconds:g} s)")


def jobbro_env(**extra: str) -> dict[str, str]:
    """The test process's environment for a `jobbro` child process, plus `extra`."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


def jobbro_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from services.cli import app; app()", *args]


@contextmanager
def jobbro_process(args: list[str], env: dict[str, str], log: Path) -> Iterator["Child"]:
    """Run `jobbro ARGS` in a process group of its own, logging to `log`; killed on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            jobbro_command(*args),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child = Child(proc, log)
        try:
            yield child
        finally:
            child.kill_group()


class Child:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc = proc
        self.log = log

    def kill_group(self) -> None:
        """SIGKILL the whole process group this test started (its own session)."""
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()


def cv_source_key() -> str:
    """A jobcentre's CV-source API key (it may write CVs and read them)."""
    from shared import db
    from shared.identity.service import create_api_key, get_or_create_organisation
    from shared.models import OrgKind

    with db.unit_of_work() as s:
        centre = get_or_create_organisation(
            s,
            name=f"Jobcenter drill {time.monotonic_ns()}",
            kind=OrgKind.JOBCENTRE,
            municipality_code="707",
        )
        _, plain = create_api_key(
            s, organisation=centre, name="CV source", scopes=["cv-source", "cvs:read"]
        )
    return plain


@pytest.fixture
def drill(
    database: str, own_redis: OwnRedis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A `jobbro worker`'s environment: the test's database, broker and index, and
    timings shortened from minutes to seconds (the settings operators have too)."""
    from shared.settings import get_matching_settings

    index = tmp_path / "index"
    monkeypatch.setattr(get_matching_settings(), "index_dir", index)
    return jobbro_env(
        JOBBRO_BROKER_URL=own_redis.url,
        JOBBRO_DATABASE_URL=database,
        JOBBRO_DATA_DIR=str(tmp_path / "data"),
        JOBBRO_MATCHING_INDEX_DIR=str(index),
        JOBBRO_BROKER_VISIBILITY_TIMEOUT_SECONDS="20",
        JOBBRO_RECONCILE_INTERVAL_SECONDS="10",
        JOBBRO_OUTBOX_RELAY_INTERVAL_SECONDS="2",
        JOBBRO_OUTBOX_RETRY_BASE_SECONDS="1",
        JOBBRO_OUTBOX_RETRY_MAX_SECONDS="5",
        JOBBRO_LOG_LEVEL="INFO",
    )
