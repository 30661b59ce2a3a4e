"""Linking CV and order titles to ESCO occupations through the title normaliser."""

import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from services.matching.occupations.titles import clean_title

if TYPE_CHECKING:
    from services.matching.occupations.normalize import TitleNormalizer

log = logging.getLogger(__name__)

# A normalised title counts as that occupation only above this score; below it the
# title is too far from every Danish label to say anything reliable.
MIN_NORMALIZE_SCORE = 0.45


def isco_of(uri: str) -> str | None:
    """The ISCO-08 unit group of an ESCO occupation URI, if known."""
    from services.matching.occupations.normalize import occupation_by_uri

    occ = occupation_by_uri(uri)
    return occ.isco_group if occ and occ.isco_group else None


@lru_cache(maxsize=1)
def title_normalizer() -> "TitleNormalizer":
    """The occupations normaliser on character n-grams only.

    Titles are linked inside ingest and search requests. The model-backed normaliser
    must first embed all 9,791 Danish labels (minutes on two cores when its cache is
    cold) and then encodes every title; measured MRR is 0.68 lexical against 0.70
    combined (docs/measurements.md), so requests use the lexical one.

    Danish labels only, threshold 0.45, no query variants and no preferred-label
    tie-break: English labels, thresholds 0.35/0.55, the variants and the
    tie-break were each measured with `jobbro eval ranking` (docs/occupations.md,
    "Use in matching") and none beat this.
    """
    from services.matching.occupations.data import load_occupations
    from services.matching.occupations.normalize import TitleNormalizer

    return TitleNormalizer(
        load_occupations(), embedder=None, query_variants=False, preferred_tiebreak=0.0
    )


@lru_cache(maxsize=1)
def _exact_labels() -> dict[str, tuple[str, str]]:
    """Danish labels that name exactly one occupation, by their cleaned form."""
    from services.matching.occupations.normalize import occupations

    owners: dict[str, set[tuple[str, str]]] = {}
    for occ in occupations():
        for label in occ.labels:
            owners.setdefault(clean_title(label), set()).add((occ.uri, occ.isco_group))
    return {label: next(iter(o)) for label, o in owners.items() if len(o) == 1}


def link_titles(titles: Sequence[str]) -> list[tuple[str, str] | None]:
    """Each title's top occupation (uri, ISCO unit group), or None when nothing fits well."""
    if not titles:
        return []
    exact = _exact_labels()
    out: list[tuple[str, str] | None] = [exact.get(clean_title(t)) for t in titles]
    # Titles that are an unambiguous ESCO label need no model; the rest go through it.
    rest = [i for i, hit in enumerate(out) if hit is None]
    if rest:
        results = title_normalizer().normalize_batch([titles[i] for i in rest], k=1)
        for i, matches in zip(rest, results, strict=True):
            if matches and matches[0].score >= MIN_NORMALIZE_SCORE:
                out[i] = (matches[0].uri, matches[0].isco_group)
    return out
