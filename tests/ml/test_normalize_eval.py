"""Evaluation metrics and the dev set's guarantees against leakage."""

import random

import pytest

from services.matching.occupations.data import load_occupations
from services.matching.occupations.titles import clean_title
from services.ml.devset import index_occupations, load_devset
from services.ml.normalize_eval import ranking_metrics
from services.ml.train import TrainConfig, build_pairs, make_batches


def test_metrics_on_a_tiny_fixed_example() -> None:
    rankings = [["a", "b", "c"], ["b", "a", "c"], ["c", "b", "a"], ["x", "y", "z"]]
    relevant = [frozenset({"a"}), frozenset({"a", "c"}), frozenset({"b"}), frozenset({"q"})]
    m = ranking_metrics(rankings, relevant)
    # Reciprocal ranks 1, 1/2, 1/2, 0.
    assert m.mrr == pytest.approx((1 + 0.5 + 0.5 + 0) / 4)
    # AP: 1; (1/2 + 2/3) / 2; 1/2; 0.
    assert m.map == pytest.approx((1 + (0.5 + 2 / 3) / 2 + 0.5 + 0) / 4)
    assert m.success_at_1 == pytest.approx(0.25)
    assert m.success_at_10 == pytest.approx(0.75)
    assert m.queries == 4


def test_dev_queries_are_not_labels_in_the_index() -> None:
    devset = load_devset()
    index = index_occupations(load_occupations(), devset.held_out)
    indexed = {clean_title(label) for o in index for label in o.labels}
    assert devset.split("validation")
    assert devset.split("test")
    assert all(clean_title(q.text) not in indexed for q in devset.queries)
    assert all(q.relevant <= set(devset.held_out) for q in devset.queries)


def test_training_pairs_leave_out_held_out_occupations() -> None:
    devset = load_devset()
    held_out = set(devset.held_out)
    pairs = build_pairs(TrainConfig(), held_out)
    assert pairs
    assert not any(key.removeprefix("o:") in held_out for p in pairs for key in p.keys)
    query_texts = {clean_title(q.text) for q in devset.queries}
    assert not any(p.anchor in query_texts or p.positive in query_texts for p in pairs)


def test_batches_share_no_occupation_or_text() -> None:
    pairs = build_pairs(TrainConfig(), set(load_devset().held_out))[:3000]
    for batch in make_batches(pairs, 64, random.Random(1)):
        keys = [k for p in batch for k in p.keys]
        assert len(keys) == len(set(keys))
