"""One title normaliser per test session, with label embeddings cached across runs."""

from collections.abc import Iterator

import pytest

from services.matching.index.embedding import get_embedder
from services.matching.occupations.data import load_occupations
from services.matching.occupations.normalize import TitleNormalizer, set_normalizer


@pytest.fixture(scope="session")
def normalizer(request: pytest.FixtureRequest) -> Iterator[TitleNormalizer]:
    """The installed model over the Danish labels, installed as the process-wide normaliser."""
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
