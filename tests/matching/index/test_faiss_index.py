"""The FAISS vector index and its published generations, on clustered random vectors."""

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from services.matching.index import faiss_index
from services.matching.index.faiss_index import VectorIndex
from services.matching.index.store import IndexStore, get_index_store

DIM = 32


def clustered(n: int, *, seed: int = 0, clusters: int = 20, dim: int = DIM) -> np.ndarray:
    """Unit vectors around a few centres, like real embeddings (random ones defeat IVF)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.5 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def brute_force(
    ids: np.ndarray, x: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ x.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    top_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    top_ids = np.full((len(queries), k), -1, dtype=np.int64)
    top_scores[:, : order.shape[1]] = np.take_along_axis(scores, order, axis=1)
    top_ids[:, : order.shape[1]] = ids[order]
    return top_scores, top_ids


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f[f >= 0]) & set(t[t >= 0])) for f, t in zip(found, truth, strict=True))
    return hits / max(1, int((truth >= 0).sum()))


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    x = clustered(3000)
    # Sparse, large database ids, as the bank hands out.
    ids = np.arange(3000, dtype=np.int64) * 97 + 1_000_003
    return ids, x


def test_search_finds_the_exact_nearest_neighbours(data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, x = data
    index = VectorIndex.create(DIM)
    index.add(ids, x)
    scores, found = index.search(x[:10], 5)
    want_scores, want = brute_force(ids, x, x[:10], 5)
    assert index.kind == "flat"
    assert len(index) == 3000
    np.testing.assert_array_equal(found, want)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5)
    assert scores.dtype == np.float32
    assert found.dtype == np.int64


def test_re_adding_an_id_replaces_its_vector(data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, x = data
    index = VectorIndex.create(DIM)
    index.add(ids[:100], x[:100])
    index.add(ids[:1], x[500:501])
    assert len(index) == 100
    _, found = index.search(x[500:501], 1)
    assert found[0, 0] == ids[0]
    np.testing.assert_allclose(index.reconstruct(ids[:1]), x[500:501])


def test_a_repeated_id_in_one_batch_keeps_its_last_vector() -> None:
    x = clustered(3)
    index = VectorIndex.create(DIM)
    index.add(np.array([7, 7, 8]), x)
    assert len(index) == 2
    np.testing.assert_allclose(index.reconstruct(np.array([7])), x[1:2])


def test_remove_returns_the_count_and_ignores_absent_ids(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    ids, x = data
    index = VectorIndex.create(DIM)
    index.add(ids, x)
    assert index.remove(np.array([ids[0], ids[1], 42])) == 2
    assert index.remove(np.array([ids[0]])) == 0
    assert len(index) == 2998
    _, found = index.search(x[:2], 10)
    assert ids[0] not in found
    assert ids[1] not in found
    assert set(index.ids()) == set(ids[2:])


def test_search_pads_with_minus_one_when_k_exceeds_the_index() -> None:
    x = clustered(3)
    index = VectorIndex.create(DIM)
    index.add(np.array([1, 2, 3]), x)
    scores, found = index.search(x[:1], 5)
    assert list(found[0, 3:]) == [-1, -1]
    assert np.all(np.isneginf(scores[0, 3:]))
    empty_scores, empty_found = VectorIndex.create(DIM).search(x[:2], 4)
    assert empty_found.shape == (2, 4)
    assert np.all(empty_found == -1)
    assert np.all(np.isneginf(empty_scores))


def test_search_rejects_vectors_of_the_wrong_dimension() -> None:
    index = VectorIndex.create(DIM)
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.zeros((1, DIM + 1), np.float32), 3)


@pytest.mark.parametrize("fraction", [0.002, 0.05, 0.5])
@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_filtered_search_matches_brute_force_over_the_allowed_ids(
    data: tuple[np.ndarray, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    fraction: float,
) -> None:
    ids, x = data
    # Small enough that the larger filters take the selector path.
    monkeypatch.setattr(faiss_index, "FILTER_EXACT_MAX", 100)
    monkeypatch.setattr(faiss_index, "FILTER_EXACT_MAX_IVF", 100)
    index = VectorIndex.create(DIM, exact_max=500 if kind == "ivf" else 10_000)
    index.add(ids, x)
    assert index.kind == kind
    rng = np.random.default_rng(1)
    allowed = rng.choice(ids, int(len(ids) * fraction), replace=False)
    # Ids that are not in the index must not show up or break anything.
    allowed_with_strangers = np.concatenate([allowed, [5, 6, 7]])
    queries = clustered(20, seed=9)
    _, found = index.search(queries, 10, allowed_ids=allowed_with_strangers)
    mask = np.isin(ids, allowed)
    _, want = brute_force(ids[mask], x[mask], queries, 10)
    assert set(found[found >= 0]) <= set(allowed)
    if kind == "flat" or len(allowed) <= 100:
        np.testing.assert_array_equal(found, want)
    else:
        assert recall(found, want) >= 0.95


def test_a_filter_with_no_indexed_ids_returns_only_padding(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    ids, x = data
    index = VectorIndex.create(DIM)
    index.add(ids, x)
    _, found = index.search(x[:2], 3, allowed_ids=np.array([1, 2], dtype=np.int64))
    assert np.all(found == -1)


def test_index_turns_approximate_above_the_exact_limit_and_keeps_recall() -> None:
    x = clustered(6000, clusters=40)
    ids = np.arange(6000, dtype=np.int64)
    index = VectorIndex.create(DIM, exact_max=4000)
    index.add(ids[:4000], x[:4000])
    assert index.kind == "flat"
    index.add(ids[4000:], x[4000:])
    assert index.kind == "ivf"
    assert index.nlist > 1
    assert len(index) == 6000
    queries = clustered(50, seed=3, clusters=40)
    _, found = index.search(queries, 50)
    _, want = brute_force(ids, x, queries, 50)
    assert recall(found, want) >= 0.95
    # Replace and remove keep working after the switch.
    index.add(ids[:1], x[100:101])
    assert index.remove(ids[1:3]) == 2
    assert len(index) == 5998


def test_a_large_expected_size_makes_the_index_approximate_early() -> None:
    x = clustered(4000)
    index = VectorIndex.create(DIM, expected_size=1_000_000, exact_max=200_000)
    index.add(np.arange(4000), x)
    assert index.kind == "flat"  # too little data to train a million-vector layout yet
    big = VectorIndex.create(DIM, expected_size=300, exact_max=100)
    big.add(np.arange(4000), x)
    assert big.kind == "ivf"


def test_save_and_load_keep_vectors_ids_and_meta(
    tmp_path: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    ids, x = data
    for exact_max in (10_000, 500):
        index = VectorIndex.create(DIM, exact_max=exact_max)
        index.add(ids, x)
        target = tmp_path / f"idx-{exact_max}"
        index.save(target, {"model": "all-MiniLM-L6-v2", "text_builder_version": "3"})
        loaded = VectorIndex.load(target)
        assert loaded.kind == index.kind
        assert len(loaded) == 3000
        np.testing.assert_array_equal(loaded.ids(), np.sort(ids))
        np.testing.assert_array_equal(loaded.search(x[:5], 5)[1], index.search(x[:5], 5)[1])
        meta = loaded.meta
        assert meta["model"] == "all-MiniLM-L6-v2"
        assert meta["text_builder_version"] == "3"
        assert meta["dimension"] == DIM
        assert meta["count"] == 3000
        assert meta["kind"] == index.kind
        assert "build_time" in meta
        assert (target / "meta.json").is_file()


def test_publish_switches_generations_and_a_second_store_sees_them(
    tmp_path: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    ids, x = data
    writer, reader = IndexStore(tmp_path), IndexStore(tmp_path)
    assert reader.current() is None
    first = VectorIndex.create(DIM)
    first.add(ids[:10], x[:10])
    assert writer.publish(first, {"model": "m"}) == "gen-1"
    seen = reader.current()
    assert seen is not None
    assert len(seen) == 10
    assert reader.current() is seen  # cached until the pointer changes
    second = VectorIndex.create(DIM)
    second.add(ids[:20], x[:20])
    assert writer.publish(second, {"model": "m"}) == "gen-2"
    again = reader.current()
    assert again is not None
    assert len(again) == 20
    assert (tmp_path / "cv" / "CURRENT").read_text().strip() == "gen-2"


def test_publish_keeps_only_the_two_newest_generations(tmp_path: Path) -> None:
    store = IndexStore(tmp_path, "title")
    x = clustered(5)
    for n in range(1, 5):
        index = VectorIndex.create(DIM)
        index.add(np.arange(n), x[:n])
        store.publish(index, {})
    gens = sorted(p.name for p in (tmp_path / "title").iterdir() if p.name.startswith("gen-"))
    assert gens == ["gen-3", "gen-4"]
    current = store.current()
    assert current is not None
    assert len(current) == 4


def test_apply_creates_the_first_generation_and_merges_meta(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    x = clustered(10)
    store.apply(add=(np.arange(5), x[:5]), meta={"model": "m", "text_builder_version": "1"})
    store.apply(add=(np.arange(5, 10), x[5:]), remove=np.array([0]))
    reader = IndexStore(tmp_path)
    current = reader.current()
    assert current is not None
    assert len(current) == 9
    assert current.meta["model"] == "m"
    assert current.meta["count"] == 9
    with pytest.raises(ValueError, match="dimension"):
        IndexStore(tmp_path, "empty").apply(remove=np.array([1]))
    IndexStore(tmp_path, "empty").apply(remove=np.array([1]), dimension=DIM)


def test_apply_does_not_mutate_the_index_being_served(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    x = clustered(10)
    store.apply(add=(np.arange(5), x[:5]))
    served = store.current()
    assert served is not None
    store.apply(add=(np.arange(5, 10), x[5:]))
    assert len(served) == 5
    newest = store.current()
    assert newest is not None
    assert len(newest) == 10


def _apply_many(root: str, start: int) -> None:
    store = IndexStore(Path(root))
    x = clustered(10, seed=start)
    for i in range(10):
        store.apply(add=(np.array([start + i]), x[i : i + 1]))


def test_apply_from_several_processes_loses_no_update(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_apply_many, args=(str(tmp_path), s)) for s in (0, 100, 200)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    current = IndexStore(tmp_path).current()
    assert current is not None
    assert len(current) == 30


def test_get_index_store_follows_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.settings import get_matching_settings, get_settings

    monkeypatch.setenv("JOBBRO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBBRO_MATCHING_INDEX_DIR", raising=False)
    get_settings.cache_clear()
    get_matching_settings.cache_clear()
    try:
        store = get_index_store("title")
        assert store.directory == (tmp_path / "index" / "title").resolve()
        assert get_index_store("title") is store
        assert get_index_store("cv") is not store
    finally:
        get_settings.cache_clear()
        get_matching_settings.cache_clear()


def test_a_filter_padded_with_unknown_ids_still_finds_every_allowed_vector(
    data: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, x = data
    monkeypatch.setattr(faiss_index, "FILTER_EXACT_MAX", 100)
    index = VectorIndex.create(DIM)
    index.add(ids, x)
    # 2,000 ids look like a broad filter, but only 200 are in the index, so a
    # post-filtered search finds too few and must fall back to the selector.
    allowed = np.concatenate([ids[:200], np.arange(1, 1801, dtype=np.int64)])
    queries = clustered(5, seed=4)
    _, found = index.search(queries, 10, allowed_ids=allowed)
    _, want = brute_force(ids[:200], x[:200], queries, 10)
    np.testing.assert_array_equal(found, want)


@pytest.mark.parametrize("exact_max", [10_000, 500])
def test_a_served_generation_is_memory_mapped_read_only_and_searches_alike(
    tmp_path: Path, data: tuple[np.ndarray, np.ndarray], exact_max: int
) -> None:
    ids, x = data
    index = VectorIndex.create(DIM, exact_max=exact_max)
    index.add(ids, x)
    IndexStore(tmp_path).publish(index, {})
    served = IndexStore(tmp_path).current()
    assert served is not None
    assert served.read_only
    assert served.kind == index.kind
    np.testing.assert_array_equal(served.search(x[:5], 7)[1], index.search(x[:5], 7)[1])
    allowed = ids[::3]
    np.testing.assert_array_equal(
        served.search(x[:5], 7, allowed_ids=allowed)[1],
        index.search(x[:5], 7, allowed_ids=allowed)[1],
    )
    with pytest.raises(RuntimeError, match="memory-mapped"):
        served.add(ids[:1], x[:1])
    with pytest.raises(RuntimeError, match="memory-mapped"):
        served.remove(ids[:1])
