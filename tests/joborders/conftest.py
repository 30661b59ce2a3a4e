"""Fixtures of the job-order tests: a world of organisations and a fake matching service."""

from collections.abc import Iterator

import pytest

from services.joborders import matching_port
from tests.joborders.helpers import FakeMatching, World, world


@pytest.fixture(autouse=True)
def matching() -> Iterator[FakeMatching]:
    fake = FakeMatching()
    matching_port.set_client(fake)
    yield fake
    matching_port.set_client(None)


@pytest.fixture
def w(database: str) -> World:
    return world()
