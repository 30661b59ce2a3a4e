"""ESCO occupations as the product reads them: Danish labels, ISCO-08 groups, English skills."""

import csv
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "esco"
LABELS_TSV = DATA_DIR / "occupation_labels_da.tsv"
CLASSIFICATION_ZIP = DATA_DIR / "esco-v1.1.1-classification-en-csv.zip"
RELATIONS_ZIP = DATA_DIR / "esco-v1.1.1-relations-csv.zip"

ISCO_PREFIX = "http://data.europa.eu/esco/isco/C"

# The Danish labels are ESCO v1.0.8, the English files v1.1.1. v1.1 split the
# wind-power occupations into onshore/offshore variants with new URIs, so these
# v1.0.8 occupations have no row in the English file; their ISCO unit groups
# are those of the v1.1.1 successors ("onshore wind farm technician" 3131,
# "onshore wind energy engineer" 2149).
ISCO_FALLBACK = {
    "http://data.europa.eu/esco/occupation/98562ce3-9632-4226-b129-c67eb9c54f0f": "3131",
    "http://data.europa.eu/esco/occupation/1b99cad3-27c6-4e19-83b6-7b5f8338ed2b": "2149",
}


@dataclass(frozen=True)
class Occupation:
    """An ESCO occupation with its Danish labels (preferred label first)."""

    uri: str
    preferred_label: str
    isco_group: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class EnglishOccupation:
    """What the English ESCO file says about an occupation (used for training)."""

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...]
    isco_group: str
    description: str


def _read_zip_csv(path: Path, member: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as z, z.open(member) as f:
        return list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8")))


@lru_cache(maxsize=1)
def english_occupations() -> dict[str, EnglishOccupation]:
    """English ESCO v1.1.1 occupations by URI."""
    out: dict[str, EnglishOccupation] = {}
    for row in _read_zip_csv(CLASSIFICATION_ZIP, "occupations_en.csv"):
        alts = tuple(a.strip() for a in row["altLabels"].splitlines() if a.strip())
        out[row["conceptUri"]] = EnglishOccupation(
            uri=row["conceptUri"],
            preferred_label=row["preferredLabel"].strip(),
            alt_labels=alts,
            isco_group=row["iscoGroup"].strip(),
            description=row["description"].strip(),
        )
    return out


def _broader_occupation() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in _read_zip_csv(RELATIONS_ZIP, "broaderRelationsOccPillar.csv"):
        if row["conceptType"] == "Occupation" and row["broaderType"] == "Occupation":
            out[row["conceptUri"]] = row["broaderUri"]
    return out


@lru_cache(maxsize=1)
def isco_group_labels_da() -> dict[str, str]:
    """Danish preferred labels of ISCO-08 groups keyed by code ("7411")."""
    out: dict[str, str] = {}
    with LABELS_TSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["concept_type"] == "isco_group" and row["uri"].startswith(ISCO_PREFIX):
                out[row["uri"].removeprefix(ISCO_PREFIX)] = row["label"].strip()
    return out


@lru_cache(maxsize=1)
def load_occupations() -> tuple[Occupation, ...]:
    """All 2,942 Danish-labelled occupations, sorted by URI, each with its ISCO unit group."""
    preferred: dict[str, str] = {}
    alternatives: dict[str, list[str]] = defaultdict(list)
    with LABELS_TSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["concept_type"] != "occupation":
                continue
            label = row["label"].strip()
            if row["label_kind"] == "preferred":
                preferred[row["uri"]] = label
            else:
                alternatives[row["uri"]].append(label)
    english = english_occupations()
    broader: dict[str, str] | None = None
    result = []
    for uri in sorted(preferred):
        group = english[uri].isco_group if uri in english else ISCO_FALLBACK.get(uri, "")
        if not group:
            # Only a handful of URIs get here: walk up to a broader occupation.
            broader = broader if broader is not None else _broader_occupation()
            parent = broader.get(uri)
            while parent and parent not in english:
                parent = broader.get(parent)
            group = english[parent].isco_group if parent else ""
        labels = [preferred[uri]]
        for alt in alternatives.get(uri, []):
            if alt not in labels:
                labels.append(alt)
        result.append(
            Occupation(
                uri=uri, preferred_label=preferred[uri], isco_group=group, labels=tuple(labels)
            )
        )
    return tuple(result)


@lru_cache(maxsize=1)
def english_labels() -> dict[str, tuple[str, ...]]:
    """English preferred and alternative labels by occupation URI (extra index labels)."""
    return {uri: (e.preferred_label, *e.alt_labels) for uri, e in english_occupations().items()}


def essential_skills_en() -> dict[str, list[str]]:
    """English preferred labels of each occupation's essential skills (for training)."""
    skills = {
        row["conceptUri"]: row["preferredLabel"].strip()
        for row in _read_zip_csv(CLASSIFICATION_ZIP, "skills_en.csv")
    }
    out: dict[str, list[str]] = defaultdict(list)
    for row in _read_zip_csv(RELATIONS_ZIP, "occupationSkillRelations.csv"):
        if row["relationType"] == "essential" and row["skillUri"] in skills:
            out[row["occupationUri"]].append(skills[row["skillUri"]])
    return dict(out)
