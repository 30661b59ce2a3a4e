"""Browser-test harness: a live Jobbro with demo data, Debian's Chromium and axe-core."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
# Few CVs so the demo load (which embeds them) takes seconds, not minutes.
DEMO_CVS = int(os.environ.get("JOBBRO_BROWSER_DEMO_CVS", "300"))
CHROMIUM = os.environ.get("JOBBRO_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The live server has its own SQLite under its own data dir, whatever the suite uses.
    for key in ("JOBBRO_DATABASE_URL", "JOBBRO_BROKER_URL", "JOBBRO_MATCHING_INDEX_DIR"):
        env.pop(key, None)
    env.update(
        JOBBRO_DATA_DIR=str(data_dir),
        JOBBRO_ENV="test",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        JOBBRO_LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Migrate, load demo data and serve Jobbro on a free local port; yields its URL."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    data_dir = Path(tempfile.mkdtemp(prefix="jobbro-browser-"))
    env = _server_env(data_dir)
    cli = [sys.executable, "-c", "from services.cli import app; app()"]
    subprocess.run(
        [*cli, "demo", "load", "--cvs", str(DEMO_CVS)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    port = _free_port()
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "services.app:create",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    "server exited: " + (data_dir / "server.log").read_text()[-2000:]
                )
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


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
