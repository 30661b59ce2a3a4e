"""One installation per test module: building it (CVs embedded, casework done) is the slow
part, and the tests only add refusals and reads to it."""

import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from shared import db
from tests.conftest import _TABLES_SQL, _TMP
from tests.security import world as worlds


@pytest.fixture(scope="module")
def module_database(database_url: str) -> Iterator[str]:
    """Like the suite's `database`, for a whole module."""
    if database_url.startswith("postgresql"):
        engine = db.configure(database_url)
        yield database_url
        with engine.begin() as conn:
            tables = [r[0] for r in conn.execute(text(_TABLES_SQL))]
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    else:
        path = _TMP / f"security-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(database_url.removeprefix("sqlite:///"), path)
        url = f"sqlite:///{path}"
        db.configure(url)
        yield url
        db.get_engine().dispose()
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def w(module_database: str) -> worlds.World:
    return worlds.build()
