"""The FAISS index of CV vectors: exact up to a size, IVF above, in atomic generations."""

import contextlib
import fcntl
import json
import math
import os
import shutil
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import faiss as _faiss
import numpy as np

from shared.settings import get_matching_settings, get_settings

# faiss's type stubs miss most of its SWIG surface (selectors, search
# parameters, direct maps), so it is typed as Any here.
faiss: Any = _faiss

Kind = Literal["flat", "ivf"]

INDEX_FILE = "index.faiss"
META_FILE = "meta.json"
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
KEEP_GENERATIONS = 2
DELTA_PREFIX = "delta-"
DELTA_SUFFIX = ".seg"

# The delta log (see IndexStore.apply): a change is appended to the current
# generation as a small segment while the segments together hold at most
# max(DELTA_MIN_ROWS, DELTA_MAX_SHARE x base size) rows (vectors added plus ids
# removed), capped at DELTA_MAX_ROWS, and there are at most DELTA_MAX_SEGMENTS
# segments; beyond either the change compacts base and segments into a new
# generation. The share bounds what compaction costs per row appended; the row
# cap bounds the exact delta index every search also scans and every reading
# process rebuilds on each append; the segment cap bounds how many files a
# freshly started process reads. Numbers in docs/matching-index.md.
DELTA_MAX_SHARE = 0.05
DELTA_MIN_ROWS = 1_000
DELTA_MAX_ROWS = 20_000
DELTA_MAX_SEGMENTS = 512

# IVF defaults, tuned with bench/matching.py (numbers in docs/matching-index.md):
# nlist = IVF_LISTS_PER_SQRT_N * sqrt(N) lists, IVF_NPROBE of them scanned per query.
IVF_LISTS_PER_SQRT_N = 1.0
IVF_NPROBE = 32
# k-means wants ~39 points per centroid; more buys nothing but training time.
IVF_TRAIN_POINTS_PER_LIST = 40
# k-means iterations when training the lists (FAISS's default is 25; the
# centroids barely move after ~10 and training dominates the build at 1M).
IVF_TRAIN_ITERATIONS = 12
# An IVF index trained for N vectors is retrained once it holds this many times N.
IVF_RETRAIN_GROWTH = 4.0
# Filters that leave at most this many vectors are searched exactly by
# reconstructing their vectors and taking dot products; above it the filter is
# pushed into the FAISS search as an id selector.
FILTER_EXACT_MAX = 20_000
# An IVF index has to look every allowed vector up by id (~1.3 us each: 13 ms
# CPU for 10k), so above this many a selector scan of the probed lists is cheaper.
FILTER_EXACT_MAX_IVF = 2_000
# Searches of fewer query rows than this run on one OpenMP thread (see _one_thread).
PARALLEL_MIN_QUERIES = 16
# Filters that keep at least this share of the index are applied after an
# unfiltered search for k / share * POSTFILTER_OVERFETCH neighbours (falling
# back to the selector when too few survive). At 1M: 20 % allowed gave recall@50
# 0.956 at 9.6 ms CPU p95 this way; 10 % only 0.939, where the selector reaches
# 0.99 but costs ~50 ms building its id set.
POSTFILTER_MIN_SHARE = 0.2
POSTFILTER_OVERFETCH = 2.0
# With a selector, IVF scans nprobe * (N / allowed) lists so that the probed
# lists still hold about as many allowed vectors as an unfiltered search sees,
# up to this multiple of nprobe (at 1M with 1 % allowed: 8x gave recall@50
# 0.983 at 5.4 ms CPU p95, 16x 0.998 at 10.9 ms, 4x 0.950 at 3.3 ms).
FILTER_NPROBE_MAX_FACTOR = 8

_PAD_SCORE = np.float32(-np.inf)


def _as_ids(ids: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def _as_vectors(vectors: Any, dimension: int) -> np.ndarray:
    x = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] != dimension:
        raise ValueError(f"expected vectors of dimension {dimension}, got shape {x.shape}")
    return x


@contextlib.contextmanager
def _one_thread(enabled: bool = True) -> Iterator[None]:
    """Run FAISS calls of this thread on a single OpenMP thread.

    A single query gains little from a second thread, and on a busy machine
    (several API workers, other services) OpenMP's barriers make it several
    times slower: measured 28 ms with one thread against 100 ms with two for an
    exact query over 100k vectors. The setting is per calling thread.
    """
    if not enabled:
        yield
        return
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def ivf_nlist(size: int) -> int:
    """How many IVF lists an index of `size` vectors gets by default."""
    return max(1, min(65_536, round(IVF_LISTS_PER_SQRT_N * math.sqrt(max(size, 1)))))


def _top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k per row of a (nq, m) score matrix, padded with -1 ids."""
    nq, m = scores.shape
    out_s = np.full((nq, k), _PAD_SCORE, dtype=np.float32)
    out_i = np.full((nq, k), -1, dtype=np.int64)
    if m == 0:
        return out_s, out_i
    take = min(k, m)
    if take < m:
        part = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    else:
        part = np.broadcast_to(np.arange(m), (nq, m))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    cols = np.take_along_axis(part, order, axis=1)
    out_s[:, :take] = np.take_along_axis(scores, cols, axis=1)
    out_i[:, :take] = ids[cols]
    return out_s, out_i


def _subset_top_k(
    x: np.ndarray, base: np.ndarray, rows: np.ndarray, ids: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of `x` among `base[rows]` (whose ids are `ids`), padded with -1.

    FAISS's SIMD kernel scores the rows in place: no gather, and no BLAS call,
    whose thread pool stalls on a busy machine (23 ms for 1 x 10k measured).
    """
    nq, m = len(x), len(rows)
    out_s = np.full((nq, k), _PAD_SCORE, dtype=np.float32)
    out_i = np.full((nq, k), -1, dtype=np.int64)
    take = min(k, m)
    if take == 0:
        return out_s, out_i
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    vals = np.empty((nq, take), dtype=np.float32)
    found = np.empty((nq, take), dtype=np.int64)
    faiss.knn_inner_products_by_idx(
        faiss.swig_ptr(x),
        faiss.swig_ptr(base),
        faiss.swig_ptr(rows),
        base.shape[1],
        nq,
        len(base),
        m,
        take,
        faiss.swig_ptr(vals),
        faiss.swig_ptr(found),
        0,  # every query scores the same subset
    )
    # `found` holds row numbers of `base`; translate them to ids.
    order = np.argsort(rows)
    at = order[np.searchsorted(rows, found, sorter=order)]
    out_s[:, :take] = vals
    out_i[:, :take] = ids[at]
    return out_s, out_i


def _last_wins(ids: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`ids` and their rows of `x` without repeated ids: the last row of an id wins."""
    rev_unique, rev_pos = np.unique(ids[::-1], return_index=True)
    if len(rev_unique) == len(ids):
        return ids, x
    keep = np.sort(len(ids) - 1 - rev_pos)
    return ids[keep], x[keep]


def _merge_top_k(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The best k per row of two (scores, ids) results over disjoint id sets."""
    scores = np.concatenate([a[0], b[0]], axis=1)
    ids = np.concatenate([a[1], b[1]], axis=1)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1)


def _sorted_unique(ids: np.ndarray) -> np.ndarray:
    """`ids` sorted without repeats; free when the caller already passes them so."""
    if len(ids) < 2 or bool((ids[1:] > ids[:-1]).all()):
        return ids
    return np.unique(ids)


def _member(ids: np.ndarray, sorted_allowed: np.ndarray) -> np.ndarray:
    """Elementwise: is the id in the sorted array (padding -1 never is)?"""
    if len(sorted_allowed) == 0:
        return np.zeros(ids.shape, dtype=bool)
    pos = np.searchsorted(sorted_allowed, ids)
    pos[pos == len(sorted_allowed)] = 0
    return (sorted_allowed[pos] == ids) & (ids >= 0)


def _compact(
    scores: np.ndarray, ids: np.ndarray, keep: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first k kept entries (rows are sorted best first), padded with -1."""
    out_s = np.full((len(ids), k), _PAD_SCORE, dtype=np.float32)
    out_i = np.full((len(ids), k), -1, dtype=np.int64)
    for row in range(len(ids)):
        kept_s, kept_i = scores[row][keep[row]][:k], ids[row][keep[row]][:k]
        out_s[row, : len(kept_s)] = kept_s
        out_i[row, : len(kept_i)] = kept_i
    return out_s, out_i


class VectorIndex:
    """Unit vectors keyed by int64 database ids; inner product equals cosine similarity."""

    def __init__(
        self,
        index: Any,
        *,
        kind: Kind,
        dimension: int,
        exact_max: int,
        nprobe: int = IVF_NPROBE,
        trained_size: int = 0,
        meta: dict[str, object] | None = None,
    ) -> None:
        self._index = index
        self.kind: Kind = kind
        self.dimension = dimension
        self.exact_max = exact_max
        self.nprobe = nprobe
        # The size the IVF lists were trained for, to know when to retrain.
        self.trained_size = trained_size
        self.meta: dict[str, object] = dict(meta or {})
        # A memory-mapped index (as served by IndexStore.current) must not change.
        self.read_only = False
        # (ids sorted ascending, their positions in storage order); rebuilt after changes.
        self._id_cache: tuple[np.ndarray, np.ndarray] | None = None
        self._ids_lock = threading.Lock()

    # -- construction ---------------------------------------------------------------

    @classmethod
    def create(
        cls,
        dimension: int,
        *,
        expected_size: int = 0,
        exact_max: int | None = None,
        kind: Kind | None = None,
    ) -> "VectorIndex":
        """An empty index; exact until it holds more than `exact_max` vectors, IVF above."""
        limit = get_matching_settings().exact_search_max if exact_max is None else exact_max
        index = cls(_new_flat(dimension), kind="flat", dimension=dimension, exact_max=limit)
        # An IVF index needs training data, so it always starts flat and is
        # converted in add() once it holds enough vectors; `kind="ivf"` or a
        # large expected size only decide how early that happens.
        index._want_ivf = kind == "ivf" or (kind is None and expected_size > limit)
        index._expected_size = expected_size
        return index

    _want_ivf: bool = False
    _expected_size: int = 0

    # -- mutation -------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under `ids`; an id that is already present gets the new vector."""
        self._check_writable()
        id_arr = _as_ids(ids)
        x = _as_vectors(vectors, self.dimension)
        if len(id_arr) != len(x):
            raise ValueError(f"{len(id_arr)} ids for {len(x)} vectors")
        if len(id_arr) == 0:
            return
        id_arr, x = _last_wins(id_arr, x)
        present = self._present(id_arr)
        if len(present):
            self._remove_present(present)
        self._index.add_with_ids(x, id_arr)
        self._id_cache = None
        self._maybe_reshape()

    def remove(self, ids: np.ndarray) -> int:
        """Remove the given ids (absent ones are ignored); returns how many were removed."""
        self._check_writable()
        present = self._present(_as_ids(ids))
        if len(present) == 0:
            return 0
        return self._remove_present(present)

    def _check_writable(self) -> None:
        if self.read_only:
            raise RuntimeError("this index is memory-mapped from a published generation")

    def _remove_present(self, present: np.ndarray) -> int:
        # IVF's hashtable direct map only accepts an explicit id array.
        sel = faiss.IDSelectorArray(len(present), faiss.swig_ptr(present))
        removed = int(self._index.remove_ids(sel))
        self._id_cache = None
        return removed

    def _maybe_reshape(self) -> None:
        n = len(self)
        if self.kind == "flat":
            threshold = self.exact_max
            if self._want_ivf:
                # Convert as soon as there is enough data to train the lists well.
                nlist = ivf_nlist(max(self._expected_size, n))
                threshold = min(threshold, nlist * IVF_TRAIN_POINTS_PER_LIST)
            if n > threshold:
                self._rebuild_ivf(max(self._expected_size, n))
        elif n > IVF_RETRAIN_GROWTH * max(self.trained_size, 1):
            self._rebuild_ivf(n)

    def _rebuild_ivf(self, size_hint: int) -> None:
        ids, x = self.export()
        # Never more lists than the data can train (k-means warns below 39 per list).
        nlist = max(1, min(ivf_nlist(size_hint), len(x) // 39))
        quantizer = faiss.IndexFlatIP(self.dimension)
        ivf = faiss.IndexIVFFlat(quantizer, self.dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        # Keeps the quantizer alive as long as the IVF (SWIG does not).
        ivf.own_fields = True
        quantizer.this.disown()
        rng = np.random.default_rng(0)
        n_train = min(len(x), nlist * IVF_TRAIN_POINTS_PER_LIST)
        sample = x[np.sort(rng.choice(len(x), n_train, replace=False))] if n_train < len(x) else x
        ivf.cp.niter = IVF_TRAIN_ITERATIONS
        ivf.train(sample)
        # Reconstruct-by-id (exact filtered search) and remove need the direct map.
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf.add_with_ids(x, ids)
        self._index = ivf
        self.kind = "ivf"
        # Lists laid out for the expected size need no retraining on the way there.
        self.trained_size = max(size_hint, len(x))
        self._id_cache = None

    # -- reading --------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def nlist(self) -> int:
        """Number of IVF lists (0 for an exact index)."""
        return int(self._index.nlist) if self.kind == "ivf" else 0

    def ids(self) -> np.ndarray:
        """All ids in the index, sorted ascending."""
        return self._ids_sorted().copy()

    def _ids_sorted(self) -> np.ndarray:
        return self._id_positions()[0]

    def _id_positions(self) -> tuple[np.ndarray, np.ndarray]:
        cached = self._id_cache
        if cached is not None:
            return cached
        with self._ids_lock:
            if self._id_cache is None:
                raw = self._raw_ids()
                order = np.argsort(raw, kind="stable")
                self._id_cache = (raw[order], order)
            return self._id_cache

    def _raw_ids(self) -> np.ndarray:
        """Ids in storage order (flat: row order; IVF: list by list)."""
        if self.kind == "flat":
            return faiss.vector_to_array(self._index.id_map).astype(np.int64, copy=False)
        invlists = self._index.invlists
        parts = []
        for list_no in range(invlists.nlist):
            size = invlists.list_size(list_no)
            if size:
                ptr = invlists.get_ids(list_no)
                parts.append(faiss.rev_swig_ptr(ptr, size).copy())
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _present(self, ids: np.ndarray) -> np.ndarray:
        """The distinct ids of `ids` that are in the index."""
        return self._present_positions(ids)[0]

    def _present_positions(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct ids of `ids` that are in the index, and their storage positions."""
        known, positions = self._id_positions()
        if len(known) == 0 or len(ids) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        uniq = np.unique(ids)
        pos = np.searchsorted(known, uniq)
        pos[pos == len(known)] = 0
        hit = known[pos] == uniq
        return np.ascontiguousarray(uniq[hit]), positions[pos[hit]]

    def _flat_vectors(self) -> np.ndarray:
        """A zero-copy (n, d) view of an exact index's storage; invalid after a change."""
        flat = faiss.downcast_index(self._index.index)
        n = int(flat.ntotal)
        return faiss.rev_swig_ptr(flat.get_xb(), n * self.dimension).reshape(n, self.dimension)

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of `ids`, which must all be present."""
        id_arr = _as_ids(ids)
        if len(id_arr) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = np.empty((len(id_arr), self.dimension), dtype=np.float32)
        self._index.reconstruct_batch(id_arr, out)
        return out

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        """All (ids, vectors) in storage order, for rebuilding another index."""
        ids = self._raw_ids()
        if self.kind == "flat":
            return ids.copy(), np.array(self._flat_vectors(), dtype=np.float32)
        return ids, self.reconstruct(ids)

    def search(
        self, vectors: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row, best first; missing places have id -1, score -inf."""
        if k <= 0:
            raise ValueError("k must be positive")
        x = _as_vectors(vectors, self.dimension)
        with _one_thread(len(x) < PARALLEL_MIN_QUERIES):
            return self._search(x, k, allowed_ids)

    def _search(
        self, x: np.ndarray, k: int, allowed_ids: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        nq = len(x)
        n = len(self)
        if n == 0 or nq == 0:
            return _top_k(np.zeros((nq, 0), np.float32), np.zeros(0, np.int64), k)
        if allowed_ids is None:
            if self.kind == "ivf":
                ivf_params = faiss.SearchParametersIVF(nprobe=self.nprobe)
                scores, ids = self._index.search(x, k, params=ivf_params)
            else:
                scores, ids = self._index.search(x, k)
            return self._clean(scores, ids)
        allowed = _sorted_unique(_as_ids(allowed_ids))
        exact_max = FILTER_EXACT_MAX if self.kind == "flat" else FILTER_EXACT_MAX_IVF
        if len(allowed) <= max(exact_max, k):
            # Few candidates: their exact scores cost less than any index scan
            # and recall is perfect whatever the index kind. An exact index
            # scores rows straight from its storage (no per-id map lookups).
            present, positions = self._present_positions(allowed)
            if self.kind == "flat":
                return _subset_top_k(x, self._flat_vectors(), positions, present, k)
            rows = np.arange(len(present), dtype=np.int64)
            return _subset_top_k(x, self.reconstruct(present), rows, present, k)
        share = len(allowed) / n
        if share >= POSTFILTER_MIN_SHARE:
            # Most vectors pass: search unfiltered for enough extra neighbours
            # and drop the others. Building a selector over hundreds of
            # thousands of ids would cost more than the search itself.
            fetch = min(n, math.ceil(k / share * POSTFILTER_OVERFETCH) + k)
            scores, ids = self._search(x, fetch, None)
            keep = _member(ids, allowed)
            if bool((keep.sum(axis=1) >= min(k, n)).all()):
                return _compact(scores, ids, keep, k)
        sel = faiss.IDSelectorBatch(len(allowed), faiss.swig_ptr(allowed))
        if self.kind == "ivf":
            factor = min(float(FILTER_NPROBE_MAX_FACTOR), 1.0 / min(share, 1.0))
            nprobe = min(self.nlist, math.ceil(self.nprobe * factor))
            params: Any = faiss.SearchParametersIVF(nprobe=nprobe, sel=sel)
        else:
            params = faiss.SearchParameters(sel=sel)
        scores, ids = self._index.search(x, k, params=params)
        return self._clean(scores, ids)

    @staticmethod
    def _clean(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = ids.astype(np.int64, copy=False)
        scores = scores.astype(np.float32, copy=False)
        scores[ids < 0] = _PAD_SCORE
        return scores, ids

    # -- persistence ----------------------------------------------------------------

    def describe(self) -> dict[str, object]:
        """What meta.json records about the index itself."""
        return {
            "dimension": self.dimension,
            "count": len(self),
            "kind": self.kind,
            "exact_max": self.exact_max,
            "nlist": self.nlist,
            "nprobe": self.nprobe if self.kind == "ivf" else 0,
            "trained_size": self.trained_size,
            "faiss_version": faiss.__version__,
        }

    def save(self, directory: Path, meta: dict[str, object]) -> None:
        """Write the index file and meta.json (caller's meta plus the index's own facts)."""
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(directory / INDEX_FILE))
        merged: dict[str, object] = {**self.meta, **meta}
        merged.update(self.describe())
        merged["build_time"] = datetime.now(UTC).isoformat(timespec="seconds")
        tmp = directory / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(merged, indent=2, sort_keys=True, default=str), "utf-8")
        os.replace(tmp, directory / META_FILE)
        self.meta = merged

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = False) -> "VectorIndex":
        """Read an index saved by `save`; `mmap` maps the vectors read-only instead of copying."""
        meta: dict[str, object] = json.loads((directory / META_FILE).read_text("utf-8"))
        # Mapping costs a fraction of reading (0.07 s against 1.2 s for 100k
        # vectors, measured) and API processes share the pages; a pruned
        # generation stays valid while mapped, as unlinked files do on POSIX.
        flags = 0
        if mmap:
            # FAISS has one mapping flag per index family; they do not combine.
            flags = faiss.IO_FLAG_MMAP if meta.get("kind") == "ivf" else faiss.IO_FLAG_MMAP_IFC
        raw = faiss.read_index(str(directory / INDEX_FILE), flags)
        if isinstance(raw, faiss.IndexIVF):
            kind: Kind = "ivf"
            raw.set_direct_map_type(faiss.DirectMap.Hashtable)
        else:
            # read_index already returns the concrete class; downcasting again
            # would make a second wrapper and free the index with the first.
            kind = "flat"
        exact_max = meta.get("exact_max")
        nprobe = meta.get("nprobe")
        trained = meta.get("trained_size")
        index = cls(
            raw,
            kind=kind,
            dimension=int(raw.d),
            exact_max=(
                int(exact_max)
                if isinstance(exact_max, int)
                else get_matching_settings().exact_search_max
            ),
            nprobe=int(nprobe) if isinstance(nprobe, int) and nprobe > 0 else IVF_NPROBE,
            trained_size=int(trained) if isinstance(trained, int) else int(raw.ntotal),
            meta=meta,
        )
        index.read_only = mmap
        return index


def _new_flat(dimension: int) -> Any:
    # IndexIDMap2 (not IndexIDMap) keeps a reverse map, so vectors can be
    # reconstructed by database id for exact filtered search.
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


# Meta keys describing the index itself; recomputed on every save, never carried over.
_DERIVED_META = {
    "dimension",
    "count",
    "kind",
    "exact_max",
    "nlist",
    "nprobe",
    "trained_size",
    "faiss_version",
    "build_time",
}


# -- the delta log ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pointer:
    """What CURRENT says: the generation and how many of its delta segments are published."""

    generation: str
    segments: int = 0
    # Vectors added plus ids removed over those segments (decides compaction
    # without reading them).
    rows: int = 0

    def render(self) -> str:
        if self.segments == 0:
            return self.generation + "\n"
        return f"{self.generation} {self.segments} {self.rows}\n"

    @classmethod
    def parse(cls, text: str) -> "Pointer | None":
        parts = text.split()
        if not parts:
            return None
        if len(parts) == 1:
            return cls(parts[0])
        return cls(parts[0], int(parts[1]), int(parts[2]))


@dataclass(frozen=True)
class DeltaSegment:
    """One `apply`: remove `remove_ids`, then add `add_ids` with their vectors."""

    add_ids: np.ndarray
    add_vectors: np.ndarray
    remove_ids: np.ndarray
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.add_ids) + len(self.remove_ids)


def _segment_name(number: int) -> str:
    return f"{DELTA_PREFIX}{number:06d}{DELTA_SUFFIX}"


# Segment file: this magic, then little-endian u32 dimension, number of added
# ids, number of removed ids and meta length, then the added ids (i64), their
# vectors (f32, row-major), the removed ids (i64) and the meta (UTF-8 JSON).
# A raw layout because readers load every new segment: an .npz took ~1.2 ms
# per segment (zip and header parsing), which made a cold start on 500
# segments cost 0.45 s.
_SEGMENT_MAGIC = b"JBDELTA1"
_SEGMENT_HEADER = struct.Struct("<8sIIII")


def _write_segment(path: Path, segment: DeltaSegment) -> int:
    """Write a segment atomically (temp file, fsync, rename); returns its size in bytes."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    meta = json.dumps(segment.meta, sort_keys=True, default=str).encode("utf-8")
    add_ids = _as_ids(segment.add_ids)
    vectors = np.ascontiguousarray(segment.add_vectors, dtype=np.float32)
    remove_ids = _as_ids(segment.remove_ids)
    header = _SEGMENT_HEADER.pack(
        _SEGMENT_MAGIC, vectors.shape[1], len(add_ids), len(remove_ids), len(meta)
    )
    parts = (add_ids.astype("<i8"), vectors.astype("<f4"), remove_ids.astype("<i8"))
    payload = b"".join([header, *(part.tobytes() for part in parts), meta])
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(tmp, path)
    return len(payload)


def _read_segment(path: Path) -> DeltaSegment:
    raw = path.read_bytes()
    magic, dim, n_add, n_remove, n_meta = _SEGMENT_HEADER.unpack_from(raw)
    at = _SEGMENT_HEADER.size
    sizes = (8 * n_add, 4 * n_add * dim, 8 * n_remove, n_meta)
    if magic != _SEGMENT_MAGIC or len(raw) != at + sum(sizes):
        raise ValueError(f"{path} is not a complete delta segment")
    parts = []
    for size in sizes:
        parts.append(raw[at : at + size])
        at += size
    return DeltaSegment(
        add_ids=np.frombuffer(parts[0], dtype="<i8").astype(np.int64),
        add_vectors=np.frombuffer(parts[1], dtype="<f4").astype(np.float32).reshape(n_add, dim),
        remove_ids=np.frombuffer(parts[2], dtype="<i8").astype(np.int64),
        meta=json.loads(parts[3].decode("utf-8")),
    )


@dataclass(frozen=True)
class _Layers:
    """The effect of a generation's segments on its base.

    `masked`: sorted ids of base vectors that a segment removed or replaced;
    `ids`/`vectors`: the vectors the segments added and no later one removed,
    sorted by id; `meta`: the caller meta the segments carried, merged in order.
    """

    masked: np.ndarray
    ids: np.ndarray
    vectors: np.ndarray
    meta: dict[str, object]
    segments: int = 0
    rows: int = 0

    @classmethod
    def empty(cls, dimension: int) -> "_Layers":
        return cls(
            masked=np.zeros(0, dtype=np.int64),
            ids=np.zeros(0, dtype=np.int64),
            vectors=np.zeros((0, dimension), dtype=np.float32),
            meta={},
        )

    def extend(self, base: "VectorIndex", segments: Sequence[DeltaSegment]) -> "_Layers":
        if not segments:
            return self
        # One pass over all events, not one per segment: replaying segment by
        # segment copies the whole delta for each and goes quadratic when a
        # process starts on hundreds of segments. Per id the last event wins;
        # within a segment the adds come after the removes.
        event_ids = [self.ids]
        event_adds = [np.ones(len(self.ids), dtype=bool)]
        vectors = [self.vectors]
        meta = dict(self.meta)
        for segment in segments:
            event_ids += [segment.remove_ids, segment.add_ids]
            event_adds += [
                np.zeros(len(segment.remove_ids), bool),
                np.ones(len(segment.add_ids), bool),
            ]
            vectors.append(_as_vectors(segment.add_vectors, base.dimension))
            meta.update(segment.meta)
        all_ids = np.concatenate(event_ids)
        adds = np.concatenate(event_adds)
        # Row of each event's vector among the concatenated vectors (-1: a removal).
        rows = np.full(len(all_ids), -1, dtype=np.int64)
        rows[adds] = np.arange(int(adds.sum()))
        # The last event of each id: the first of each run when read backwards.
        rev_ids = all_ids[::-1]
        uniq, first = np.unique(rev_ids, return_index=True)
        last = len(all_ids) - 1 - first
        alive = adds[last]
        stacked = np.concatenate(vectors)
        return _Layers(
            # Only ids the base holds are masked, so len() can subtract them.
            masked=np.union1d(self.masked, base._present(uniq)),
            ids=np.ascontiguousarray(uniq[alive]),
            vectors=np.ascontiguousarray(stacked[rows[last[alive]]]),
            meta=meta,
            segments=self.segments + len(segments),
            rows=self.rows + sum(segment.rows for segment in segments),
        )


class LayeredIndex:
    """A published generation: its base (memory-mapped) with its delta segments on top.

    Base vectors a segment removed or replaced are masked out of the base's
    results; the vectors the segments added live in a small exact in-memory
    index. Searches query both and merge, so results are those of one index
    holding the same vectors (exactly so when the base is exact). Read-only,
    like any served generation; `IndexStore.current()` builds a new one for
    every newly published segment, so a search never sees half a change.
    """

    read_only = True

    def __init__(self, base: VectorIndex, layers: _Layers) -> None:
        self.base = base
        self._layers = layers
        delta = VectorIndex.create(base.dimension, exact_max=2**62, kind="flat")
        delta.add(layers.ids, layers.vectors)
        self._delta = delta
        self._ids: np.ndarray | None = None
        self.meta: dict[str, object] = {
            **{k: v for k, v in base.meta.items() if k not in _DERIVED_META},
            **layers.meta,
            **base.describe(),
            "build_time": base.meta.get("build_time"),
            "count": len(self),
            "delta_segments": layers.segments,
            "delta_rows": layers.rows,
        }

    @property
    def kind(self) -> Kind:
        return self.base.kind

    @property
    def dimension(self) -> int:
        return self.base.dimension

    @property
    def exact_max(self) -> int:
        return self.base.exact_max

    @property
    def nprobe(self) -> int:
        return self.base.nprobe

    @property
    def nlist(self) -> int:
        return self.base.nlist

    @property
    def trained_size(self) -> int:
        return self.base.trained_size

    @property
    def delta_size(self) -> int:
        """Vectors served from the delta segments rather than the base."""
        return len(self._delta)

    def __len__(self) -> int:
        return len(self.base) - len(self._layers.masked) + len(self._delta)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        raise RuntimeError("this index is memory-mapped from a published generation")

    def remove(self, ids: np.ndarray) -> int:
        raise RuntimeError("this index is memory-mapped from a published generation")

    def ids(self) -> np.ndarray:
        """All ids in the index, sorted ascending."""
        if self._ids is None:
            kept = self.base._ids_sorted()
            if len(self._layers.masked):
                kept = kept[~_member(kept, self._layers.masked)]
            self._ids = np.union1d(kept, self._layers.ids)
        return self._ids.copy()

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of `ids`, which must all be present."""
        id_arr = _as_ids(ids)
        out = np.empty((len(id_arr), self.dimension), dtype=np.float32)
        in_delta = _member(id_arr, self._layers.ids)
        if in_delta.any():
            out[in_delta] = self._delta.reconstruct(id_arr[in_delta])
        if not in_delta.all():
            out[~in_delta] = self.base.reconstruct(id_arr[~in_delta])
        return out

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        """All (ids, vectors): the base's unmasked ones in storage order, then the delta's."""
        ids, x = self.base.export()
        if len(self._layers.masked):
            keep = ~_member(ids, self._layers.masked)
            ids, x = ids[keep], x[keep]
        return np.concatenate([ids, self._layers.ids]), np.concatenate([x, self._layers.vectors])

    def describe(self) -> dict[str, object]:
        return {**self.base.describe(), "count": len(self)}

    def search(
        self, vectors: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row, best first; missing places have id -1, score -inf."""
        if k <= 0:
            raise ValueError("k must be positive")
        x = _as_vectors(vectors, self.dimension)
        masked, delta_ids = self._layers.masked, self._layers.ids
        if allowed_ids is None:
            found = self._search_base_unfiltered(x, k)
            delta_allowed = None
        else:
            allowed = _sorted_unique(_as_ids(allowed_ids))
            base_allowed = allowed[~_member(allowed, masked)] if len(masked) else allowed
            found = self.base.search(x, k, base_allowed)
            # The delta is small: pick its allowed ids by looking each of them up.
            delta_allowed = delta_ids[_member(delta_ids, allowed)]
        if len(self._delta) == 0 or (delta_allowed is not None and len(delta_allowed) == 0):
            return found
        return _merge_top_k(found, self._delta.search(x, k, delta_allowed), k)

    def _search_base_unfiltered(self, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        masked = self._layers.masked
        if len(masked) == 0:
            return self.base.search(x, k)
        # At most len(masked) of the base's best are masked, so fetching that
        # many more and dropping them is exact (for an IVF base: as good as
        # its own search). Compaction keeps the mask small.
        fetch = min(k + len(masked), max(len(self.base), 1))
        scores, ids = self.base.search(x, fetch)
        return _compact(scores, ids, ~_member(ids, masked), k)


class IndexStore:
    """Generations of one named index under `root/name/gen-<n>/`, with a CURRENT pointer.

    A generation is a base index plus an append-only log of delta segments
    (`gen-<n>/delta-<m>.seg`); CURRENT names the generation and how many of
    its segments are published, so readers always see a consistent prefix.
    """

    def __init__(self, root: Path, name: str = "cv") -> None:
        self.root = root
        self.name = name
        self.directory = root / name
        self._lock = threading.Lock()
        self._pointer_stat: tuple[int, int, int] | None = None
        self._pointer: Pointer | None = None
        # The served generation's base and what its segments did to it, kept
        # so a newly published segment costs a reader only that segment.
        self._base: VectorIndex | None = None
        self._layers: _Layers | None = None
        self._index: VectorIndex | LayeredIndex | None = None

    # -- reading --------------------------------------------------------------------

    def _stat_pointer(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.directory / CURRENT_FILE)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def pointer(self) -> Pointer | None:
        """What CURRENT says, or None before the first publish."""
        try:
            return Pointer.parse((self.directory / CURRENT_FILE).read_text("utf-8"))
        except FileNotFoundError:
            return None

    def current_generation(self) -> str | None:
        """The generation CURRENT points at, or None before the first publish."""
        pointer = self.pointer()
        return pointer.generation if pointer is not None else None

    def current(self) -> VectorIndex | LayeredIndex | None:
        """The published index, reloaded when another process has published a change."""
        # A stat per call: CURRENT is replaced (new inode, newer mtime) by every
        # publish and every appended segment, in any process, so changes are
        # noticed without reading or locking.
        stat = self._stat_pointer()
        if stat is not None and stat == self._pointer_stat:
            return self._index
        with self._lock:
            for _attempt in range(3):
                stat = self._stat_pointer()
                if stat is None:
                    self._pointer_stat, self._pointer = None, None
                    self._base, self._layers, self._index = None, None, None
                    return None
                if stat == self._pointer_stat:
                    return self._index
                pointer = self.pointer()
                if pointer is None:
                    return None
                if pointer == self._pointer:
                    self._pointer_stat = stat
                    return self._index
                try:
                    self._load(pointer)
                except (FileNotFoundError, RuntimeError):
                    # Pruned between reading the pointer and loading: a newer
                    # generation has been published meanwhile; read again.
                    latest = self.pointer()
                    if latest is not None and latest.generation == pointer.generation:
                        raise
                    continue
                self._pointer_stat = stat
                return self._index
            raise RuntimeError(f"index store {self.directory} keeps changing under the reader")

    def _load(self, pointer: Pointer) -> None:
        """Serve `pointer`, reading only the segments not seen yet when the base is the same."""
        directory = self.directory / pointer.generation
        base, layers = self._base, self._layers
        same = (
            base is not None
            and layers is not None
            and self._pointer is not None
            and self._pointer.generation == pointer.generation
            and self._pointer.segments <= pointer.segments
        )
        if not same or base is None or layers is None:
            base = VectorIndex.load(directory, mmap=True)
            layers = _Layers.empty(base.dimension)
        fresh = range(layers.segments + 1, pointer.segments + 1)
        if fresh:
            layers = layers.extend(
                base, [_read_segment(directory / _segment_name(n)) for n in fresh]
            )
        index: VectorIndex | LayeredIndex = (
            base if layers.segments == 0 else LayeredIndex(base, layers)
        )
        self._pointer, self._base, self._layers, self._index = pointer, base, layers, index

    # -- writing --------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's inter-process write lock (fcntl), so writers never interleave."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK_FILE, "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def publish(self, index: VectorIndex, meta: dict[str, object]) -> str:
        """Write `index` as a new generation, switch CURRENT to it and prune old ones."""
        with self.locked():
            return self._publish_locked(index, meta)

    def _generations(self) -> list[int]:
        numbers = []
        for entry in self.directory.glob("gen-*"):
            suffix = entry.name.removeprefix("gen-")
            if entry.is_dir() and suffix.isdigit():
                numbers.append(int(suffix))
        return sorted(numbers)

    def _write_pointer(self, pointer: Pointer) -> None:
        """Switch CURRENT to `pointer` atomically; its mtime always moves forward."""
        target = self.directory / CURRENT_FILE
        previous = self._stat_pointer()
        tmp = self.directory / f".{CURRENT_FILE}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(pointer.render())
            fh.flush()
            if previous is not None:
                # Readers compare (inode, mtime, size). A freed inode can be
                # reused at once and a coarse clock repeats mtimes, so
                # strictly increasing mtimes keep an old view from ever
                # matching a new pointer.
                mtime = max(time.time_ns(), previous[1] + 1)
                os.utime(fh.fileno(), ns=(mtime, mtime))
                if os.fstat(fh.fileno()).st_mtime_ns <= previous[1]:
                    # A file system with whole-second timestamps.
                    mtime = previous[1] + 1_000_000_000
                    os.utime(fh.fileno(), ns=(mtime, mtime))
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(self.directory)

    def _publish_locked(self, index: VectorIndex, meta: dict[str, object]) -> str:
        existing = self._generations()
        generation = f"gen-{(existing[-1] + 1) if existing else 1}"
        staging = self.directory / f".{generation}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        index.save(staging, meta)
        _fsync_dir(staging)
        os.rename(staging, self.directory / generation)
        pointer = Pointer(generation)
        self._write_pointer(pointer)
        with self._lock:
            # The publisher serves what it just wrote without reading it back.
            self._pointer_stat = self._stat_pointer()
            self._pointer, self._base, self._index = pointer, index, index
            self._layers = _Layers.empty(index.dimension)
        self._prune(keep=generation)
        return generation

    def _prune(self, keep: str) -> None:
        numbers = self._generations()
        survivors = {f"gen-{n}" for n in numbers[-KEEP_GENERATIONS:]} | {keep}
        for number in numbers:
            name = f"gen-{number}"
            if name not in survivors:
                shutil.rmtree(self.directory / name, ignore_errors=True)
        for stale in self.directory.glob(".gen-*.tmp-*"):
            # Staging directories of writers that died; we hold the lock, so no
            # live writer owns one.
            shutil.rmtree(stale, ignore_errors=True)

    def apply(
        self,
        *,
        add: tuple[np.ndarray, np.ndarray] | None = None,
        remove: np.ndarray | None = None,
        meta: dict[str, object] | None = None,
        dimension: int | None = None,
    ) -> str:
        """Remove, then add, on top of the current generation; returns the generation.

        A change that keeps the generation's delta log small is appended to it
        as a segment (bytes proportional to the change); otherwise the base
        and its segments are compacted with the change into a new generation.
        """
        with self.locked():
            pointer = self.pointer()
            if pointer is None:
                dim = dimension
                if dim is None and add is not None:
                    dim = _as_vectors(add[1], np.asarray(add[1]).shape[-1]).shape[1]
                if dim is None:
                    raise ValueError("dimension is needed to create the first generation")
                index = VectorIndex.create(dim)
                if remove is not None:
                    index.remove(remove)
                if add is not None:
                    index.add(*add)
                return self._publish_locked(index, dict(meta or {}))
            directory = self.directory / pointer.generation
            base_meta = json.loads((directory / META_FILE).read_text("utf-8"))
            dim = int(base_meta["dimension"])
            segment = DeltaSegment(
                add_ids=_as_ids(add[0]) if add is not None else np.zeros(0, dtype=np.int64),
                add_vectors=(
                    _as_vectors(add[1], dim)
                    if add is not None
                    else np.zeros((0, dim), dtype=np.float32)
                ),
                remove_ids=(
                    np.unique(_as_ids(remove)) if remove is not None else np.zeros(0, np.int64)
                ),
                meta=dict(meta or {}),
            )
            if len(segment.add_ids) != len(segment.add_vectors):
                raise ValueError(
                    f"{len(segment.add_ids)} ids for {len(segment.add_vectors)} vectors"
                )
            rows = pointer.rows + segment.rows
            limit = min(
                DELTA_MAX_ROWS, max(DELTA_MIN_ROWS, DELTA_MAX_SHARE * int(base_meta["count"]))
            )
            if pointer.segments < DELTA_MAX_SEGMENTS and rows <= limit:
                number = pointer.segments + 1
                _write_segment(directory / _segment_name(number), segment)
                _fsync_dir(directory)
                self._write_pointer(Pointer(pointer.generation, number, rows))
                return pointer.generation
            return self._compact_locked(pointer, segment)

    def _compact_locked(self, pointer: Pointer, change: DeltaSegment) -> str:
        """Publish base + segments + `change` as a new generation (the old rewrite path)."""
        directory = self.directory / pointer.generation
        # Read from disk rather than mutating the instance that current()
        # hands to concurrent searches.
        index = VectorIndex.load(directory)
        segments = [
            _read_segment(directory / _segment_name(n)) for n in range(1, pointer.segments + 1)
        ]
        layers = _Layers.empty(index.dimension).extend(index, [*segments, change])
        base_meta = {k: v for k, v in index.meta.items() if k not in _DERIVED_META}
        index.remove(layers.masked)
        index.add(layers.ids, layers.vectors)
        return self._publish_locked(index, {**base_meta, **layers.meta})


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_stores: dict[tuple[Path, str], IndexStore] = {}
_stores_lock = threading.Lock()


def index_root() -> Path:
    """Where index generations live: the setting, else <data_dir>/index."""
    configured = get_matching_settings().index_dir
    return (configured or get_settings().data_dir / "index").resolve()


def get_index_store(name: str = "cv") -> IndexStore:
    """The process-wide store for `name` under the configured root."""
    key = (index_root(), name)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = IndexStore(key[0], name)
        return store
