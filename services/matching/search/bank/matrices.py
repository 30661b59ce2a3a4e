"""Sparse column stores of the CV bank: tag incidence and TF-IDF row blocks."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse


class TagMatrix:
    """Rows × vocabulary incidence of small tag sets (licences, languages, certificates)."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._matrix = sparse.csr_matrix((0, 0), dtype=np.float32)
        self._by_column: sparse.csc_matrix | None = None

    @property
    def matrix(self) -> sparse.csr_matrix:
        return self._matrix

    @matrix.setter
    def matrix(self, value: sparse.csr_matrix) -> None:
        self._matrix = value
        self._by_column = None

    def __copy__(self) -> "TagMatrix":
        # A patched snapshot's copy shares the column-major copy until its matrix changes.
        new = TagMatrix.__new__(TagMatrix)
        new.vocab, new._matrix, new._by_column = self.vocab, self._matrix, self._by_column
        return new

    def __getstate__(self) -> dict[str, Any]:
        # The column-major copy is rebuilt on first use; not worth a place in the file.
        return {"vocab": self.vocab, "_matrix": self._matrix}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots pickled before the column-major copy existed hold `matrix`.
        self.vocab = state["vocab"]
        self.matrix = state["_matrix"] if "_matrix" in state else state["matrix"]

    def _encode(self, rows: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        indptr, indices = [0], []
        for tags in rows:
            cols = sorted({self.vocab.setdefault(t, len(self.vocab)) for t in tags if t})
            indices += cols
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        return sparse.csr_matrix(
            (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(rows), max(len(self.vocab), 1)),
        )

    def append(self, rows: Sequence[Iterable[str]]) -> None:
        new = self._encode(rows)
        old = self.matrix
        cols = max(len(self.vocab), 1)
        old = sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], cols))
        self.matrix = sparse.vstack([old, new], format="csr") if old.shape[0] else new

    def columns(self, predicate: Any) -> np.ndarray:
        return np.asarray([i for t, i in self.vocab.items() if predicate(t)], dtype=np.int64)

    def column(self, tag: str) -> np.ndarray:
        """The column of one tag (none when no CV holds it): a dict lookup, not a scan."""
        i = self.vocab.get(tag)
        return np.asarray([] if i is None else [i], dtype=np.int64)

    def has_any(self, cols: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Per row (of `rows`, or all): holds at least one of the columns.

        Reads the columns' postings in a column-major copy (built once per matrix), so a
        search costs the holders of the tags, not a pass over every row's tags: slicing
        columns of the row-major matrix touched all rows, and a search asks this
        for each licence, certificate and occupation link.
        """
        n = self._matrix.shape[0]
        hit = np.zeros(n, dtype=bool)
        cols = cols[cols < self._matrix.shape[1]]
        if len(cols):
            by_column = self._by_column
            if by_column is None:
                by_column = self._by_column = self._matrix.tocsc()
            ptr = by_column.indptr
            hit[np.concatenate([by_column.indices[ptr[c] : ptr[c + 1]] for c in cols])] = True
        return hit if rows is None else hit[rows]


@dataclass
class TextBlocks:
    """A TF-IDF matrix (rows = CVs) kept as a large base block plus small appended blocks.

    A patch appends a block instead of copying the whole matrix (the competence matrix
    holds about 900 n-grams per CV: 0.7 GB at 100k CVs). Small blocks are merged with
    each other often and into the base rarely, so the copying stays proportional to
    what changed.
    """

    transposed: bool = False
    blocks: list[sparse.csr_matrix] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    # Features × rows per block (when `transposed`): a query reads only its n-grams' postings.
    blocks_t: list[sparse.csr_matrix] = field(default_factory=list)

    MAX_TAIL_BLOCKS = 16
    TAIL_SHARE = 0.1

    @property
    def rows(self) -> int:
        return self.starts[-1] + self.blocks[-1].shape[0] if self.blocks else 0

    def copy(self) -> "TextBlocks":
        return TextBlocks(
            self.transposed, list(self.blocks), list(self.starts), list(self.blocks_t)
        )

    def append(self, matrix: sparse.csr_matrix) -> None:
        if matrix.shape[0] == 0 and self.blocks:
            return
        self.starts.append(self.rows)
        self.blocks.append(matrix)
        if self.transposed:
            self.blocks_t.append(matrix.T.tocsr())
        tail = self.rows - self.blocks[0].shape[0]
        if tail > self.TAIL_SHARE * self.blocks[0].shape[0]:
            self._merge(0)
        elif len(self.blocks) > self.MAX_TAIL_BLOCKS + 1:
            self._merge(1)

    def _merge(self, first: int) -> None:
        merged = sparse.vstack(self.blocks[first:], format="csr")
        self.blocks[first:] = [merged]
        self.starts[first:] = [self.starts[first]]
        if self.transposed:
            self.blocks_t[first:] = [merged.T.tocsr()]

    def select(self, keep: np.ndarray) -> "TextBlocks":
        """Only the rows where `keep` is true, as one block."""
        merged = sparse.vstack(self.blocks, format="csr")[keep]
        out = TextBlocks(self.transposed)
        out.append(merged)
        return out

    def score_all(self, query: sparse.csr_matrix) -> np.ndarray:
        """query · row for every row (needs `transposed`)."""
        parts = [np.asarray((query @ t).toarray()).ravel() for t in self.blocks_t]
        return np.concatenate(parts) if parts else np.zeros(0)

    def score_rows(self, query: sparse.csr_matrix, rows: np.ndarray) -> np.ndarray:
        """query · row for the given rows (sorted ascending)."""
        out = np.zeros(len(rows))
        q = query.T.tocsc()
        for block, start in zip(self.blocks, self.starts, strict=True):
            lo, hi = np.searchsorted(rows, [start, start + block.shape[0]])
            if lo == hi:
                continue
            local = rows[lo:hi] - start
            if (hi - lo) * 4 > block.shape[0]:
                # Most of the block: one product beats copying the selected rows.
                out[lo:hi] = np.asarray((block @ q).toarray()).ravel()[local]
            else:
                out[lo:hi] = np.asarray((block[local] @ q).toarray()).ravel()
        return out
