"""Tag lookups read a column-major copy; they must answer as the row-major matrix does,
also after appends, copies and a round trip through the saved bank (pickle)."""

import copy
import pickle
import random

import numpy as np

from services.matching.search.bank.matrices import TagMatrix


def _by_rows(tags: TagMatrix, cols: np.ndarray) -> np.ndarray:
    if len(cols) == 0:
        return np.zeros(tags.matrix.shape[0], dtype=bool)
    return np.asarray(tags.matrix[:, cols].sum(axis=1)).ravel() > 0


def _rows(rng: random.Random, n: int) -> list[list[str]]:
    return [rng.sample("ABCDEFGHIJ", rng.randint(0, 3)) for _ in range(n)]


def test_has_any_answers_as_the_row_major_matrix() -> None:
    rng = random.Random(3)
    tags = TagMatrix()
    tags.append(_rows(rng, 300))
    for step in range(30):
        if step % 7 == 0:
            # A patch: a copy gets more rows (and maybe new tags); the old one is unchanged.
            before = tags.has_any(tags.column("A"))
            new = copy.copy(tags)
            new.vocab = dict(tags.vocab)
            new.append([*_rows(rng, 20), ["NEW"]])
            assert np.array_equal(tags.has_any(tags.column("A")), before)
            tags = new
        if step % 11 == 0:
            tags = pickle.loads(pickle.dumps(tags))
        cols = tags.columns(lambda t, pick=set(rng.sample("ABCDEFGHIJ", 2)): t in pick)
        rows = np.sort(rng.sample(range(tags.matrix.shape[0]), 50))
        assert np.array_equal(tags.has_any(cols), _by_rows(tags, cols))
        assert np.array_equal(tags.has_any(cols, rows), _by_rows(tags, cols)[rows])
    assert tags.has_any(tags.column("NEW")).sum() == 5  # one per patch (steps 0, 7, …, 28)
    assert not tags.has_any(tags.column("never seen")).any()


def test_a_replaced_matrix_is_read_afresh() -> None:
    tags = TagMatrix()
    tags.append([["A"], ["B"], ["A", "B"]])
    assert tags.has_any(tags.column("A")).tolist() == [True, False, True]
    tags.matrix = tags.matrix[np.asarray([False, True, True])]
    assert tags.has_any(tags.column("A")).tolist() == [False, True]
