"""Build the ranking development set from ESCO (Danish labels) and the demo CV generator.

Orders name an ESCO occupation by one of its Danish labels, dressed as a job-ad title;
CVs desire an occupation by a label without its URI, so the product has to link titles
itself. Grades come from construction only: a CV whose main wish is the order's
occupation is 2, one in the same ISCO-08 unit group is 1, everything else 0.

    .venv/bin/python bench/eval_data/build_devset.py [--orders 200] [--seed 11]
"""

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.demo.cv_generator import (
    COMPETENCES,
    _pick,
    _snippets,
    make_cv,
    occupation_pool,
    pick_occupation,
)
from services.matching.occupations.data import Occupation
from services.ml.ranking_eval import write_graded_set

HERE = Path(__file__).resolve().parent
TITLE_FORMS = [
    "{t}",
    "{t} søges",
    "Erfaren {t}",
    "{t} til fast stilling",
    "Vi søger en {t}",
    "{t} (m/k)",
    "Dygtig {t} til spændende job",
]
SAME_PER_ORDER = 4
RELATED_PER_ORDER = 2


def _strip_uris(data: dict[str, object], rng: random.Random, avoid: str) -> dict[str, object]:
    """Drop ESCO URIs (the product must link titles) and prefer a label unlike the order's."""
    for job in data["desired_jobs"]:  # type: ignore[attr-defined]
        job.pop("occupation_uri", None)
    for exp in data["experience"]:  # type: ignore[attr-defined]
        exp.pop("occupation_uri", None)
    first = data["desired_jobs"][0]  # type: ignore[index]
    if first["title"].casefold() == avoid.casefold():
        labels = [x for x in _labels_of.get(first["title"], []) if x.casefold() != avoid.casefold()]
        if labels:
            first["title"] = rng.choice(labels)
    return data


_labels_of: dict[str, list[str]] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--distractors", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for group in occupation_pool().values():
        for occ in group:
            for label in occ.labels:
                _labels_of[label] = list(occ.labels)
    by_unit: dict[str, list[Occupation]] = {}
    for group in occupation_pool().values():
        for occ in group:
            by_unit.setdefault(occ.isco_group, []).append(occ)

    chosen: list[Occupation] = []
    seen: set[str] = set()
    while len(chosen) < args.orders:
        occ = pick_occupation(rng)
        if occ.uri not in seen:
            seen.add(occ.uri)
            chosen.append(occ)

    cvs: list[tuple[dict[str, object], Occupation]] = []
    avoid: list[str] = []
    orders = []
    personal, social = _snippets()
    for n, occ in enumerate(chosen):
        order_label = rng.choice(occ.labels)
        skills = _pick(COMPETENCES, occ.isco_group)
        order = {
            "id": f"order-{n:04d}",
            "title": rng.choice(TITLE_FORMS).format(t=order_label),
            "skills": rng.sample(skills, k=min(len(skills), rng.randint(1, 3))),
            "description": (
                f"Vi søger en {order_label}, der er {rng.choice(personal).lower()} "
                f"og kan {rng.choice(social)}."
            ),
        }
        orders.append(order)
        for _ in range(SAME_PER_ORDER):
            cvs.append((make_cv(rng, len(cvs), args.seed, occ).data, occ))
            avoid.append(order_label)
        siblings = [o for o in by_unit[occ.isco_group] if o.uri != occ.uri]
        for _ in range(RELATED_PER_ORDER if siblings else 0):
            other = rng.choice(siblings)
            cvs.append((make_cv(rng, len(cvs), args.seed, other).data, other))
            avoid.append("")
    for _ in range(args.distractors):
        occ = pick_occupation(rng)
        cvs.append((make_cv(rng, len(cvs), args.seed, occ).data, occ))
        avoid.append("")

    order_occ = {o["id"]: occ for o, occ in zip(orders, chosen, strict=True)}
    with (HERE / "cvs.ndjson").open("w", encoding="utf-8") as f:
        for i, (data, _occ) in enumerate(cvs):
            data = _strip_uris(dict(data), rng, avoid[i] if i < len(avoid) else "")
            data["external_id"] = f"cv-{i:05d}"
            # Evaluate on every CV: searchability is a product rule, not relevance.
            data["searchable"] = True
            f.write(json.dumps(data, ensure_ascii=False) + "\n")
    write_graded_set(
        HERE,
        orders,
        [(order_occ[o["id"]].uri, order_occ[o["id"]].isco_group, "label") for o in orders],
        [(f"cv-{i:05d}", occ.uri, occ.isco_group) for i, (_data, occ) in enumerate(cvs)],
    )
    print(f"{len(orders)} orders, {len(cvs)} CVs written to {HERE}")


if __name__ == "__main__":
    main()
