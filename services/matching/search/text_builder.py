"""The one deterministic builder of every text the matching service embeds or indexes.

Its inputs are `CvContent` and `OrderQuery`, which have no a-kasse membership and no
unemployment dates: case facts cannot reach an embedding or the lexical index.
"""

import re
from dataclasses import dataclass

from services.matching.contract import OrderQuery
from services.matching.cvbank.schemas import CvContent

# Bump whenever the output of any function here changes: stored hashes then re-embed.
BUILDER_VERSION = "2026-11-22.2"

# Keeps the embedded profile short: MiniLM costs grow with tokens, and titles plus the
# first competences carry most of the matching signal (docs/matching.md).
MAX_EMBED_COMPETENCES = 3
MAX_EMBED_TITLES = 4
MAX_FIELD_CHARS = 4000


@dataclass(frozen=True)
class FieldTexts:
    """The texts lexical matching compares field by field."""

    titles: str
    skills: str


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = _clean(item).casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(_clean(item))
    return out


def cv_titles(cv: CvContent) -> list[str]:
    """Desired jobs first, then experience titles, without repeats."""
    return _unique([j.title for j in cv.desired_jobs] + [e.title for e in cv.experience])


def cv_skill_items(cv: CvContent) -> list[str]:
    """Everything a requirement can be found in, in a fixed order."""
    return _unique(
        cv.professional_competences
        + cv.personal_competences
        + cv.certificates
        + [c.title for c in cv.courses]
        + [e.title for e in cv.education]
    )


def cv_embedding_text(cv: CvContent) -> str:
    """Short profile text that is embedded: titles and the first competences."""
    parts = [f"Job: {', '.join(cv_titles(cv)[:MAX_EMBED_TITLES])}."]
    skills = _unique(cv.professional_competences + cv.certificates)[:MAX_EMBED_COMPETENCES]
    if skills:
        parts.append(f"Kompetencer: {', '.join(skills)}.")
    return " ".join(parts)


def cv_fields(cv: CvContent) -> FieldTexts:
    """Field texts for lexical matching: titles (and the headline) against titles; skills,
    tasks and the summary against requirements. Not embedded: a change here needs the
    saved snapshot rebuilt (`bank/persist.py` SNAPSHOT_FORMAT), not new vectors."""
    titles = " | ".join(cv_titles(cv) + ([cv.headline] if cv.headline else []))
    tasks = [e.tasks for e in cv.experience if e.tasks]
    # The summary last, so the length cap cuts it before any competence.
    summary = [cv.summary] if cv.summary else []
    skills = " | ".join(cv_skill_items(cv) + tasks + summary)
    return FieldTexts(titles=titles[:MAX_FIELD_CHARS], skills=skills[:MAX_FIELD_CHARS])


def cv_full_text(cv: CvContent) -> str:
    """The whole CV as one text: for baselines and free-text search."""
    lines = [cv.headline, cv.summary, *cv_titles(cv), *cv_skill_items(cv)]
    lines += [e.tasks for e in cv.experience]
    lines += [f"{lang.language} {lang.level}" for lang in cv.languages]
    lines += [f"kørekort {c}" for c in cv.driving_licences]
    return _clean(" . ".join(x for x in lines if x))


def order_embedding_text(order: OrderQuery) -> str:
    """The order's counterpart of `cv_embedding_text`."""
    parts = [f"Job: {_clean(order.title)}."]
    skills = _unique(order.skills + order.certificates)[:MAX_EMBED_COMPETENCES]
    if skills:
        parts.append(f"Kompetencer: {', '.join(skills)}.")
    return " ".join(parts)


def order_fields(order: OrderQuery) -> FieldTexts:
    """The order's counterpart of `cv_fields`; the description counts as requirements."""
    skills = " | ".join(_unique(order.skills + order.certificates + order.education))
    if order.description:
        skills = f"{skills} | {_clean(order.description)}" if skills else _clean(order.description)
    return FieldTexts(titles=_clean(order.title), skills=skills[:MAX_FIELD_CHARS])


def order_full_text(order: OrderQuery) -> str:
    """The whole order as one text: for baselines."""
    lines = [order.title, order.description, *order.skills, *order.certificates]
    lines += order.education
    return _clean(" . ".join(x for x in lines if x))


def free_text_fields(text: str) -> FieldTexts:
    """A free-text query is compared with both CV fields."""
    t = _clean(text)[:MAX_FIELD_CHARS]
    return FieldTexts(titles=t, skills=t)
