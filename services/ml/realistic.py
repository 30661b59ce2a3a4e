"""A constructed "realistic title" evaluation set: ESCO labels rewritten into STAR and job-ad forms.

Not real data. We have no real Danish job-title set; the external
evaluation will use one (Jobnet/STAR-style titles). To measure robustness to
the *forms* such titles take, the labels of the dev set's held-out
occupations (`devset.py`) are rewritten by fixed rules with a fixed seed:

- STAR's comma form: a compound is split at a common head noun and inverted
  ("kontorassistent" → "Assistent, kontor"; a linking "s" is dropped half the
  time: "butiksleder" → "Leder, butik"), two-word labels are inverted
  ("klinisk psykolog" → "Psykolog, klinisk");
- job-ad forms from templates with filler, departments, towns, hours, plurals
  and gender markers ("Erfaren lagermedarbejder søges", "Pædagog (m/k) 32
  timer", "Vi søger 3 lærere", "Sygeplejerske til akutmodtagelsen i Vejle").

The held-out occupations keep only their preferred label in the evaluation
index, so a rewritten preferred label tests noise handling (the label is in
the index) and a rewritten alternative label tests noise plus an unseen title.
The templates were written before, and independently of, the normaliser's
query rules, but by the same team: read the numbers as a check that the
rules generalise across forms, not as a measurement on real titles.

`kompetencer_lines()` adds the few title-bearing lines of the real
Kompetencer job-ad corpus, with hand-assigned occupations (7 lines).
"""

import csv
import random
from pathlib import Path

from services.matching.occupations.data import Occupation, load_occupations
from services.matching.occupations.titles import clean_title
from services.ml.devset import (
    DEVSET_DIR,
    DevSet,
    Query,
    label_owners,
    load_devset,
)

SEED = 20261123
REALISTIC_FILE = "realistic_queries.tsv"
KOMPETENCER_FILE = "kompetencer_lines.tsv"

# Heads STAR-style titles are built on ("Assistent, kontor"). A fixed list, longest first.
HEADS = tuple(
    sorted(
        (
            "assistent",
            "medarbejder",
            "arbejder",
            "leder",
            "chef",
            "konsulent",
            "tekniker",
            "ingeniør",
            "mekaniker",
            "operatør",
            "montør",
            "sælger",
            "handler",
            "maler",
            "smed",
            "mester",
            "fører",
            "passer",
            "inspektør",
            "koordinator",
            "specialist",
            "direktør",
            "rådgiver",
            "lærer",
            "underviser",
            "pædagog",
            "terapeut",
            "receptionist",
            "sekretær",
            "ekspedient",
            "agent",
            "analytiker",
            "udvikler",
            "designer",
            "planlægger",
            "programmør",
            "tømrer",
            "elektriker",
            "chauffør",
            "kok",
            "tjener",
            "vejleder",
            "instruktør",
            "kontrollør",
            "formand",
            "hjælper",
            "elev",
            "administrator",
            "ansvarlig",
            "repræsentant",
            "mægler",
            "fotograf",
            "redaktør",
            "journalist",
            "psykolog",
            "læge",
            "sygeplejerske",
        ),
        key=lambda h: (-len(h), h),
    )
)
DEPARTMENTS = (
    "hjemmeplejen",
    "vores afdeling",
    "en travl virksomhed",
    "nyt team",
    "vores kunde",
    "produktionen",
    "lageret",
    "kontoret",
    "butikken",
    "Aarhus Kommune",
    "et mindre firma",
    "akutmodtagelsen",
)
TOWNS = ("Aarhus", "Odense", "Kolding", "Aalborg", "København", "Herning", "Vejle", "Esbjerg")
HOURS = ("25", "30", "32", "37")
AD_TEMPLATES = (
    "{L} søges",
    "Erfaren {l} søges",
    "{L} til {dept}",
    "{L} (m/k)",
    "{L} – {h} timer",
    "Vi søger en {l}",
    "{L} i {town}",
    "Dygtig {l} til {dept}",
    "{L}, fuldtid",
    "Barselsvikar: {l}",
    "{L} (m/k) {h} timer",
    "Ny {l} søges til {dept} i {town}",
    "Vi søger {n} {plural}",
    "Senior {l}",
    "{L} søges hurtigst muligt",
    "{L} - {h} t/uge",
)
# The real lines of the Kompetencer job-ad corpus that name a job, and the ESCO
# label (cleaned) a mediator would file each under; relevant = that label's owners.
KOMPETENCER_LINES = (
    ("Erfaren Klejnsmed søges til vores smedeafdeling .", "klejnsmed"),
    ("Bagersvend søges til bageri i <LOCATION> .", "bagersvend"),
    ("Vi søger 3 lærere på 37 timer i faste stillinger med tiltrædelse den 1 .", "grundskolelærer"),
    ("søger 10 Amharisk freelance Tolke og translatør i <LOCATION> & <LOCATION> .", "tolk"),
    ("søger vi 2- 3 pædagogmedhjælpere med 30 t/ uge", "pædagogmedhjælper"),
    (
        "Vi søger en underviser der: • har en relevant uddannelsesmæssig baggrund til at kunne"
        " undervise i dansk for voksne udlændinge ( sprogskoleundervisning",
        "sprogskolelærer",
    ),
    (
        "Stillingerne ønskes besat med uddannet sygeplejerske med minimum 2 års klinisk erfaring",
        "sygeplejerske",
    ),
)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(label: str) -> str:
    if label.endswith(("er", "ør", "ent", "ist", "or", "ant", "kok", "ger")):
        return label + ("e" if label.endswith(("er", "ør", "kok")) else "er")
    if label.endswith("e"):
        return label + "r"
    return label


def star_form(label: str, rng: random.Random) -> str | None:
    """STAR's inverted form of a label, or None when it has no clear head."""
    words = label.split()
    if len(words) == 2 and "-" not in label:
        return f"{_cap(words[1])}, {words[0]}"
    if len(words) != 1:
        return None
    for head in HEADS:
        modifier = label[: -len(head)].rstrip("-")
        if label.endswith(head) and len(modifier) >= 3:
            if modifier.endswith("s") and len(modifier) >= 5 and rng.random() < 0.5:
                modifier = modifier[:-1]
            return f"{_cap(head)}, {modifier}"
    return None


def ad_form(label: str, rng: random.Random) -> str:
    """One job-ad style title around a label."""
    template = rng.choice(AD_TEMPLATES)
    if "{plural}" in template and " " in label:
        template = "Vi søger en {l}"
    return template.format(
        L=_cap(label),
        l=label,
        dept=rng.choice(DEPARTMENTS),
        town=rng.choice(TOWNS),
        h=rng.choice(HOURS),
        n=rng.choice(("2", "3", "to", "flere")),
        plural=_plural(label),
    )


def build_realistic(
    devset: DevSet | None = None, occs: tuple[Occupation, ...] | None = None
) -> DevSet:
    """Rewritten labels of the held-out occupations, one form per label, split as the dev set."""
    devset = devset or load_devset()
    occs = occs if occs is not None else load_occupations()
    owners = label_owners(occs)
    queries: list[Query] = []
    seen: set[tuple[str, str]] = set()
    for o in occs:
        split = devset.held_out.get(o.uri)
        if split is None:
            continue
        for label in o.labels:
            text = clean_title(label)
            # One generator per label: adding an occupation never reshuffles the others.
            rng = random.Random(f"{SEED}:{o.uri}:{text}")
            form = star_form(text, rng) if rng.random() < 0.35 else None
            form = form or ad_form(text, rng)
            if (split, form) in seen:
                continue
            seen.add((split, form))
            queries.append(Query(split=split, text=form, relevant=frozenset(owners[text])))
    return DevSet(held_out=devset.held_out, queries=tuple(queries))


def kompetencer_lines(occs: tuple[Occupation, ...] | None = None) -> list[Query]:
    """The hand-labelled real job-ad lines, as queries of the split 'kompetencer'."""
    occs = occs if occs is not None else load_occupations()
    owners = label_owners(occs)
    return [
        Query(split="kompetencer", text=line, relevant=frozenset(owners[label]))
        for line, label in KOMPETENCER_LINES
    ]


def write_realistic(devset: DevSet, directory: Path = DEVSET_DIR) -> None:
    """Write the constructed queries as TSV beside the dev set."""
    with (directory / REALISTIC_FILE).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["split", "query", "relevant_uris"])
        for q in devset.queries:
            w.writerow([q.split, q.text, " ".join(sorted(q.relevant))])


def load_realistic(directory: Path = DEVSET_DIR) -> list[Query]:
    """The committed constructed queries, or freshly built ones when the file is missing."""
    path = directory / REALISTIC_FILE
    if not path.is_file():
        return list(build_realistic().queries)
    with path.open(encoding="utf-8") as f:
        return [
            Query(
                split=row["split"],
                text=row["query"],
                relevant=frozenset(row["relevant_uris"].split()),
            )
            for row in csv.DictReader(f, delimiter="\t")
        ]
