"""One title normaliser per test session, with label embeddings cached across runs."""

from collections.abc import Iterator

import pytest

from services.matching.occupations.normalize import (
    TitleNormalizer,
    build_default_normalizer,
    set_normalizer,
)


@pytest.fixture(scope="session")
def normalizer(request: pytest.FixtureRequest) -> Iterator[TitleNormalizer]:
    """The product's normaliser (model loaded once); installed as the process-wide one."""
    # The pytest cache outlives the run's temporary data dir, so the ~2 min label
    # embedding happens once per model, not once per test run.
    cache = request.config.cache
    cache_dir = cache.mkdir("jobbro-occupation-labels") if cache is not None else None
    built = build_default_normalizer(cache_dir=cache_dir)
    set_normalizer(built)
    yield built
    set_normalizer(None)
