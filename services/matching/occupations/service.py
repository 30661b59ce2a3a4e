"""Service functions for title normalisation, shared by the API, the CLI and matching."""

from collections.abc import Sequence

from services.matching.occupations.normalize import (
    Occupation,
    OccupationMatch,
    get_normalizer,
    occupation_by_uri,
)
from shared.errors import NotFound, ValidationFailed

MAX_K = 100
MAX_TITLE_LENGTH = 200


def normalize_titles(titles: Sequence[str], *, k: int = 10) -> list[list[OccupationMatch]]:
    """The `k` best ESCO occupations for each title (at most 100), best first."""
    if not 1 <= k <= MAX_K:
        raise ValidationFailed(f"k must be between 1 and {MAX_K}")
    # Very long inputs are CV paragraphs, not titles; the start carries the title.
    return get_normalizer().normalize_batch([t[:MAX_TITLE_LENGTH] for t in titles], k=k)


def normalize_title(title: str, *, k: int = 10) -> list[OccupationMatch]:
    """The `k` best ESCO occupations for one title."""
    if not title.strip():
        raise ValidationFailed("title must not be blank")
    return normalize_titles([title], k=k)[0]


def get_occupation(uri: str) -> Occupation:
    """One occupation by ESCO URI, or NotFound."""
    occ = occupation_by_uri(uri)
    if occ is None:
        raise NotFound(f"No ESCO occupation {uri}")
    return occ
