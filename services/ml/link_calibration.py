"""Fit the occupation linker's confidence on the normaliser's dev data (validation only).

    python -m services.ml.link_calibration

Each of a title's top links is one example: its features (`link.link_features`:
score, gap to the best, whether it is the best, STAR comma form) and whether it is
one of the title's true occupations. A logistic regression over the validation
splits of the dev set and of its constructed realistic rewrites
(bench/eval_data/normalize/) gives the probability; the test splits and the
ranking evaluation sets are never seen. Fitted once with the installed model
("model") and once with character n-grams alone ("lexical", the fallback when no
model is installed); written to services/matching/occupations/link_calibration.json.
"""

import json
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from services.matching.occupations.data import english_labels, load_occupations
from services.matching.occupations.link import CALIBRATION_FILE, TOP_K, link_features
from services.matching.occupations.normalize import (
    TitleNormalizer,
    label_cache_dir,
    model_lexical_weight,
)
from services.ml.devset import Query, index_occupations, load_devset
from services.ml.realistic import load_realistic

FEATURES = ("score", "gap", "first", "comma")


def validation_queries() -> list[Query]:
    devset = load_devset()
    return devset.split("validation") + [q for q in load_realistic() if q.split == "validation"]


def dev_normalizer(embedder: Any | None) -> TitleNormalizer:
    """The product's normaliser configuration over the dev index (held-out labels removed)."""
    devset = load_devset()
    return TitleNormalizer(
        index_occupations(load_occupations(), devset.held_out),
        embedder=embedder,
        lexical_weight=model_lexical_weight(embedder),
        cache_dir=label_cache_dir() if embedder is not None else None,
        extra_labels=english_labels(),
    )


def fit(normalizer: TitleNormalizer, queries: list[Query]) -> dict[str, Any]:
    """Logistic coefficients and their fit quality on `queries`."""
    results = normalizer.normalize_batch([q.text for q in queries], k=TOP_K)
    rows: list[list[float]] = []
    hits: list[int] = []
    for q, matches in zip(queries, results, strict=True):
        for feats, m in zip(link_features(q.text, matches), matches, strict=True):
            rows.append([feats[k] for k in FEATURES])
            hits.append(int(m.uri in q.relevant))
    x, y = np.asarray(rows), np.asarray(hits)
    model = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    raw = model.predict_proba(x)[:, 1]
    # The logistic shape under-states the confident end (0.90 predicted, 0.98
    # observed); an isotonic map of its output onto the observed share fixes that.
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)
    prob = iso.predict(raw)
    coefficients = {k: round(float(c), 4) for k, c in zip(FEATURES, model.coef_[0], strict=True)}
    coefficients["intercept"] = round(float(model.intercept_[0]), 4)
    return {
        "coefficients": coefficients,
        "isotonic": {
            "x": [round(float(v), 5) for v in iso.X_thresholds_],
            "y": [round(float(v), 5) for v in iso.y_thresholds_],
        },
        "examples": len(y),
        "titles": len(queries),
        "brier": round(float(np.mean((prob - y) ** 2)), 4),
        "reliability": _reliability(prob, y),
    }


def _reliability(prob: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """Mean predicted against observed share per confidence bin (a calibration check)."""
    out: list[dict[str, Any]] = []
    for lo in np.arange(0.0, 1.0, 0.2):
        sel = (prob >= lo) & (prob < lo + 0.2 if lo < 0.8 else prob <= 1.0)
        if sel.any():
            out.append(
                {
                    "bin": f"{lo:.1f}-{lo + 0.2:.1f}",
                    "n": int(sel.sum()),
                    "predicted": round(float(prob[sel].mean()), 3),
                    "observed": round(float(y[sel].mean()), 3),
                }
            )
    return out


def main() -> None:
    from services.matching.index.embedding import get_embedder

    queries = validation_queries()
    report = {
        "fitted_on": "bench/eval_data/normalize validation + realistic validation",
        "model": {"model_name": get_embedder().model_name}
        | fit(dev_normalizer(get_embedder()), queries),
        "lexical": fit(dev_normalizer(None), queries),
    }
    CALIBRATION_FILE.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
