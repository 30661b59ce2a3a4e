"""Candidate-page fixtures: the matching contract without the embedding model."""

from collections.abc import Iterator

import pytest

from services.joborders import matching_port
from tests.joborders.helpers import FakeMatching


@pytest.fixture
def matching() -> Iterator[FakeMatching]:
    fake = FakeMatching()
    matching_port.set_client(fake)
    yield fake
    matching_port.set_client(None)
