"""A live Jobbro for the API tests: a small demo load, served on a free port."""

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import (
    JOBBRO_CLI,
    REPO,
    UVICORN,
    _create_pg_database,
    _drop_pg_database,
    _free_port,
    _server_env,
    _wait_until_healthy,
    seed_cvs,
)

# The flow needs the demo organisations, people and keys, not many CVs.
DEMO_CVS = int(os.environ.get("JOBBRO_API_DEMO_CVS", "20"))
AKASSE_KEY = "jb_demo3f_3f-a-kasse-demo-key-not-for-production"


@pytest.fixture(scope="session")
def api_server() -> Iterator[str]:
    """Migrate, load demo data and serve Jobbro; yields its URL."""
    data_dir = Path(tempfile.mkdtemp(prefix="jobbro-api-"))
    pg_admin = os.environ.get("JOBBRO_TEST_POSTGRES_URL", "")
    pg_name = f"jobbro_api_{uuid.uuid4().hex[:10]}"
    proc: subprocess.Popen[bytes] | None = None
    log = (data_dir / "server.log").open("wb")
    try:
        env = _server_env(data_dir, _create_pg_database(pg_admin, pg_name) if pg_admin else None)
        subprocess.run(
            [*JOBBRO_CLI, "demo", "load", "--cvs", str(DEMO_CVS)],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
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
        shutil.rmtree(data_dir, ignore_errors=True)
        if pg_admin:
            _drop_pg_database(pg_admin, pg_name)
