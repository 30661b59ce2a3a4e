"""`jobbro eval normalize`: MRR, MAP and success@k of each signal on the held-out dev set."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.matching.occupations.data import english_labels, load_occupations
from services.matching.occupations.devset import DevSet, index_occupations, load_devset
from services.matching.occupations.normalize import TextEmbedder, TitleNormalizer

WEIGHT_GRID = tuple(round(w, 2) for w in np.arange(0.0, 1.0001, 0.1))


@dataclass(frozen=True)
class Metrics:
    """Ranking quality over a set of queries."""

    mrr: float
    map: float
    success_at_1: float
    success_at_10: float
    queries: int

    def as_dict(self) -> dict[str, float | int]:
        """Rounded for reports."""
        return {
            "mrr": round(self.mrr, 4),
            "map": round(self.map, 4),
            "success@1": round(self.success_at_1, 4),
            "success@10": round(self.success_at_10, 4),
            "queries": self.queries,
        }


def ranking_metrics(
    rankings: Sequence[Sequence[str]], relevant: Sequence[frozenset[str]]
) -> Metrics:
    """MRR, MAP and success@1/@10 of ranked id lists against each query's relevant ids."""
    if len(rankings) != len(relevant):
        raise ValueError("one ranking per query")
    rr, ap, s1, s10 = [], [], [], []
    for ranking, rel in zip(rankings, relevant, strict=True):
        hits = 0
        precisions: list[float] = []
        first = 0
        for rank, item in enumerate(ranking, start=1):
            if item in rel:
                hits += 1
                precisions.append(hits / rank)
                first = first or rank
        rr.append(1.0 / first if first else 0.0)
        ap.append(sum(precisions) / len(rel) if rel else 0.0)
        s1.append(1.0 if first == 1 else 0.0)
        s10.append(1.0 if first and first <= 10 else 0.0)
    n = len(rankings)
    mean = (lambda xs: float(sum(xs) / n)) if n else (lambda xs: 0.0)
    return Metrics(mean(rr), mean(ap), mean(s1), mean(s10), n)


def _metrics_from_scores(
    scores: np.ndarray, uris: Sequence[str], relevant: Sequence[frozenset[str]]
) -> Metrics:
    # Stable sort on the negated score: ties keep index order, as the product does.
    order = np.argsort(-scores, axis=1, kind="stable")
    rankings = [[uris[j] for j in row] for row in order]
    return ranking_metrics(rankings, relevant)


@dataclass
class _Split:
    lex: np.ndarray
    relevant: list[frozenset[str]]
    sem: dict[str, np.ndarray]


def evaluate(
    embedders: dict[str, TextEmbedder],
    devset: DevSet | None = None,
    cache_dir: Path | None = None,
    english: bool = True,
) -> dict[str, Any]:
    """Score every signal on validation and test; combination weights are picked on validation."""
    devset = devset or load_devset()
    occs = index_occupations(load_occupations(), devset.held_out)
    uris = [o.uri for o in occs]
    extra = english_labels() if english else None
    started = time.perf_counter()
    danish_only = TitleNormalizer(occs, embedder=None)
    lexical = TitleNormalizer(occs, embedder=None, extra_labels=extra)
    splits: dict[str, _Split] = {}
    reference: dict[str, Any] = {}
    for name in ("validation", "test"):
        queries = devset.split(name)
        texts = [q.text for q in queries]
        lex, _ = lexical.label_scores(texts)
        splits[name] = _Split(lex=lex, relevant=[q.relevant for q in queries], sem={})
        da_lex, _ = danish_only.label_scores(texts)
        da_scores, _ = danish_only.occupation_scores(da_lex, None)
        reference[name] = _metrics_from_scores(da_scores, uris, splits[name].relevant).as_dict()
    normalizers: dict[str, TitleNormalizer] = {}
    for model_name, embedder in embedders.items():
        normalizers[model_name] = TitleNormalizer(
            occs, embedder=embedder, cache_dir=cache_dir, extra_labels=extra
        )
        for name, split in splits.items():
            texts = [q.text for q in devset.split(name)]
            _, sem = normalizers[model_name].label_scores(texts)
            assert sem is not None
            split.sem[model_name] = sem

    def occ_metrics(split: _Split, model: str | None, weight: float) -> Metrics:
        sem = split.sem[model] if model else None
        scores, _ = lexical.occupation_scores(split.lex, sem, lexical_weight=weight)
        return _metrics_from_scores(scores, uris, split.relevant)

    report: dict[str, Any] = {
        "devset": {
            "held_out_occupations": len(devset.held_out),
            "queries": {name: len(s.relevant) for name, s in splits.items()},
            "index_labels": len(lexical.labels),
            "english_labels_in_index": english,
        },
        "methods": {},
    }
    methods: dict[str, Any] = report["methods"]
    methods["char_ngram_tfidf_danish_labels_only"] = reference
    methods["char_ngram_tfidf"] = {
        name: occ_metrics(split, None, 1.0).as_dict() for name, split in splits.items()
    }
    for model_name in embedders:
        methods[f"{model_name}"] = {
            name: occ_metrics(split, model_name, 0.0).as_dict() for name, split in splits.items()
        }
        sweep = {w: occ_metrics(splits["validation"], model_name, w).mrr for w in WEIGHT_GRID}
        best = max(sweep, key=lambda w: (sweep[w], -abs(w - 0.5)))
        methods[f"{model_name}+char_ngram"] = {
            "lexical_weight": best,
            "validation_mrr_by_weight": {str(w): round(m, 4) for w, m in sweep.items()},
            **{
                name: occ_metrics(split, model_name, best).as_dict()
                for name, split in splits.items()
            },
        }
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report
