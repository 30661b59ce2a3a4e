"""Linking CV and order titles to ESCO occupations through the title normaliser."""

import logging
from collections.abc import Sequence

log = logging.getLogger(__name__)

# A normalised title counts as that occupation only above this score; below it the
# title is too far from every Danish label to say anything reliable.
MIN_NORMALIZE_SCORE = 0.45


def isco_of(uri: str) -> str | None:
    """The ISCO-08 unit group of an ESCO occupation URI, if known."""
    from services.matching.occupations.normalize import occupation_by_uri

    occ = occupation_by_uri(uri)
    return occ.isco_group if occ and occ.isco_group else None


def link_titles(titles: Sequence[str]) -> list[tuple[str, str] | None]:
    """Each title's top occupation (uri, ISCO unit group), or None when nothing fits well."""
    if not titles:
        return []
    from services.matching.occupations.normalize import get_normalizer

    results = get_normalizer().normalize_batch(list(titles), k=1)
    out: list[tuple[str, str] | None] = []
    for matches in results:
        if matches and matches[0].score >= MIN_NORMALIZE_SCORE:
            out.append((matches[0].uri, matches[0].isco_group))
        else:
            out.append(None)
    return out
