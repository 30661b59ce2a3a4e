"""One installation per test module: building it (CVs embedded, casework done) is the slow
part, and the tests only add refusals and reads to it."""

from collections.abc import Iterator

import pytest

from tests import conftest as suite
from tests.security import world as worlds


@pytest.fixture(scope="module")
def module_database(database_url: str) -> Iterator[str]:
    """The suite's fresh `database`, held for a whole module instead of one test."""
    yield from suite.database.__wrapped__(database_url)


@pytest.fixture(scope="module")
def w(module_database: str) -> worlds.World:
    return worlds.build()
