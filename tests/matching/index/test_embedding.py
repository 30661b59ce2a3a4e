"""The embedder: the real base model from disk, loaded once per test session."""

from pathlib import Path

import numpy as np
import pytest

from services.matching.index import embedding
from services.matching.index.embedding import Embedder, get_embedder, text_hash
from shared.errors import ServiceUnavailable
from shared.settings import get_matching_settings


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    path = get_matching_settings().model_path
    if not embedding.model_present(path):
        pytest.skip(f"no embedding model at {path}; run `make install`")
    return get_embedder()


def test_encode_returns_unit_float32_rows_of_the_model_dimension(embedder: Embedder) -> None:
    texts = ["Social- og sundhedsassistent med erfaring fra ældreplejen", "Lagerarbejder", "x"]
    vectors = embedder.encode(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, embedder.dimension)
    assert embedder.dimension == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors.flags["C_CONTIGUOUS"]


def test_encode_of_nothing_is_an_empty_matrix(embedder: Embedder) -> None:
    vectors = embedder.encode([])
    assert vectors.shape == (0, embedder.dimension)
    assert vectors.dtype == np.float32


def test_encode_is_deterministic_and_independent_of_batch_size(embedder: Embedder) -> None:
    texts = [f"Tømrer nummer {i} med svendebrev" for i in range(7)]
    np.testing.assert_allclose(
        embedder.encode(texts, batch_size=2), embedder.encode(texts, batch_size=64), atol=1e-5
    )


def test_similar_danish_titles_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    nurse, nurse2, welder = embedder.encode(
        ["Sygeplejerske", "Sygeplejerske på hospital", "Svejser"]
    )
    assert float(nurse @ nurse2) > float(nurse @ welder)


def test_get_embedder_is_cached_and_names_the_model(embedder: Embedder) -> None:
    assert get_embedder() is embedder
    assert embedder.model_name == embedder.path.name
    assert embedder.path.is_dir()


def test_get_embedder_says_how_to_install_a_missing_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBBRO_MATCHING_MODEL_PATH", str(tmp_path / "nope"))
    monkeypatch.setenv("JOBBRO_MATCHING_TUNED_MODEL_PATH", str(tmp_path / "nope-either"))
    get_matching_settings.cache_clear()
    try:
        with pytest.raises(ServiceUnavailable, match="make install"):
            get_embedder()
    finally:
        get_matching_settings.cache_clear()


def test_a_tuned_model_is_preferred_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tuned = tmp_path / "tuned"
    tuned.mkdir()
    (tuned / "config.json").write_text("{}")
    (tuned / "modules.json").write_text("[]")
    monkeypatch.setenv("JOBBRO_MATCHING_TUNED_MODEL_PATH", str(tuned))
    get_matching_settings.cache_clear()
    try:
        assert embedding.resolve_model_path() == tuned
    finally:
        get_matching_settings.cache_clear()


def test_text_hash_changes_with_text_model_and_builder_version() -> None:
    base = text_hash("Kok med hygiejnebevis", "all-MiniLM-L6-v2", "1")
    assert len(base) == 64
    assert base == text_hash("Kok med hygiejnebevis", "all-MiniLM-L6-v2", "1")
    assert base != text_hash("Kok med hygiejnebevis ", "all-MiniLM-L6-v2", "1")
    assert base != text_hash("Kok med hygiejnebevis", "jobbro-minilm-da", "1")
    assert base != text_hash("Kok med hygiejnebevis", "all-MiniLM-L6-v2", "2")
    assert text_hash("ab", "c", "1") != text_hash("a", "bc", "1")
