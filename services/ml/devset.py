"""The held-out development set for title normalisation, built deterministically from ESCO.

Held-out occupations keep only their preferred label in the index; their
alternative labels become the queries and are never seen in training. Queries
whose exact string is still a label of some indexed occupation are dropped:
they would be solved by string equality and say nothing about unseen titles.
"""

import csv
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from services.matching.occupations.data import Occupation, load_occupations
from services.matching.occupations.titles import clean_title

REPO_ROOT = Path(__file__).resolve().parents[2]
DEVSET_DIR = REPO_ROOT / "bench" / "eval_data" / "normalize"
SEED = 20261122
HELD_OUT_PER_SPLIT = 250
SPLITS = ("validation", "test")


@dataclass(frozen=True)
class Query:
    """A dev-set query: a title and every occupation that carries that exact label."""

    split: str
    text: str
    relevant: frozenset[str]


@dataclass(frozen=True)
class DevSet:
    """Held-out occupations by split and their queries."""

    held_out: dict[str, str]  # uri → split
    queries: tuple[Query, ...]

    def split(self, name: str) -> list[Query]:
        """The queries of one split."""
        return [q for q in self.queries if q.split == name]


def label_owners(occs: Sequence[Occupation]) -> dict[str, set[str]]:
    """Each cleaned label and the occupations that carry it (relevance for a query)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for o in occs:
        for label in o.labels:
            owners[clean_title(label)].add(o.uri)
    return owners


def build_devset(occs: tuple[Occupation, ...] | None = None, seed: int = SEED) -> DevSet:
    """Pick held-out occupations with a fixed seed and derive their queries."""
    occs = occs if occs is not None else load_occupations()
    rng = random.Random(seed)
    candidates = [o.uri for o in occs if len(o.labels) > 1]
    picked = rng.sample(candidates, HELD_OUT_PER_SPLIT * len(SPLITS))
    held_out = {
        uri: SPLITS[i // HELD_OUT_PER_SPLIT] for i, uri in enumerate(sorted(picked, key=str))
    }
    # Re-shuffle so the split does not follow URI order.
    uris = list(held_out)
    rng.shuffle(uris)
    held_out = {uri: SPLITS[i % len(SPLITS)] for i, uri in enumerate(uris)}

    indexed = {clean_title(label) for o in index_occupations(occs, held_out) for label in o.labels}
    owners = label_owners(occs)
    queries: list[Query] = []
    seen: set[tuple[str, str]] = set()
    for o in occs:
        split = held_out.get(o.uri)
        if split is None:
            continue
        for label in o.labels[1:]:
            text = clean_title(label)
            if not text or text in indexed or (split, text) in seen:
                continue
            seen.add((split, text))
            queries.append(Query(split=split, text=label, relevant=frozenset(owners[text])))
    return DevSet(held_out=held_out, queries=tuple(queries))


def index_occupations(
    occs: tuple[Occupation, ...], held_out: dict[str, str]
) -> tuple[Occupation, ...]:
    """The evaluation index: held-out occupations reduced to their preferred label."""
    return tuple(replace(o, labels=(o.preferred_label,)) if o.uri in held_out else o for o in occs)


def write_devset(devset: DevSet, directory: Path = DEVSET_DIR) -> None:
    """Write the dev set as two TSV files (held-out occupations, queries)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "heldout_occupations.tsv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["uri", "split"])
        for uri, split in sorted(devset.held_out.items()):
            w.writerow([uri, split])
    with (directory / "queries.tsv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["split", "query", "relevant_uris"])
        for q in devset.queries:
            w.writerow([q.split, q.text, " ".join(sorted(q.relevant))])


def read_devset(directory: Path = DEVSET_DIR) -> DevSet:
    """Read the committed dev set files."""
    with (directory / "heldout_occupations.tsv").open(encoding="utf-8") as f:
        held_out = {row["uri"]: row["split"] for row in csv.DictReader(f, delimiter="\t")}
    with (directory / "queries.tsv").open(encoding="utf-8") as f:
        queries = tuple(
            Query(
                split=row["split"],
                text=row["query"],
                relevant=frozenset(row["relevant_uris"].split()),
            )
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_MINIMAL)
        )
    return DevSet(held_out=held_out, queries=queries)


def load_devset(directory: Path = DEVSET_DIR) -> DevSet:
    """The committed dev set, or a freshly built one when the files are missing."""
    if (directory / "queries.tsv").is_file():
        return read_devset(directory)
    return build_devset()
