"""The one occupation linker for CV and order titles: the top few ESCO occupations with a
calibrated confidence, from the model-backed title normaliser.

Why not one hard link: a quarter of real order titles linked to a wrong occupation
or none, and a hard wrong link pulled the wrong occupation's CVs to the top. Each
link now carries the probability that it is the title's occupation (fitted on the
normaliser's dev data, `services/ml/link_calibration.py`), and search uses the
links in proportion to it (`search/scoring.py`).
"""

import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from services.matching.occupations.titles import clean_title

if TYPE_CHECKING:
    from services.matching.occupations.normalize import OccupationMatch, TitleNormalizer

log = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).with_name("link_calibration.json")
# Links looked at per title: enough for a label several occupations share
# ("lagerarbejder": three) and for a STAR head with a vague qualifier.
TOP_K = 5
# A CV title keeps every link at least this likely (a shared label keeps all its
# owners: a CV titled "skodesigner" is a fodtøjsdesigner or a modedesigner).
CV_MIN_CONFIDENCE = 0.2
CV_MAX_LINKS = 3
# The single occupation shown for a title (the order's "Stilling" reason, a CV's
# main occupation) must be at least this likely (and the likeliest); below it we say nothing.
SHOW_MIN_CONFIDENCE = 0.3
# A STAR comma form: "Chauffør, persontransport", "Servicetekniker, jern og metal".
_COMMA_FORM = re.compile(r"^[^,]{2,},\s*\S")


@dataclass(frozen=True)
class Link:
    """One occupation a title may name, and how likely that is (0..1)."""

    uri: str
    isco_group: str
    label: str
    confidence: float


def isco_of(uri: str) -> str | None:
    """The ISCO-08 unit group of an ESCO occupation URI, if known."""
    from services.matching.occupations.normalize import occupation_by_uri

    occ = occupation_by_uri(uri)
    return occ.isco_group if occ and occ.isco_group else None


def is_comma_form(title: str) -> bool:
    """Whether a title is in STAR's "head, qualifier" form."""
    return bool(_COMMA_FORM.match(title.strip()))


@dataclass(frozen=True)
class _Calibration:
    coefficients: dict[str, float]
    iso_x: np.ndarray
    iso_y: np.ndarray

    def probability(self, features: dict[str, float]) -> float:
        c = self.coefficients
        z = c["intercept"] + sum(c[k] * v for k, v in features.items())
        return float(np.interp(1.0 / (1.0 + math.exp(-z)), self.iso_x, self.iso_y))


@lru_cache(maxsize=2)
def _calibration(kind: str) -> _Calibration:
    """The fitted map for one normaliser kind ("model" or "lexical"): logistic, then isotonic."""
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))[kind]
    return _Calibration(
        {k: float(v) for k, v in data["coefficients"].items()},
        np.asarray(data["isotonic"]["x"], dtype=float),
        np.asarray(data["isotonic"]["y"], dtype=float),
    )


def link_features(title: str, matches: Sequence["OccupationMatch"]) -> list[dict[str, float]]:
    """Per ranked match, what its confidence is computed from (also used to fit it)."""
    if not matches:
        return []
    top = matches[0].score
    comma = 1.0 if is_comma_form(title) else 0.0
    return [
        {
            "score": m.score,
            "gap": top - m.score,
            "first": 1.0 if i == 0 else 0.0,
            "comma": comma,
        }
        for i, m in enumerate(matches)
    ]


@lru_cache(maxsize=1)
def _word_owners() -> dict[str, set[str]]:
    """Each word of the Danish labels and the occupations whose labels use it."""
    from services.matching.occupations.normalize import occupations

    owners: dict[str, set[str]] = {}
    for occ in occupations():
        for label in occ.labels:
            for word in clean_title(label).split():
                owners.setdefault(word, set()).add(occ.uri)
    return owners


@lru_cache(maxsize=1)
def _label_owner_count() -> dict[str, int]:
    """How many occupations carry each cleaned Danish label."""
    from services.matching.occupations.normalize import occupations

    owners: dict[str, set[str]] = {}
    for occ in occupations():
        for label in occ.labels:
            owners.setdefault(clean_title(label), set()).add(occ.uri)
    return {label: len(o) for label, o in owners.items()}


@lru_cache(maxsize=4096)
def _sharing(word: str) -> frozenset[str]:
    """Occupations with a Danish label word ending in `word` ("pilot" → luftfartspilot,
    helikopterpilot, pilot i flyvevåbnet …)."""
    out: set[str] = set()
    for w, owners in _word_owners().items():
        if w.endswith(word):
            out |= owners
    return frozenset(out)


def _specificity(title: str, top: "OccupationMatch") -> float:
    """How much a title that equals a non-preferred label says about its one owner.

    "pilot" is, in Danish ESCO, only an alternative label of *pilot i flyvevåbnet*,
    and "sagsbehandler" only of *skadebehandler*; a bare generic word that many
    occupations' labels end in says little about which one. The link's confidence
    is divided by the number of occupations sharing the word; a preferred label
    ("buschauffør") keeps its confidence.
    """
    cleaned = clean_title(title)
    generic = len(cleaned) >= 4 and " " not in cleaned
    if not generic or cleaned != clean_title(top.matched_label):
        return 1.0
    # A preferred label, or a label several occupations share (the normaliser then
    # ties them and the confidence is already spread), is not the misleading case.
    if cleaned == clean_title(top.label) or _label_owner_count().get(cleaned, 0) > 1:
        return 1.0
    sharing = _sharing(cleaned) - {top.uri}
    return 1.0 / (1 + len(sharing)) if len(sharing) >= 2 else 1.0


def calibrated_links(title: str, matches: Sequence["OccupationMatch"], kind: str) -> list[Link]:
    """The matches as links whose confidences are probabilities summing to at most 1."""
    calibration = _calibration(kind)
    probs = [calibration.probability(f) for f in link_features(title, matches)]
    total = sum(probs)
    # Exclusive events (a title names one occupation): scale down when they over-sum.
    scale = 1.0 / total if total > 1.0 else 1.0
    if matches:
        scale *= _specificity(title, matches[0])
    return [
        # Rounded down, so the rounded confidences still sum to at most 1.
        Link(m.uri, m.isco_group, m.label, math.floor(p * scale * 1e4) / 1e4)
        for m, p in zip(matches, probs, strict=True)
    ]


def normalizer_kind(normalizer: "TitleNormalizer") -> str:
    return "model" if normalizer.embedder is not None else "lexical"


def link_titles_scored(titles: Sequence[str], k: int = TOP_K) -> list[list[Link]]:
    """Each title's top `k` occupations with calibrated confidences, best first."""
    from services.matching.occupations.normalize import get_normalizer

    if not titles:
        return []
    normalizer = get_normalizer()
    kind = normalizer_kind(normalizer)
    results = normalizer.normalize_batch(list(titles), k=k)
    return [calibrated_links(t, m, kind) for t, m in zip(titles, results, strict=True)]


def link_titles(titles: Sequence[str]) -> list[tuple[str, str] | None]:
    """Each title's one shown occupation (uri, ISCO unit group), or None when unsure."""
    out: list[tuple[str, str] | None] = []
    for links in link_titles_scored(titles):
        best = links[0] if links else None
        ok = best is not None and best.confidence >= SHOW_MIN_CONFIDENCE
        out.append((best.uri, best.isco_group) if ok and best else None)
    return out


def cv_title_links(titles: Sequence[str]) -> list[list[Link]]:
    """Each CV title's likely occupations: all owners of a shared label, else the top one."""
    return [
        [x for x in links if x.confidence >= CV_MIN_CONFIDENCE][:CV_MAX_LINKS]
        for links in link_titles_scored(titles)
    ]


def order_links(title: str, occupation_uri: str | None = None) -> list[Link]:
    """An order's occupation links: the mediator's choice is certain and outranks the linker."""
    if occupation_uri:
        return [Link(occupation_uri, isco_of(occupation_uri) or "", "", 1.0)]
    from services.matching.occupations.normalize import normalizer_generation

    return _order_links_cached(title, normalizer_generation())


@lru_cache(maxsize=1024)
def _order_links_cached(title: str, generation: int) -> list[Link]:
    # Paging and re-filtering the same order reuse the links; keyed by the normaliser's
    # generation, so links made by a replaced normaliser are never served.
    return link_titles_scored([title])[0]


def reset_link_cache() -> None:
    """Forget cached order links (tests, after a new model or normaliser)."""
    _order_links_cached.cache_clear()
