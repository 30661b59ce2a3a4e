"""Calibrate the relevance floor of matching (services/matching/search/relevance.py).

Reads, for both dev sets (`bench/eval_data/` synthetic and `bench/eval_data/realistic/`),
every order's signals against every CV (`bench/matching_signals.py`, cached under
/tmp/jobbro-signals/), and the title and embedding cosine of gibberish queries against
each bank. For a grid of (title, semantic, occupation) thresholds it prints per set:
the share of judged-relevant CVs kept (all grades and grade 2), the share of the others
dropped, the mean count per order against the mean number of judged-relevant CVs, the
nDCG@10 of the ranking with that floor, and the most CVs any gibberish query keeps.
The floor is chosen on both sets at once (never on one): gibberish at 0; on each set at
most MAX_RELEVANT_LOST of the judged-relevant CVs and MAX_NDCG_LOST nDCG@10 lost against
no floor; of those, the one whose counts come closest to the judged-relevant ones.

    PYTHONPATH=$PWD python bench/relevance_floor.py [--json out.json]
"""

import argparse
import itertools
import json
import random
import string
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matching_signals as ms

GIBBERISH = ["xkcd qwzzv blørp", "asdfghjkl", "qwertyuiop", "zxcvbnm", "lorem ipsum dolor",
             "hjkl ølkj", "aaaa bbbb", "fnord", "blibbleblob", "kjhgf dsa"]  # fmt: skip
TITLES = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
SEMANTICS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
OCCUPATIONS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
# What the floor may cost, on each set: the share of judged-relevant CVs it may drop
# beyond what no floor drops, and the nDCG@10 it may lose.
MAX_RELEVANT_LOST = 0.05
MAX_NDCG_LOST = 0.002


def _random_gibberish(n: int) -> list[str]:
    rng = random.Random(11)
    letters = string.ascii_lowercase + "æøå"
    return [
        " ".join("".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))
                 for _ in range(rng.randint(1, 3)))
        for _ in range(n)
    ]  # fmt: skip


def _per_set(d: dict[str, np.ndarray], t: float, s: float, o: float) -> dict[str, float]:
    keep = (d["title"] >= t) | (d["semantic"] >= s) | (d["occupation"] >= o)
    rel, same = d["grade"] > 0, d["grade"] == 2
    orders = len(np.unique(d["order"]))
    return {
        "relevant_kept": round(float(keep[rel].mean()), 4),
        "grade2_kept": round(float(keep[same].mean()), 4),
        "not_relevant_dropped": round(float(1 - keep[~rel].mean()), 4),
        "count_per_order": round(float(keep.sum()) / orders, 1),
        "relevant_per_order": round(float(rel.sum()) / orders, 1),
        "ndcg@10": round(float(ms.ndcg_per_order(d, ms.scores(d), keep).mean()), 4),
    }


def main() -> None:
    from services.matching.search import relevance

    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    texts = GIBBERISH + _random_gibberish(40)
    sets = {name: ms.read(name) for name in ("synthetic", "realistic")}
    gib = {name: ms.gibberish_signals(name, texts) for name in sets}
    report: dict[str, Any] = {
        "pairs": {n: len(d["grade"]) for n, d in sets.items()},
        "gibberish_max_title": {
            n: round(max(float(g["title"].max()) for g in gib[n]), 4) for n in sets
        },
        "gibberish_max_semantic": {
            n: round(max(float(g["semantic"].max()) for g in gib[n]), 4) for n in sets
        },
        "no_floor": {n: _per_set(d, 9, 9, -1) for n, d in sets.items()},
        "grid": [],
    }
    for t, s, o in itertools.product(TITLES, SEMANTICS, OCCUPATIONS):
        gib_kept = max(int(((g["title"] >= t) | (g["semantic"] >= s)).sum())
                       for n in sets for g in gib[n])  # fmt: skip
        report["grid"].append({"title": t, "semantic": s, "occupation": o,
                               "max_gibberish_kept": gib_kept,
                               **{n: _per_set(d, t, s, o) for n, d in sets.items()}})  # fmt: skip
    base = report["no_floor"]
    ok = [
        g for g in report["grid"]
        if g["max_gibberish_kept"] == 0
        and all(g[n]["relevant_kept"] >= base[n]["relevant_kept"] - MAX_RELEVANT_LOST
                and g[n]["ndcg@10"] >= base[n]["ndcg@10"] - MAX_NDCG_LOST for n in sets)
    ]  # fmt: skip
    # Of those, the one whose counts come closest to the judged-relevant ones (both sets).
    report["chosen"] = min(
        ok,
        key=lambda g: sum(g[n]["count_per_order"] / g[n]["relevant_per_order"] for n in sets),
        default=None,
    )
    current = (relevance.MIN_TITLE, relevance.MIN_SEMANTIC, relevance.MIN_OCCUPATION)
    report["current"] = next(
        g for g in report["grid"] if (g["title"], g["semantic"], g["occupation"]) == current
    )
    out = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(out)
    print(json.dumps({k: report[k] for k in report if k != "grid"}, indent=1))
    for g in report["grid"]:
        if (
            g["semantic"] >= 0.55
            and g["title"] == relevance.MIN_TITLE
            and g["occupation"] in (0.05, 0.1)
        ):
            print(
                " | ".join(
                    str(x)
                    for x in (
                        g["title"],
                        g["semantic"],
                        g["occupation"],
                        *(
                            f"{g[n]['relevant_kept']:.3f} / {g[n]['count_per_order']}"
                            f" / {g[n]['ndcg@10']:.4f}"
                            for n in sets
                        ),
                        g["max_gibberish_kept"],
                    )
                )
            )


if __name__ == "__main__":
    main()
