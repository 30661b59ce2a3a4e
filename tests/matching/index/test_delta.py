"""The index store's delta log: small appended segments, layered reads, compaction."""

import itertools
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from services.matching.index import faiss_index, generations
from services.matching.index import store as store_module
from services.matching.index.delta import LayeredIndex
from services.matching.index.faiss_index import VectorIndex
from services.matching.index.store import IndexStore
from tests.matching.index.test_faiss_index import clustered

DIM = 32
REPO = Path(__file__).resolve().parents[2]


def _base(tmp_path: Path, n: int = 3000, *, exact_max: int = 10_000) -> tuple[IndexStore, dict]:
    """A store whose first generation holds n vectors, and the content as {id: vector}."""
    x = clustered(n)
    ids = np.arange(n, dtype=np.int64) * 97 + 1_000_003
    index = VectorIndex.create(DIM, exact_max=exact_max)
    index.add(ids, x)
    store = IndexStore(tmp_path)
    store.publish(index, {"model": "m"})
    return store, dict(zip(ids.tolist(), x, strict=True))


def _changes(store: IndexStore, content: dict, *, seed: int = 1) -> None:
    """Single-CV style applies of every kind, mirrored into `content`."""
    rng = np.random.default_rng(seed)
    ids = sorted(content)
    fresh = clustered(40, seed=seed + 10)
    for i in range(10):  # new ids
        new_id = 5_000_000 + i
        store.apply(add=(np.array([new_id]), fresh[i : i + 1]))
        content[new_id] = fresh[i]
    for i, old in enumerate(rng.choice(ids, 10, replace=False).tolist()):  # replaced in base
        store.apply(add=(np.array([old]), fresh[10 + i : 11 + i]))
        content[old] = fresh[10 + i]
    gone = [i for i in rng.choice(ids, 10, replace=False).tolist() if i in content]
    for old in gone:  # removed from base
        store.apply(remove=np.array([old]))
        del content[old]
    store.apply(remove=np.array([5_000_000, 5_000_001]))  # removed from the delta
    del content[5_000_000], content[5_000_001]
    store.apply(add=(np.array([5_000_002]), fresh[30:31]))  # replaced within the delta
    content[5_000_002] = fresh[30]
    store.apply(add=(np.array([gone[0], 5_000_000]), fresh[31:33]))  # removed, then back
    content[gone[0]], content[5_000_000] = fresh[31], fresh[32]
    # A batch that repeats an id: the last vector wins, as in VectorIndex.add.
    store.apply(add=(np.array([6_000_000, 6_000_000]), fresh[33:35]))
    content[6_000_000] = fresh[34]


def _rebuilt(content: dict) -> VectorIndex:
    index = VectorIndex.create(DIM)
    index.add(np.array(list(content), dtype=np.int64), np.stack(list(content.values())))
    return index


def _written_bytes() -> int:
    """Bytes this process has passed to write(2) so far."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


def test_a_single_vector_apply_appends_a_small_segment(tmp_path: Path) -> None:
    x = clustered(5001, dim=384)
    index = VectorIndex.create(384)
    index.add(np.arange(5000), x[:5000])
    store = IndexStore(tmp_path)
    store.publish(index, {})
    base_bytes = (tmp_path / "cv" / "gen-1" / "index.faiss").stat().st_size
    before = _written_bytes()
    assert store.apply(add=(np.array([7]), x[5000:])) == "gen-1"
    written = _written_bytes() - before
    # One 384-d vector is 1.5 KB; the base holds 5,000 (7.7 MB).
    assert written < 4096
    assert written < base_bytes / 1000
    segments = sorted(p.name for p in (tmp_path / "cv" / "gen-1").glob("delta-*"))
    assert segments == ["delta-000001.seg"]
    assert (tmp_path / "cv" / "CURRENT").read_text().split() == ["gen-1", "1", "1"]
    assert sorted(p.name for p in (tmp_path / "cv").glob("gen-*")) == ["gen-1"]
    served = store.current()
    assert isinstance(served, LayeredIndex)
    assert len(served) == 5000
    np.testing.assert_allclose(served.reconstruct(np.array([7])), x[5000:], rtol=1e-6)


def test_base_plus_deltas_search_like_an_index_rebuilt_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, content = _base(tmp_path)
    _changes(store, content)
    served = IndexStore(tmp_path).current()
    assert isinstance(served, LayeredIndex)
    assert served.meta["delta_segments"] == 34
    rebuilt = _rebuilt(content)
    assert len(served) == len(rebuilt) == len(content)
    assert served.meta["count"] == len(content)
    np.testing.assert_array_equal(served.ids(), rebuilt.ids())
    queries = np.concatenate([clustered(20, seed=7), np.stack(list(content.values()))[-20:]])
    for k in (1, 10, 200):
        got, want = served.search(queries, k), rebuilt.search(queries, k)
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_allclose(got[0], want[0], rtol=1e-5)
    all_ids = np.array(sorted(content), dtype=np.int64)
    gone = np.array([5_000_001, 123], dtype=np.int64)  # removed and never-present ids
    # Exact subset, selector and post-filter paths of the base.
    monkeypatch.setattr(faiss_index, "FILTER_EXACT_MAX", 100)
    rng = np.random.default_rng(3)
    for share in (0.02, 0.1, 0.5, 1.0):
        allowed = rng.choice(all_ids, int(share * len(all_ids)), replace=False)
        allowed = np.concatenate([allowed, gone, all_ids[-15:]])  # the delta's ids
        for k in (5, 50):
            got = served.search(queries, k, allowed_ids=allowed)
            want = rebuilt.search(queries, k, allowed_ids=allowed)
            np.testing.assert_array_equal(got[1], want[1])
            np.testing.assert_allclose(got[0], want[0], rtol=1e-5)
    # k beyond the index: padded alike.
    got = served.search(queries[:2], len(content) + 5)
    assert (got[1][:, -5:] == -1).all()
    assert np.isneginf(got[0][:, -5:]).all()
    ids, vectors = served.export()
    assert sorted(ids.tolist()) == sorted(content)
    np.testing.assert_allclose(vectors, np.stack([content[i] for i in ids.tolist()]), rtol=1e-6)


@pytest.mark.parametrize("exact_max", [10_000, 500])
def test_a_removed_or_replaced_id_never_returns_its_old_vector(
    tmp_path: Path, exact_max: int
) -> None:
    store, content = _base(tmp_path, exact_max=exact_max)
    ids = np.array(sorted(content), dtype=np.int64)
    replaced, removed = ids[:20], ids[20:40]
    old = np.stack([content[i] for i in replaced.tolist()])
    new = -old  # as far from the old vector as it gets
    for i in range(20):
        store.apply(add=(replaced[i : i + 1], new[i : i + 1]), remove=removed[i : i + 1])
    served = IndexStore(tmp_path).current()
    assert served is not None
    assert served.kind == ("flat" if exact_max == 10_000 else "ivf")
    assert len(served) == len(ids) - 20
    removed_vectors = np.stack([content[i] for i in removed.tolist()])
    for allowed in (None, np.concatenate([replaced, removed]), ids):
        scores, found = served.search(old, 50, allowed_ids=allowed)
        for row, wanted in enumerate(replaced.tolist()):
            hit = found[row] == wanted
            # The replaced id may come back, but only scored by its new vector.
            assert np.allclose(scores[row][hit], -1.0, atol=1e-5)
        _, found = served.search(removed_vectors, 50, allowed_ids=allowed)
        assert not np.isin(found, removed).any()
    assert not np.isin(served.ids(), removed).any()
    np.testing.assert_allclose(served.reconstruct(replaced), new, rtol=1e-6)


def test_compaction_past_the_segment_limit_keeps_the_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "DELTA_MAX_SEGMENTS", 8)
    store, content = _base(tmp_path)
    reader = IndexStore(tmp_path)
    _changes(store, content)  # 34 applies: every 9th compacts
    generations = sorted(p.name for p in (tmp_path / "cv").glob("gen-*"))
    assert generations == ["gen-3", "gen-4"]  # 3 compactions, two generations kept
    pointer = store.pointer()
    assert pointer is not None
    assert (pointer.generation, pointer.segments) == ("gen-4", 34 - 3 * 9)
    served = reader.current()
    assert isinstance(served, LayeredIndex)
    rebuilt = _rebuilt(content)
    queries = clustered(20, seed=7)
    np.testing.assert_array_equal(served.search(queries, 50)[1], rebuilt.search(queries, 50)[1])
    assert served.meta["model"] == "m"
    assert len(served) == len(content)
    # The compacted base holds the first 27 changes: 10 new ids, 10 replaced
    # and 7 removed ones.
    assert len(served.base) == 3000 + 10 - 7


def test_a_change_larger_than_the_row_limit_compacts_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, content = _base(tmp_path)  # limit: max(1,000, 5 % of 3,000) rows
    x = clustered(1200, seed=5)
    store.apply(add=(np.arange(900), x[:900]))
    assert store.pointer() == generations.Pointer("gen-1", 1, 900)
    store.apply(add=(np.arange(900, 1200), x[900:]), meta={"model": "m2"})
    assert store.pointer() == generations.Pointer("gen-2")
    served = IndexStore(tmp_path).current()
    assert isinstance(served, VectorIndex)
    assert len(served) == 4200
    assert served.meta["model"] == "m2"
    content.update(zip(range(1200), x, strict=True))
    queries = clustered(10, seed=8)
    np.testing.assert_array_equal(
        served.search(queries, 30)[1], _rebuilt(content).search(queries, 30)[1]
    )


def test_a_second_store_picks_up_segments_reading_only_the_new_ones(tmp_path: Path) -> None:
    store, _content = _base(tmp_path)
    reader = IndexStore(tmp_path)
    first = reader.current()
    assert isinstance(first, VectorIndex)
    x = clustered(3, seed=9)
    store.apply(add=(np.array([1]), x[:1]), meta={"text_builder_version": "9"})
    seen = reader.current()
    assert isinstance(seen, LayeredIndex)
    assert seen.base is first  # the mapped base is kept, only the segment is read
    assert reader.current() is seen  # cached until the pointer changes
    assert seen.meta["text_builder_version"] == "9"
    assert seen.meta["count"] == 3001
    store.apply(add=(np.array([2]), x[1:2]), remove=np.array([1]))
    again = reader.current()
    assert isinstance(again, LayeredIndex)
    assert again.base is first
    assert len(again) == 3001
    assert 1 not in again.ids()
    assert len(seen) == 3001
    assert 1 in seen.ids()
    with pytest.raises(RuntimeError, match="memory-mapped"):
        again.add(np.array([3]), x[2:])
    with pytest.raises(RuntimeError, match="memory-mapped"):
        again.remove(np.array([2]))


def test_another_process_s_applies_are_seen_without_restart(tmp_path: Path) -> None:
    store, _content = _base(tmp_path)
    served = store.current()
    assert served is not None
    script = (
        "import sys; import numpy as np\n"
        "from pathlib import Path\n"
        "from services.matching.index.store import IndexStore\n"
        "store = IndexStore(Path(sys.argv[1]))\n"
        "rng = np.random.default_rng(0)\n"
        "for i in range(5):\n"
        "    v = rng.normal(size=(1, 32)).astype(np.float32)\n"
        "    store.apply(add=(np.array([9_000_000 + i]), v / np.linalg.norm(v)))\n"
        "store.apply(remove=np.array([1_000_003]))\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, cwd=REPO)
    seen = store.current()
    assert isinstance(seen, LayeredIndex)
    assert len(seen) == 3000 + 5 - 1
    assert seen.base is served
    assert {9_000_000 + i for i in range(5)} <= set(seen.ids().tolist())
    _, found = seen.search(seen.reconstruct(np.array([9_000_004])), 1)
    assert found[0, 0] == 9_000_004


def test_a_segment_beyond_the_pointer_is_ignored_and_overwritten(tmp_path: Path) -> None:
    store, _content = _base(tmp_path)
    x = clustered(2, seed=11)
    store.apply(add=(np.array([1]), x[:1]))
    # A writer that died after writing its segment but before switching CURRENT.
    orphan = tmp_path / "cv" / "gen-1" / "delta-000002.seg"
    orphan.write_bytes((tmp_path / "cv" / "gen-1" / "delta-000001.seg").read_bytes())
    reader = IndexStore(tmp_path)
    served = reader.current()
    assert served is not None
    assert len(served) == 3001
    store.apply(remove=np.array([1]))
    served = reader.current()
    assert served is not None
    assert len(served) == 3000
    assert 1 not in served.ids()


def test_every_pointer_switch_moves_its_mtime_forward(tmp_path: Path) -> None:
    store, _content = _base(tmp_path)
    x = clustered(30, seed=12)
    stamps = []
    for i in range(30):
        store.apply(add=(np.array([i]), x[i : i + 1]))
        stamps.append(os.stat(tmp_path / "cv" / "CURRENT").st_mtime_ns)
    assert all(b > a for a, b in itertools.pairwise(stamps))


def _apply_many(root: str, start: int) -> None:
    store = IndexStore(Path(root))
    x = clustered(10, seed=start)
    for i in range(10):
        store.apply(add=(np.array([start + i]), x[i : i + 1]))
        if i % 3 == 2:
            store.apply(remove=np.array([start + i - 1]))


def test_concurrent_appends_and_compactions_lose_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forked workers inherit the low limit, so appends and compactions interleave.
    monkeypatch.setattr(store_module, "DELTA_MAX_SEGMENTS", 4)
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_apply_many, args=(str(tmp_path), s)) for s in (0, 100, 200)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    served = IndexStore(tmp_path).current()
    assert served is not None
    want = {s + i for s in (0, 100, 200) for i in range(10)} - {
        s + i - 1 for s in (0, 100, 200) for i in (2, 5, 8)
    }
    assert set(served.ids().tolist()) == want
    for s in (0, 100, 200):
        x = clustered(10, seed=s)
        kept = [i for i in range(10) if s + i in want]
        np.testing.assert_allclose(
            served.reconstruct(np.array([s + i for i in kept])), x[kept], rtol=1e-6
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_changes_read_incrementally_cold_and_compacted_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(store_module, "DELTA_MAX_SEGMENTS", 25)
    store, content = _base(tmp_path, n=500)
    follower = IndexStore(tmp_path)
    rng = np.random.default_rng(seed)
    pool = np.concatenate([np.array(sorted(content)), np.arange(1, 60)])
    fresh = clustered(2000, seed=seed + 100)
    used = 0
    queries = clustered(5, seed=seed + 200)
    for step in range(60):
        add_ids = rng.choice(pool, rng.integers(0, 4))
        remove_ids = rng.choice(pool, rng.integers(0, 3))
        vectors = fresh[used : used + len(add_ids)]
        used += len(add_ids)
        store.apply(add=(add_ids, vectors), remove=remove_ids)
        for i in remove_ids.tolist():
            content.pop(i, None)
        for i, v in zip(add_ids.tolist(), vectors, strict=True):
            content[i] = v
        if step % 7 == 0:
            served = follower.current()
            assert served is not None
            np.testing.assert_array_equal(served.ids(), np.array(sorted(content)))
            np.testing.assert_array_equal(
                served.search(queries, 20)[1], _rebuilt(content).search(queries, 20)[1]
            )
    for served in (follower.current(), IndexStore(tmp_path).current()):
        assert served is not None
        assert len(served) == len(content)
        ids = np.array(sorted(content))
        np.testing.assert_allclose(
            served.reconstruct(ids), np.stack([content[i] for i in ids.tolist()]), rtol=1e-6
        )
        allowed = ids[::4]
        np.testing.assert_array_equal(
            served.search(queries, 20, allowed_ids=allowed)[1],
            _rebuilt(content).search(queries, 20, allowed_ids=allowed)[1],
        )


def test_a_truncated_segment_is_refused(tmp_path: Path) -> None:
    store, _content = _base(tmp_path)
    store.apply(add=(np.array([1]), clustered(1, seed=13)))
    segment = tmp_path / "cv" / "gen-1" / "delta-000001.seg"
    segment.write_bytes(segment.read_bytes()[:-10])
    with pytest.raises(ValueError, match="not a complete delta segment"):
        IndexStore(tmp_path).current()
