"""Build the realistic ranking development set: order titles in the forms real orders use.

The synthetic set next door (`../build_devset.py`) titles each order with an ESCO
label in a light job-ad frame, so title linking is nearly exact. Real orders are
titled otherwise; this set rewrites the order's occupation into, per order, one of:

- `star`: STAR's comma form, head + qualifier ("Assistent, kontor", "Psykolog, klinisk");
- `ad`: a job-ad title with filler, departments, towns, hours, plurals ("Vi søger 3 lærere");
- `shared`: a Danish label that several ESCO occupations share ("lagermedarbejder"),
  in a job-ad frame; the order's occupation is one of the owners;
- `abbreviation`: a common Danish abbreviation where one exists (SSA, SSH, PMH, HK'er);
- `head`: the bare head word of a compound label ("Designer", "Chauffør"), the vaguest
  title a mediator types.

Order text is two sentences built from the Danish job-ad skill phrases of the
Kompetencer corpus shipped in services/matching/data/kompetencer/ (MIT licence,
Zhang et al. 2023). CVs are the demo generator's, as in the synthetic set: 4 per
order with the order's occupation, up to 2 of its ISCO-08 unit group, 900
distractors; no ESCO URIs, and a CV title never equals the order's label. Grades by
construction: 2 same ESCO occupation, 1 same ISCO-08 unit group. `occupations.tsv`
gives each order's true occupation and title form. Not real data; fixed seed; nothing tuned on it.

    .venv/bin/python bench/eval_data/realistic/build.py [--orders 150] [--seed 23]
"""

import argparse
import csv
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from services.demo.cv_generator import (
    COMPETENCES,
    _pick,
    make_cv,
    occupation_pool,
    pick_occupation,
)
from services.matching.occupations.data import DATA_DIR, Occupation, load_occupations
from services.matching.occupations.titles import clean_title
from services.ml.devset import label_owners
from services.ml.ranking_eval import write_graded_set
from services.ml.realistic import HEADS, ad_form, star_form

HERE = Path(__file__).resolve().parent
SNIPPETS = DATA_DIR.parent / "kompetencer" / "da_train_snippets.tsv"
SAME_PER_ORDER = 4
RELATED_PER_ORDER = 2
# Abbreviations Danish orders use for a label (the label must be one of the occupation's).
ABBREVIATIONS = {
    "social- og sundhedsassistent": "SSA",
    "social- og sundhedshjælper": "SSH",
    "pædagogmedhjælper": "PMH",
    "kontorassistent": "HK'er",
    "kontorfuldmægtig": "HK'er",
    "social- og sundhedsarbejder": "SOSU",
    "it-supporter": "IT-support",
    "lastbilchauffør": "CE-chauffør",
}


def _title(occ: Occupation, owners: dict[str, set[str]], rng: random.Random) -> tuple[str, str]:
    """(form, title) for an order of this occupation; forms that do not apply fall back to `ad`."""
    labels = [clean_title(x) for x in occ.labels]
    wanted = rng.choice(["star", "ad", "shared", "abbreviation", "head"])
    if wanted == "star":
        forms = [f for f in (star_form(x, rng) for x in labels) if f]
        if forms:
            return "star", rng.choice(forms)
    if wanted == "shared":
        shared = [x for x in labels if len(owners.get(x, ())) > 1]
        if shared:
            return "shared", ad_form(rng.choice(shared), rng)
    if wanted == "abbreviation":
        short = [ABBREVIATIONS[x] for x in labels if x in ABBREVIATIONS]
        if short:
            return "abbreviation", rng.choice(short)
    if wanted == "head":
        heads = [h for x in labels for h in HEADS if x.endswith(h) and len(x) > len(h) + 2]
        if heads:
            return "head", heads[0].capitalize()
    return "ad", ad_form(rng.choice(labels), rng)


def _description(rng: random.Random, phrases: list[str]) -> str:
    a, b, c = rng.sample(phrases, 3)
    return f"Du har erfaring med {a} og {b}. Vi lægger vægt på {c}."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=150)
    parser.add_argument("--distractors", type=int, default=900)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    owners = label_owners(load_occupations())
    with SNIPPETS.open(encoding="utf-8") as f:
        phrases = sorted({row[0] for row in csv.reader(f, delimiter="\t") if row})
    labels_of: dict[str, list[str]] = {}
    by_unit: dict[str, list[Occupation]] = {}
    for group in occupation_pool().values():
        for occ in group:
            by_unit.setdefault(occ.isco_group, []).append(occ)
            for label in occ.labels:
                labels_of[label] = list(occ.labels)

    chosen: list[Occupation] = []
    while len(chosen) < args.orders:
        occ = pick_occupation(rng)
        if occ.uri not in {o.uri for o in chosen}:
            chosen.append(occ)

    orders: list[dict[str, object]] = []
    forms: list[tuple[str, str]] = []
    cvs: list[tuple[dict[str, object], Occupation, str]] = []
    for n, occ in enumerate(chosen):
        form, title = _title(occ, owners, rng)
        skills = _pick(COMPETENCES, occ.isco_group)
        order_id = f"real-{n:04d}"
        orders.append(
            {
                "id": order_id,
                "title": title,
                "skills": rng.sample(skills, k=min(len(skills), rng.randint(1, 3))),
                "description": _description(rng, phrases),
            }
        )
        forms.append((order_id, form))
        for _ in range(SAME_PER_ORDER):
            cvs.append((make_cv(rng, len(cvs), args.seed, occ).data, occ, title))
        siblings = [o for o in by_unit[occ.isco_group] if o.uri != occ.uri]
        for _ in range(RELATED_PER_ORDER if siblings else 0):
            other = rng.choice(siblings)
            cvs.append((make_cv(rng, len(cvs), args.seed, other).data, other, ""))
    for _ in range(args.distractors):
        occ = pick_occupation(rng)
        cvs.append((make_cv(rng, len(cvs), args.seed, occ).data, occ, ""))

    with (HERE / "cvs.ndjson").open("w", encoding="utf-8") as f:
        for i, (data, _occ, avoid) in enumerate(cvs):
            for job in [*data["desired_jobs"], *data["experience"]]:  # type: ignore[misc]
                job.pop("occupation_uri", None)
            first = data["desired_jobs"][0]  # type: ignore[index]
            if avoid and clean_title(first["title"]) in clean_title(avoid):
                others = [x for x in labels_of.get(first["title"], []) if x != first["title"]]
                if others:
                    first["title"] = rng.choice(others)
            data["external_id"] = f"rcv-{i:05d}"
            data["searchable"] = True
            f.write(json.dumps(data, ensure_ascii=False) + "\n")
    write_graded_set(
        HERE,
        orders,
        [(occ.uri, occ.isco_group, form) for (_id, form), occ in zip(forms, chosen, strict=True)],
        [(f"rcv-{i:05d}", occ.uri, occ.isco_group) for i, (_d, occ, _a) in enumerate(cvs)],
    )
    print(f"{len(orders)} orders, {len(cvs)} CVs written to {HERE}")


if __name__ == "__main__":
    main()
