"""Whether a CV text meets a requirement, read the way a Danish mediator reads it.

"Mangler" must be true: a requirement is missing only when no text of the CV meets it
after normalising both sides: case and punctuation, Danish inflection (a light suffix
stemmer: "plukning"/"plukningen", "certifikatet"/"certifikater"), compounds
("truckcertifikat" holds "certifikat"; "certifikat til truck" holds "truckcertifikat"),
education titles that name an occupation ("Social- og sundhedsassistentuddannelsen" is
met by "Erhvervsuddannelse som social- og sundhedsassistent"), the Danish ESCO labels of
the occupation a requirement names, and the curated synonym groups in
`data/synonyms/da_synonyms.tsv`.
"""

import functools
import re
from pathlib import Path

SYNONYMS_TSV = Path(__file__).resolve().parents[1] / "data" / "synonyms" / "da_synonyms.tsv"

# Words that carry no requirement of their own.
STOPWORDS = frozenset(
    {"af", "og", "i", "med", "til", "som", "for", "på", "en", "et", "de", "den", "det",
     "samt", "eller", "om", "ved", "fra", "under", "inden", "erfaring", "kendskab",
     "gerne", "evt", "mindst", "min"}
)  # fmt: skip
# Words that only say "an education in": the occupation they name is what counts.
EDUCATION_WORDS = ("uddannelsen", "uddannelse", "uddannet", "erhvervsuddannelse")
# Inflection endings, longest first; a stem keeps at least MIN_STEM letters.
SUFFIXES = ("erne", "ende", "ene", "ens", "ets", "ers", "en", "et", "er", "es", "e", "s")
MIN_STEM = 4
# A compound part must be this long to count on its own ("el" in "elbil" does not).
MIN_PART = 4
MAX_LABEL_OWNERS = 2


def stem(word: str) -> str:
    """A light Danish stem: strips one inflection ending, keeping MIN_STEM letters."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def _split_education(word: str) -> list[str]:
    """'sundhedsassistentuddannelsen' → ['sundhedsassistent']; the education word drops."""
    for marker in EDUCATION_WORDS:
        if word != marker and word.endswith(marker) and len(word) - len(marker) >= MIN_PART:
            return [word[: -len(marker)]]
        if word == marker:
            return []
    return [word]


@functools.lru_cache(maxsize=200_000)
def words(text: str) -> tuple[str, ...]:
    """The stems of the text's content words, in order."""
    raw = re.sub(r"[^\wæøå]+", " ", text.casefold()).split()
    out: list[str] = []
    for w in raw:
        for part in _split_education(w):
            if part not in STOPWORDS and not part.isdigit():
                out.append(stem(part))
    return tuple(out)


def _word_in(needle: str, hay: tuple[str, ...]) -> bool:
    """A requirement word is in the text as a word, or as part of a compound there
    ("certifikat" in "truckcertifikat"), or split over two words of it ("truckcertifikat"
    in "certifikat til truck")."""
    if needle in hay:
        return True
    if len(needle) >= MIN_PART and any(
        len(w) > len(needle) and (w.endswith(needle) or w.startswith(needle)) for w in hay
    ):
        return True
    for cut in range(MIN_PART, len(needle) - MIN_PART + 1):
        head, tail = needle[:cut], needle[cut:]
        # A linking s or e ("forflytning-s-kursus") belongs to neither part.
        heads = {head, head[:-1]} if head[-1] in "se" else {head}
        if any(h in hay for h in heads) and stem(tail) in hay:
            return True
    return False


def _all_in(requirement: tuple[str, ...], hay: tuple[str, ...]) -> bool:
    return bool(requirement) and all(_word_in(w, hay) for w in requirement)


@functools.lru_cache(maxsize=1)
def _groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    groups = []
    for line in SYNONYMS_TSV.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        _kind, terms = line.split("\t", 1)
        groups.append(tuple(words(t) for t in terms.split("|") if words(t)))
    return tuple(groups)


@functools.lru_cache(maxsize=1)
def _occupation_labels() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Each Danish ESCO label → the labels of every occupation carrying it."""
    from services.matching.occupations.data import load_occupations

    owners: dict[tuple[str, ...], list[frozenset[tuple[str, ...]]]] = {}
    for occ in load_occupations():
        forms = frozenset({words(label) for label in occ.labels} - {()})
        for form in forms:
            owners.setdefault(form, []).append(forms)
    # A label several occupations share ("lagerarbejder") says too little to borrow the
    # others' labels; only a label of at most MAX_LABEL_OWNERS occupations expands.
    return {
        k: tuple(sorted(set().union(*v))) for k, v in owners.items() if len(v) <= MAX_LABEL_OWNERS
    }


@functools.lru_cache(maxsize=20_000)
def alternatives(requirement: str) -> tuple[tuple[str, ...], ...]:
    """The requirement and every form that means the same: its synonym groups and, when it
    names an occupation, that occupation's Danish labels."""
    own = words(requirement)
    if not own:
        return ()
    forms = {own}
    for group in _groups():
        if own in group:
            forms.update(group)
    forms.update(_occupation_labels().get(own, ()))
    # The requirement itself first: the reason then quotes the most literal match.
    return (own, *sorted(forms - {own}))


def meets(requirement: str, text: str) -> bool:
    """Whether one CV text meets the requirement."""
    hay = words(text)
    return any(_all_in(form, hay) for form in alternatives(requirement))


def first_meeting(requirement: str, items: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The first (field, text) of the CV that meets the requirement, if any."""
    for form in alternatives(requirement):
        for item in items:
            if _all_in(form, words(item[1])):
                return item
    return None


def certificate_matches(tag: str, requirement: str) -> bool:
    """Whether a certificate the CV holds (a normalised tag) is the required one."""
    return meets(requirement, tag)
