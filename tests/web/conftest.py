"""Browser-test harness: a live Jobbro with demo data, Debian's Chromium and axe-core."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
# Few CVs so the demo load (which embeds them) takes seconds, not minutes.
DEMO_CVS = int(os.environ.get("JOBBRO_BROWSER_DEMO_CVS", "300"))
CHROMIUM = os.environ.get("JOBBRO_CHROMIUM", "/usr/bin/chromium")
# Point the tests at an already running Jobbro instead (handy while writing tests).
EXTERNAL_URL = os.environ.get("JOBBRO_BROWSER_URL", "")
# ESCO label embeddings take minutes to build on a busy machine; keep them between runs.
LABEL_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")))
    / "jobbro-tests"
    / "occupations"
)
JOBBRO_CLI = [sys.executable, "-c", "from services.cli import app; app()"]
UVICORN = [sys.executable, "-m", "uvicorn", "services.app:create", "--factory"]
CV_SOURCE_KEY = "jb_demond_norddjurs-cv-source-demo-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    # The live server has its own database and data dir, whatever the suite uses.
    for key in ("JOBBRO_DATABASE_URL", "JOBBRO_BROKER_URL", "JOBBRO_MATCHING_INDEX_DIR"):
        env.pop(key, None)
    if database_url:
        env["JOBBRO_DATABASE_URL"] = database_url
    env.update(
        JOBBRO_DATA_DIR=str(data_dir),
        JOBBRO_ENV="test",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        JOBBRO_LOG_LEVEL="WARNING",
    )
    return env


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a browser test before its fixtures run when Debian's Chromium is missing.

    A hook rather than a fixture: pytest sets up the browser (and the live server with
    its demo load) before function fixtures, and a skip from a fixture is reported per
    test, while one raised here is folded into a single summary line.
    """
    if "browser" not in item.fixturenames and item.get_closest_marker("browser") is None:
        return
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install it with `sudo apt-get install chromium`"
            " (`make test` does so when run as root)"
        )


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Migrate, load demo data and serve Jobbro on a free local port; yields its URL."""
    if EXTERNAL_URL:
        seed_cvs(EXTERNAL_URL)
        yield EXTERNAL_URL
        return
    with serve_demo(DEMO_CVS, prefix="jobbro-browser-") as url:
        yield url


@contextmanager
def serve_demo(cvs: int, *, prefix: str) -> Iterator[str]:
    """A Jobbro with `cvs` demo CVs plus the seeded ones, in its own data dir and database."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    cache = data_dir / "cache" / "occupations"
    if LABEL_CACHE.is_dir():
        shutil.copytree(LABEL_CACHE, cache, dirs_exist_ok=True)
    # On PostgreSQL when the suite has one (CI), else SQLite in the data dir.
    pg_admin = os.environ.get("JOBBRO_TEST_POSTGRES_URL", "")
    pg_name = f"{prefix.replace('-', '_')}{uuid.uuid4().hex[:10]}"
    proc: subprocess.Popen[bytes] | None = None
    log = (data_dir / "server.log").open("wb")
    try:
        env = _server_env(data_dir, _create_pg_database(pg_admin, pg_name) if pg_admin else None)
        subprocess.run(
            [*JOBBRO_CLI, "demo", "load", "--cvs", str(cvs)],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            timeout=900,
        )
        port = _free_port()
        proc = subprocess.Popen(
            [*UVICORN, "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(proc, url, data_dir / "server.log")
        seed_cvs(url)
        yield url
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        if cache.is_dir():
            shutil.copytree(cache, LABEL_CACHE, dirs_exist_ok=True)
        shutil.rmtree(data_dir, ignore_errors=True)
        if pg_admin:
            _drop_pg_database(pg_admin, pg_name)


def _wait_until_healthy(proc: "subprocess.Popen[bytes]", url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError("server exited: " + log.read_text()[-2000:])
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("server did not answer /healthz within 60 s")
        time.sleep(0.2)


def _create_pg_database(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# A few known people, so the journeys do not depend on what the random demo CVs contain.
# External ids are fixed: seeding twice replaces them.
SEED_CVS: list[dict[str, Any]] = [
    {
        "external_id": "web-test-ali",
        "akasse": "3F A-kasse",
        "name": "Ali Hassan",
        "headline": "Truckfører og lagermedarbejder",
        "titles": ["gaffeltruckfører", "lagermedhjælper"],
        "competences": ["lagerarbejde", "truckkørsel", "pluk og pak", "varemodtagelse"],
        "certificates": ["Truckcertifikat B"],
        "postal_code": "8500",
    },
    {
        "external_id": "web-test-bente",
        "akasse": "3F A-kasse",
        "name": "Bente Møller",
        "headline": "Lagermedarbejder",
        "titles": ["lagermedhjælper", "gaffeltruckfører"],
        "competences": ["lagerarbejde", "varemodtagelse", "truckkørsel", "pluk og pak"],
        "certificates": ["Truckcertifikat B"],
        "postal_code": "8400",
    },
    {
        "external_id": "web-test-carsten",
        "akasse": "HK A-kasse",
        "name": "Carsten Dahlgaard",
        "headline": "Kontorassistent og lagerkoordinator",
        "titles": ["kontorassistent", "lagerkoordinator"],
        "competences": ["lagerstyring", "kundeservice", "Excel", "varemodtagelse"],
        "certificates": [],
        "postal_code": "8500",
    },
]


def seed_cvs(url: str) -> dict[str, str]:
    """Upsert the journeys' CVs through the CV-source API; returns name -> CV id."""
    orgs = _organisation_ids(url)
    ids: dict[str, str] = {}
    for cv in SEED_CVS:
        body = {
            "name": cv["name"],
            "headline": cv["headline"],
            "summary": f"{cv['headline']} med flere års erfaring.",
            # Exact Danish ESCO labels, so no title goes through the (slow to warm up)
            # embedding normaliser.
            "desired_jobs": [{"title": cv["titles"][0]}],
            "professional_competences": cv["competences"],
            "experience": [
                {
                    "title": cv["titles"][1],
                    "employer": "Djurs Logistik A/S",
                    "start": "2018-03-01",
                    "end": "2025-06-30",
                    "tasks": ", ".join(cv["competences"]),
                }
            ],
            "certificates": cv["certificates"],
            "driving_licences": ["B"],
            "languages": [{"language": "dansk", "level": "native"}],
            "weekly_hours": 37,
            "postal_code": cv["postal_code"],
            "max_commute_km": 50,
            "case_facts": {
                "akasse_organisation_id": orgs[cv["akasse"]],
                "unemployed_since": "2025-08-01",
            },
        }
        r = httpx.put(
            f"{url}/api/matching/cvs/by-external-id/{cv['external_id']}",
            json=body,
            headers={"Authorization": f"Bearer {CV_SOURCE_KEY}"},
            timeout=900,
        )
        r.raise_for_status()
        ids[cv["name"]] = r.json()["id"]
    return ids


def _organisation_ids(url: str) -> dict[str, str]:
    r = httpx.get(
        f"{url}/api/organisations",
        headers={"Authorization": f"Bearer {CV_SOURCE_KEY}"},
        timeout=30,
    )
    r.raise_for_status()
    return {o["name"]: o["id"] for o in r.json()}


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright resolves relative `page.goto` paths against this."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium with the flags that keep it off the (closed) network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop window and Danish locale unless a test asks otherwise."""
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 800},
        "locale": "da-DK",
    }
