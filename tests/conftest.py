"""Test fixtures: a database of the run's own (PostgreSQL when offered, else SQLite).

Also the title normaliser, which the occupation, CLI and API tests share.
"""

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

_TMP = Path(tempfile.mkdtemp(prefix="jobbro-test-"))
os.environ.setdefault("JOBBRO_ENV", "test")
os.environ["JOBBRO_DATA_DIR"] = str(_TMP / "data")
os.environ.pop("JOBBRO_BROKER_URL", None)
os.environ.pop("JOBBRO_DATABASE_URL", None)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from shared import db, migrate  # noqa: E402

if TYPE_CHECKING:
    from services.matching.occupations.normalize import TitleNormalizer

PG_URL = os.environ.get("JOBBRO_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("JOBBRO_TEST_REDIS_URL", "")
REQUIRE_SERVERS = os.environ.get("JOBBRO_TEST_REQUIRE_SERVERS") == "1"

_not_real: list[str] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    if not PG_URL:
        _not_real.append("database: SQLite (set JOBBRO_TEST_POSTGRES_URL for PostgreSQL)")
    if not REDIS_URL:
        _not_real.append("tasks: eager in-process (set JOBBRO_TEST_REDIS_URL for Redis)")
    if REQUIRE_SERVERS and _not_real:
        pytest.exit("real servers required but not configured: " + "; ".join(_not_real), 3)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _not_real:
        terminalreporter.write_line(
            "NOT RUN AGAINST REAL SERVERS: " + "; ".join(_not_real), yellow=True
        )
    else:
        terminalreporter.write_line("Ran against real PostgreSQL and Redis.", green=True)


def admin_pg_url(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One database for the whole run, migrated once."""
    if PG_URL:
        name = f"jobbro_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_pg_url(PG_URL, name)
        migrate.upgrade(url)
        yield url
        db.get_engine().dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        template = _TMP / "template.db"
        migrate.upgrade(f"sqlite:///{template}")
        yield f"sqlite:///{template}"
    shutil.rmtree(_TMP, ignore_errors=True)


_TABLES_SQL = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
    # cv_bank_state is a counter that only grows (migration 0004): truncating cv bumps it.
    "AND tablename NOT IN ('alembic_version', 'cv_bank_state')"
)


@pytest.fixture
def database(database_url: str) -> Iterator[str]:
    """A clean database for one test: PostgreSQL truncated after, SQLite copied fresh."""
    if database_url.startswith("postgresql"):
        engine = db.configure(database_url)
        yield database_url
        with engine.begin() as conn:
            tables = [r[0] for r in conn.execute(text(_TABLES_SQL))]
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    else:
        path = _TMP / f"test-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(database_url.removeprefix("sqlite:///"), path)
        url = f"sqlite:///{path}"
        db.configure(url)
        yield url
        db.get_engine().dispose()
        path.unlink(missing_ok=True)


@pytest.fixture
def session(database: str) -> Iterator[Session]:
    """A unit of work for arranging data; committed when the test body ends."""
    with db.unit_of_work() as s:
        yield s


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    from services.app import create

    return create()


@pytest.fixture
def client(app, database: str) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def normalizer(request: pytest.FixtureRequest) -> Iterator["TitleNormalizer"]:
    """The installed model over the Danish labels, installed as the process-wide normaliser."""
    from services.matching.index.embedding import get_embedder
    from services.matching.occupations.data import load_occupations
    from services.matching.occupations.normalize import TitleNormalizer, set_normalizer

    # The pytest cache outlives the run's temporary data dir, so the label
    # embedding (1-2 min) happens once per model, not once per test run. The
    # English labels the product adds (35k more) would make that 5x longer;
    # test_normalize checks them with the lexical signal instead.
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    cache_dir = cache.mkdir("jobbro-occupation-labels") if cache is not None else None
    built = TitleNormalizer(load_occupations(), embedder=get_embedder(), cache_dir=cache_dir)
    set_normalizer(built)
    yield built
    set_normalizer(None)
