"""A live Jobbro for the API tests: a small demo load, served on a free port."""

import os
from collections.abc import Iterator

import pytest

from tests.web.conftest import serve_demo

# The flow needs the demo organisations, people and keys, not many CVs.
DEMO_CVS = int(os.environ.get("JOBBRO_API_DEMO_CVS", "20"))
AKASSE_KEY = "jb_demo3f_3f-a-kasse-demo-key-not-for-production"


@pytest.fixture(scope="session")
def api_server() -> Iterator[str]:
    """Migrate, load demo data and serve Jobbro; yields its URL."""
    with serve_demo(DEMO_CVS, prefix="jobbro-api-") as url:
        yield url
