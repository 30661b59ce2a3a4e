"""The FAISS index of CV vectors: exact up to a size, IVF above."""

import json
import math
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import faiss as _faiss
import numpy as np

from services.matching.index.arrays import (
    PAD_SCORE,
    as_ids,
    as_vectors,
    compact,
    last_wins,
    member,
    one_thread,
    sorted_unique,
    subset_top_k,
    top_k,
)
from shared.settings import get_matching_settings

# faiss's type stubs miss most of its SWIG surface (selectors, search
# parameters, direct maps), so it is typed as Any here.
faiss: Any = _faiss

Kind = Literal["flat", "ivf"]

INDEX_FILE = "index.faiss"
META_FILE = "meta.json"

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


def ivf_nlist(size: int) -> int:
    """How many IVF lists an index of `size` vectors gets by default."""
    return max(1, min(65_536, round(IVF_LISTS_PER_SQRT_N * math.sqrt(max(size, 1)))))


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
        id_arr = as_ids(ids)
        x = as_vectors(vectors, self.dimension)
        if len(id_arr) != len(x):
            raise ValueError(f"{len(id_arr)} ids for {len(x)} vectors")
        if len(id_arr) == 0:
            return
        id_arr, x = last_wins(id_arr, x)
        present = self._present(id_arr)
        if len(present):
            self._remove_present(present)
        self._index.add_with_ids(x, id_arr)
        self._id_cache = None
        self._maybe_reshape()

    def remove(self, ids: np.ndarray) -> int:
        """Remove the given ids (absent ones are ignored); returns how many were removed."""
        self._check_writable()
        present = self._present(as_ids(ids))
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
        id_arr = as_ids(ids)
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
        x = as_vectors(vectors, self.dimension)
        with one_thread(len(x) < PARALLEL_MIN_QUERIES):
            return self._search(x, k, allowed_ids)

    def _search(
        self, x: np.ndarray, k: int, allowed_ids: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        nq = len(x)
        n = len(self)
        if n == 0 or nq == 0:
            return top_k(np.zeros((nq, 0), np.float32), np.zeros(0, np.int64), k)
        if allowed_ids is None:
            if self.kind == "ivf":
                ivf_params = faiss.SearchParametersIVF(nprobe=self.nprobe)
                scores, ids = self._index.search(x, k, params=ivf_params)
            else:
                scores, ids = self._index.search(x, k)
            return self._clean(scores, ids)
        allowed = sorted_unique(as_ids(allowed_ids))
        exact_max = FILTER_EXACT_MAX if self.kind == "flat" else FILTER_EXACT_MAX_IVF
        if len(allowed) <= max(exact_max, k):
            # Few candidates: their exact scores cost less than any index scan
            # and recall is perfect whatever the index kind. An exact index
            # scores rows straight from its storage (no per-id map lookups).
            present, positions = self._present_positions(allowed)
            if self.kind == "flat":
                return subset_top_k(x, self._flat_vectors(), positions, present, k)
            rows = np.arange(len(present), dtype=np.int64)
            return subset_top_k(x, self.reconstruct(present), rows, present, k)
        share = len(allowed) / n
        if share >= POSTFILTER_MIN_SHARE:
            # Most vectors pass: search unfiltered for enough extra neighbours
            # and drop the others. Building a selector over hundreds of
            # thousands of ids would cost more than the search itself.
            fetch = min(n, math.ceil(k / share * POSTFILTER_OVERFETCH) + k)
            scores, ids = self._search(x, fetch, None)
            keep = member(ids, allowed)
            if bool((keep.sum(axis=1) >= min(k, n)).all()):
                return compact(scores, ids, keep, k)
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
        scores[ids < 0] = PAD_SCORE
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
DERIVED_META = {
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
