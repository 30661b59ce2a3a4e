"""The CV bank as arrays aligned by row: building, patching and compacting a snapshot."""

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from services.matching.cvbank.schemas import CvContent
from services.matching.models import Cv
from services.matching.search.bank.matrices import TagMatrix, TextBlocks
from services.matching.search.bank.text import TextRows, make_vectorizer, norm_tokens
from services.matching.search.text_builder import (
    cv_fields,
)
from shared import geo


@dataclass
class BankSnapshot:
    """Everything a search needs about every CV, as arrays aligned by row."""

    url: str
    token: int
    ids: list[Any] = field(default_factory=list)
    row_of: dict[Any, int] = field(default_factory=dict)
    updated: dict[Any, datetime] = field(default_factory=dict)
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    searchable: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    vector_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    commute: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hours: np.ndarray = field(default_factory=lambda: np.zeros(0))
    available: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    licences: TagMatrix = field(default_factory=TagMatrix)
    languages: TagMatrix = field(default_factory=TagMatrix)
    certificates: TagMatrix = field(default_factory=TagMatrix)
    education: TagMatrix = field(default_factory=TagMatrix)
    occupations: TagMatrix = field(default_factory=TagMatrix)
    iscos: TagMatrix = field(default_factory=TagMatrix)
    title_vec: TfidfVectorizer | None = None
    skill_vec: TfidfVectorizer | None = None
    title_rows: "TextRows | None" = None
    skill_rows: "TextRows | None" = None
    titles: TextBlocks = field(default_factory=lambda: TextBlocks(transposed=True))
    skills: TextBlocks = field(default_factory=TextBlocks)
    # Newest `cv.updated_at` seen, and when every row's stamp was last compared.
    max_updated: datetime | None = None
    full_check: float = 0.0
    by_vector: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.ids)


CV_COLUMNS = (
    Cv.id,
    Cv.updated_at,
    Cv.vector_id,
    Cv.searchable,
    Cv.postal_code,
    Cv.max_commute_km,
    Cv.weekly_hours,
    Cv.available_from,
    Cv.document,
    Cv.occupations,
)


def build_rows(snapshot: BankSnapshot, rows: Sequence[Any], *, fit: bool) -> None:
    """Append rows (tuples of CV_COLUMNS) to the snapshot's arrays."""
    contents = [CvContent.model_validate(r.document) for r in rows]
    fields = [cv_fields(c) for c in contents]
    start = len(snapshot.ids)
    for i, r in enumerate(rows):
        snapshot.ids.append(r.id)
        snapshot.row_of[r.id] = start + i
        snapshot.updated[r.id] = r.updated_at
    points = [geo.coordinates(r.postal_code) for r in rows]
    nan = float("nan")

    def cat(old: np.ndarray, new: list[Any], dtype: Any) -> np.ndarray:
        return np.concatenate([old, np.asarray(new, dtype=dtype)])

    snapshot.alive = cat(snapshot.alive, [True] * len(rows), bool)
    snapshot.searchable = cat(snapshot.searchable, [r.searchable for r in rows], bool)
    snapshot.vector_ids = cat(snapshot.vector_ids, [r.vector_id for r in rows], np.int64)
    snapshot.lat = cat(snapshot.lat, [p[0] if p else nan for p in points], np.float64)
    snapshot.lon = cat(snapshot.lon, [p[1] if p else nan for p in points], np.float64)
    snapshot.commute = cat(
        snapshot.commute,
        [r.max_commute_km if r.max_commute_km is not None else nan for r in rows],
        np.float64,
    )
    snapshot.hours = cat(
        snapshot.hours, [r.weekly_hours if r.weekly_hours is not None else nan for r in rows], float
    )
    snapshot.available = cat(
        snapshot.available,
        [r.available_from.toordinal() if r.available_from else 0 for r in rows],
        np.int64,
    )
    snapshot.licences.append([c.driving_licences for c in contents])
    snapshot.languages.append([[lang.language for lang in c.languages] for c in contents])
    snapshot.certificates.append([[norm_tokens(x) for x in c.certificates] for c in contents])
    snapshot.education.append(
        [
            [norm_tokens(e.title) for e in c.education] + [norm_tokens(x.title) for x in c.courses]
            for c in contents
        ]
    )
    snapshot.occupations.append([[o[0] for o in r.occupations] for r in rows])
    snapshot.iscos.append([[o[1] for o in r.occupations if o[1]] for r in rows])
    if fit or snapshot.title_vec is None or snapshot.skill_vec is None:
        snapshot.title_vec, snapshot.skill_vec = make_vectorizer(), make_vectorizer()
        titles = _fit_rows(snapshot.title_vec, [f.titles for f in fields])
        skills = _fit_rows(snapshot.skill_vec, [f.skills for f in fields])
        for vec in (snapshot.title_vec, snapshot.skill_vec):
            # Worth it while fitting; afterwards only new texts are analysed.
            vec.__dict__.pop("_word_ngrams", None)
        snapshot.titles, snapshot.skills = TextBlocks(transposed=True), TextBlocks()
        snapshot.titles.append(titles[: len(fields)])
        snapshot.skills.append(skills[: len(fields)])
        snapshot.title_rows = TextRows(snapshot.title_vec)
        snapshot.skill_rows = TextRows(snapshot.skill_vec)
    elif fields:
        snapshot.titles.append(snapshot.title_vec.transform([f.titles for f in fields]))
        snapshot.skills.append(snapshot.skill_vec.transform([f.skills for f in fields]))
    stamps = [r.updated_at for r in rows if r.updated_at is not None]
    if stamps:
        newest = max(stamps)
        snapshot.max_updated = max(newest, snapshot.max_updated or newest)
    index_by_vector(snapshot)


_TAG_MATRICES = ("licences", "languages", "certificates", "education", "occupations", "iscos")
_ROW_ARRAYS = ("alive", "searchable", "vector_ids", "lat", "lon", "commute", "hours", "available")


def index_by_vector(snap: BankSnapshot) -> None:
    order = np.argsort(snap.vector_ids, kind="stable")
    snap.by_vector = (snap.vector_ids[order], order)


def copy_snapshot(old: BankSnapshot) -> BankSnapshot:
    """A copy a patch may change while searches keep reading `old`."""
    new = copy.copy(old)
    new.ids, new.row_of, new.updated = list(old.ids), dict(old.row_of), dict(old.updated)
    new.alive = old.alive.copy()
    new.titles, new.skills = old.titles.copy(), old.skills.copy()
    for name in _TAG_MATRICES:
        tags = copy.copy(getattr(old, name))
        tags.vocab = dict(tags.vocab)
        setattr(new, name, tags)
    return new


def drop_dead(old: BankSnapshot) -> BankSnapshot:
    """The snapshot without the rows that patches replaced or removed (no text re-analysed)."""
    keep = old.alive
    new = copy_snapshot(old)
    new.ids = [i for i, k in zip(old.ids, keep, strict=True) if k]
    new.row_of = {cv_id: n for n, cv_id in enumerate(new.ids)}
    for name in _ROW_ARRAYS:
        setattr(new, name, getattr(old, name)[keep])
    for name in _TAG_MATRICES:
        getattr(new, name).matrix = getattr(old, name).matrix[keep]
    new.titles, new.skills = old.titles.select(keep), old.skills.select(keep)
    index_by_vector(new)
    return new


def _fit_rows(vec: TfidfVectorizer, texts: list[str]) -> Any:
    """Fit the vocabulary and return the rows of `texts`.

    An empty bank, or one whose CVs hold no titles or skills at all (a CV with only a
    name), still needs a fitted vocabulary to transform queries: fit on a placeholder.
    """
    if not texts:
        return vec.fit_transform(["-"])
    if any(t.strip() for t in texts):
        return vec.fit_transform(texts)
    vec.fit(["-"])
    return vec.transform(texts)
