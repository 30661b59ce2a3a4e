"""Array helpers of the index: id and vector coercion, top-k selection and merging."""

import contextlib
from collections.abc import Iterator
from typing import Any

import faiss as _faiss
import numpy as np

# faiss's type stubs miss most of its SWIG surface (selectors, search
# parameters, direct maps), so it is typed as Any here.
faiss: Any = _faiss

PAD_SCORE = np.float32(-np.inf)


def as_ids(ids: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def as_vectors(vectors: Any, dimension: int) -> np.ndarray:
    x = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] != dimension:
        raise ValueError(f"expected vectors of dimension {dimension}, got shape {x.shape}")
    return x


@contextlib.contextmanager
def one_thread(enabled: bool = True) -> Iterator[None]:
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


def top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k per row of a (nq, m) score matrix, padded with -1 ids."""
    nq, m = scores.shape
    out_s = np.full((nq, k), PAD_SCORE, dtype=np.float32)
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


def subset_top_k(
    x: np.ndarray, base: np.ndarray, rows: np.ndarray, ids: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of `x` among `base[rows]` (whose ids are `ids`), padded with -1.

    FAISS's SIMD kernel scores the rows in place: no gather, and no BLAS call,
    whose thread pool stalls on a busy machine (23 ms for 1 x 10k measured).
    """
    nq, m = len(x), len(rows)
    out_s = np.full((nq, k), PAD_SCORE, dtype=np.float32)
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


def last_wins(ids: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`ids` and their rows of `x` without repeated ids: the last row of an id wins."""
    rev_unique, rev_pos = np.unique(ids[::-1], return_index=True)
    if len(rev_unique) == len(ids):
        return ids, x
    keep = np.sort(len(ids) - 1 - rev_pos)
    return ids[keep], x[keep]


def merge_top_k(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The best k per row of two (scores, ids) results over disjoint id sets."""
    scores = np.concatenate([a[0], b[0]], axis=1)
    ids = np.concatenate([a[1], b[1]], axis=1)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1)


def sorted_unique(ids: np.ndarray) -> np.ndarray:
    """`ids` sorted without repeats; free when the caller already passes them so."""
    if len(ids) < 2 or bool((ids[1:] > ids[:-1]).all()):
        return ids
    return np.unique(ids)


def member(ids: np.ndarray, sorted_allowed: np.ndarray) -> np.ndarray:
    """Elementwise: is the id in the sorted array (padding -1 never is)?"""
    if len(sorted_allowed) == 0:
        return np.zeros(ids.shape, dtype=bool)
    pos = np.searchsorted(sorted_allowed, ids)
    pos[pos == len(sorted_allowed)] = 0
    return (sorted_allowed[pos] == ids) & (ids >= 0)


def compact(
    scores: np.ndarray, ids: np.ndarray, keep: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first k kept entries (rows are sorted best first), padded with -1."""
    out_s = np.full((len(ids), k), PAD_SCORE, dtype=np.float32)
    out_i = np.full((len(ids), k), -1, dtype=np.int64)
    for row in range(len(ids)):
        kept_s, kept_i = scores[row][keep[row]][:k], ids[row][keep[row]][:k]
        out_s[row, : len(kept_s)] = kept_s
        out_i[row, : len(kept_i)] = kept_i
    return out_s, out_i
