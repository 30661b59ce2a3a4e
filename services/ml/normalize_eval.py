"""`jobbro eval normalize`: MRR, MAP and success@k per signal on the dev and realistic splits."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.matching.occupations.data import english_labels, load_occupations
from services.matching.occupations.normalize import (
    QueryScores,
    TextEmbedder,
    TitleNormalizer,
    expand_queries,
)
from services.ml.devset import DevSet, Query, index_occupations, load_devset
from services.ml.realistic import kompetencer_lines, load_realistic

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
    query: QueryScores
    relevant: list[frozenset[str]]
    sem: dict[str, np.ndarray]


# Dev-set splits first (the combination weight is picked on "validation"), then
# the constructed realistic-title splits and the real Kompetencer lines.
DEV_SPLITS = ("validation", "test")
REALISTIC_SPLITS = ("realistic_validation", "realistic_test", "kompetencer")


def evaluation_queries(devset: DevSet) -> dict[str, list[Query]]:
    """Every split's queries: the dev set, its realistic rewrites and the Kompetencer lines."""
    splits = {name: devset.split(name) for name in DEV_SPLITS}
    realistic = load_realistic()
    for name in DEV_SPLITS:
        splits["realistic_" + name] = [q for q in realistic if q.split == name]
    splits["kompetencer"] = kompetencer_lines()
    return splits


def evaluate(
    embedders: dict[str, TextEmbedder],
    devset: DevSet | None = None,
    cache_dir: Path | None = None,
    english: bool = True,
    embedded_extra: int | None = None,
) -> dict[str, Any]:
    """Score every signal on every split; combination weights are picked on dev validation."""
    devset = devset or load_devset()
    occs = index_occupations(load_occupations(), devset.held_out)
    uris = [o.uri for o in occs]
    extra = english_labels() if english else None
    started = time.perf_counter()
    danish_only = TitleNormalizer(occs, embedder=None)
    lexical = TitleNormalizer(occs, embedder=None, extra_labels=extra)
    splits: dict[str, _Split] = {}
    reference: dict[str, Any] = {}
    for name, queries in evaluation_queries(devset).items():
        query = expand_queries([q.text for q in queries])
        relevant = [q.relevant for q in queries]
        da_query = expand_queries([q.text for q in queries])
        da_query.lex = danish_only.lexical_scores(da_query.rows)
        da_scores, _, _ = danish_only.occupation_scores(da_query)
        reference[name] = _metrics_from_scores(da_scores, uris, relevant).as_dict()
        query.lex = lexical.lexical_scores(query.rows)
        splits[name] = _Split(query=query, relevant=relevant, sem={})
    for model_name, embedder in embedders.items():
        normalizer = TitleNormalizer(
            occs,
            embedder=embedder,
            cache_dir=cache_dir,
            extra_labels=extra,
            embedded_extra=embedded_extra,
        )
        for split in splits.values():
            sem = normalizer.semantic_scores(split.query.rows)
            assert sem is not None
            split.sem[model_name] = sem

    def occ_metrics(split: _Split, model: str | None, weight: float, literal: bool) -> Metrics:
        query = split.query
        query.sem = split.sem[model] if model else None
        scores, _, _ = lexical.occupation_scores(
            query.literal() if literal else query, lexical_weight=weight
        )
        return _metrics_from_scores(scores, uris, split.relevant)

    def per_split(model: str | None, weight: float, literal: bool = False) -> dict[str, Any]:
        return {
            name: occ_metrics(split, model, weight, literal).as_dict()
            for name, split in splits.items()
        }

    report: dict[str, Any] = {
        "devset": {
            "held_out_occupations": len(devset.held_out),
            "queries": {name: len(s.relevant) for name, s in splits.items()},
            "index_labels": len(lexical.labels),
            "english_labels_in_index": english,
        },
        "methods": {},
        "without_query_variants": {},
    }
    methods: dict[str, Any] = report["methods"]
    literal: dict[str, Any] = report["without_query_variants"]
    methods["char_ngram_tfidf_danish_labels_only"] = reference
    methods["char_ngram_tfidf"] = per_split(None, 1.0)
    literal["char_ngram_tfidf"] = per_split(None, 1.0, literal=True)
    for model_name in embedders:
        methods[model_name] = per_split(model_name, 0.0)
        sweep = {
            w: occ_metrics(splits["validation"], model_name, w, False).mrr for w in WEIGHT_GRID
        }
        best = max(sweep, key=lambda w: (sweep[w], -abs(w - 0.5)))
        methods[f"{model_name}+char_ngram"] = {
            "lexical_weight": best,
            "validation_mrr_by_weight": {str(w): round(m, 4) for w, m in sweep.items()},
            **per_split(model_name, best),
        }
        literal[f"{model_name}+char_ngram"] = per_split(model_name, best, literal=True)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def installed_embedders(include_tuned: bool = True) -> dict[str, Any]:
    """The installed base and (optionally) tuned models, named as the report names them."""
    from services.matching.index.embedding import Embedder, model_present
    from shared.settings import get_matching_settings

    settings = get_matching_settings()
    embedders: dict[str, Any] = {}
    if model_present(settings.model_path):
        embedders["base:" + settings.model_path.name] = Embedder(settings.model_path)
    if include_tuned and model_present(settings.tuned_model_path):
        embedders["tuned:" + settings.tuned_model_path.name] = Embedder(settings.tuned_model_path)
    return embedders
