"""Hybrid ranking: FAISS similarity, character n-gram field matching and requirement matches.

The CV bank is held in memory as column arrays and sparse matrices (a `BankSnapshot`),
refreshed incrementally when the `cv` table changes, so no query rebuilds anything.
Case facts (a-kasse membership, unemployment) are never loaded into it: the only
way they touch a search is the a-kasse visibility set, which the service passes in.
"""

import copy
import functools
import gc
import hashlib
import logging
import os
import pickle
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.matching.contract import (
    CvSummary,
    OrderQuery,
    RankedCandidate,
    RankedPage,
    Reason,
    SearchFilters,
)
from services.matching.models import Cv, CvBankState, CvCaseFacts
from services.matching.schemas import CvContent
from services.matching.text_builder import (
    FieldTexts,
    cv_fields,
    free_text_fields,
    order_embedding_text,
    order_fields,
)
from shared import geo
from shared.db import get_engine
from shared.settings import get_matching_settings, get_settings

log = logging.getLogger(__name__)

# How many nearest vectors FAISS returns per query; the rest get the lowest returned score.
SEMANTIC_K = 1000
# Within the lexical score: the order title against CV titles weighs more than the
# requirements text against competences, since a title names the whole job.
TITLE_SHARE = 0.6
# Requirement components and their weights in the requirement score.
REQUIREMENT_WEIGHTS = {
    "occupation": 2.0,
    "certificates": 1.0,
    "driving_licences": 1.0,
    "languages": 1.0,
    "education": 0.5,
    "hours": 0.5,
    "availability": 0.5,
}
RELATED_OCCUPATION_CREDIT = 0.5
# A text counts as matching a requirement from this character n-gram cosine up.
REASON_MIN_SIMILARITY = 0.5
# More than this share of rows changed since the snapshot: rebuild instead of patching.
REBUILD_SHARE = 0.3
# Between full comparisons of every row's stamp (at most FULL_CHECK_SECONDS apart),
# rows stamped up to CHANGE_LOOKBACK before the newest stamp seen are compared: a
# transaction that stamped its rows earlier but committed later is still found.
CHANGE_LOOKBACK = timedelta(minutes=10)
FULL_CHECK_SECONDS = 300.0
# Rows replaced or removed by patches are dropped once they are this share of the arrays.
DEAD_SHARE = 0.2
# Score competences only for rows that can still reach the page (see `_rank`); the
# benchmark switches it off to measure the exhaustive path in the same run.
PRUNE_COMPETENCES = True
_FAR_FUTURE = date(9999, 12, 31).toordinal()


def _norm(text: str) -> str:
    return re.sub(r"[^\wæøå ]+", " ", text.casefold()).strip()


def _norm_tokens(text: str) -> str:
    return " ".join(_norm(text).split())


@functools.lru_cache(maxsize=100_000)
def _padded(text: str) -> str:
    return f" {_norm_tokens(text)} "


def _phrase_in(h: str, n: str) -> bool:
    return len(n) > 2 and (n in h or (h in n and len(h) > 4))


def contains_phrase(haystack: str, needle: str) -> bool:
    """Whether `needle` occurs in `haystack` as whole words (after normalising both)."""
    return _phrase_in(_padded(haystack), _padded(needle))


class WordCachedVectorizer(TfidfVectorizer):
    """sklearn's `char_wb` TF-IDF with each word's n-grams remembered.

    The n-grams of a word never depend on its neighbours, and a CV bank reuses a few
    tens of thousands of words, so building the bank's matrices analyses each distinct
    word once instead of once per occurrence. Output is identical to the plain class.
    """

    MAX_WORDS = 500_000

    def _char_wb_ngrams(self, text_document: str) -> list[str]:
        cache: dict[str, list[str]] = self.__dict__.setdefault("_word_ngrams", {})
        if len(cache) > self.MAX_WORDS:
            cache.clear()
        out: list[str] = []
        for word in text_document.split():
            grams = cache.get(word)
            if grams is None:
                grams = cache[word] = super()._char_wb_ngrams(word)
            out += grams
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_word_ngrams", None)
        return state


def _vectorizer() -> TfidfVectorizer:
    # char_wb 2-5 did best on Danish compounds (docs/matching.md, ../shared/docs/models.md).
    return WordCachedVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=1,
        dtype=np.float32,
        lowercase=True,
    )


@dataclass
class Visibility:
    """Which CVs the actor may see: None means every searchable CV."""

    only_ids: set[Any] | None


class TagMatrix:
    """Rows × vocabulary incidence of small tag sets (licences, languages, certificates)."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.matrix = sparse.csr_matrix((0, 0), dtype=np.float32)

    def _encode(self, rows: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        indptr, indices = [0], []
        for tags in rows:
            cols = sorted({self.vocab.setdefault(t, len(self.vocab)) for t in tags if t})
            indices += cols
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        return sparse.csr_matrix(
            (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(rows), max(len(self.vocab), 1)),
        )

    def append(self, rows: Sequence[Iterable[str]]) -> None:
        new = self._encode(rows)
        old = self.matrix
        cols = max(len(self.vocab), 1)
        old = sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], cols))
        self.matrix = sparse.vstack([old, new], format="csr") if old.shape[0] else new

    def columns(self, predicate: Any) -> np.ndarray:
        return np.asarray([i for t, i in self.vocab.items() if predicate(t)], dtype=np.int64)

    def has_any(self, cols: np.ndarray) -> np.ndarray:
        """Per row: holds at least one of the columns."""
        if len(cols) == 0:
            return np.zeros(self.matrix.shape[0], dtype=bool)
        return np.asarray(self.matrix[:, cols].sum(axis=1)).ravel() > 0


@dataclass
class TextBlocks:
    """A TF-IDF matrix (rows = CVs) kept as a large base block plus small appended blocks.

    A patch appends a block instead of copying the whole matrix (the competence matrix
    holds about 900 n-grams per CV: 0.7 GB at 100k CVs). Small blocks are merged with
    each other often and into the base rarely, so the copying stays proportional to
    what changed.
    """

    transposed: bool = False
    blocks: list[sparse.csr_matrix] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    # Features × rows per block (when `transposed`): a query reads only its n-grams' postings.
    blocks_t: list[sparse.csr_matrix] = field(default_factory=list)

    MAX_TAIL_BLOCKS = 16
    TAIL_SHARE = 0.1

    @property
    def rows(self) -> int:
        return self.starts[-1] + self.blocks[-1].shape[0] if self.blocks else 0

    def copy(self) -> "TextBlocks":
        return TextBlocks(
            self.transposed, list(self.blocks), list(self.starts), list(self.blocks_t)
        )

    def append(self, matrix: sparse.csr_matrix) -> None:
        if matrix.shape[0] == 0 and self.blocks:
            return
        self.starts.append(self.rows)
        self.blocks.append(matrix)
        if self.transposed:
            self.blocks_t.append(matrix.T.tocsr())
        tail = self.rows - self.blocks[0].shape[0]
        if tail > self.TAIL_SHARE * self.blocks[0].shape[0]:
            self._merge(0)
        elif len(self.blocks) > self.MAX_TAIL_BLOCKS + 1:
            self._merge(1)

    def _merge(self, first: int) -> None:
        merged = sparse.vstack(self.blocks[first:], format="csr")
        self.blocks[first:] = [merged]
        self.starts[first:] = [self.starts[first]]
        if self.transposed:
            self.blocks_t[first:] = [merged.T.tocsr()]

    def select(self, keep: np.ndarray) -> "TextBlocks":
        """Only the rows where `keep` is true, as one block."""
        merged = sparse.vstack(self.blocks, format="csr")[keep]
        out = TextBlocks(self.transposed)
        out.append(merged)
        return out

    def score_all(self, query: sparse.csr_matrix) -> np.ndarray:
        """query · row for every row (needs `transposed`)."""
        parts = [np.asarray((query @ t).toarray()).ravel() for t in self.blocks_t]
        return np.concatenate(parts) if parts else np.zeros(0)

    def score_rows(self, query: sparse.csr_matrix, rows: np.ndarray) -> np.ndarray:
        """query · row for the given rows (sorted ascending)."""
        out = np.zeros(len(rows))
        q = query.T.tocsc()
        for block, start in zip(self.blocks, self.starts, strict=True):
            lo, hi = np.searchsorted(rows, [start, start + block.shape[0]])
            if lo == hi:
                continue
            local = rows[lo:hi] - start
            if (hi - lo) * 4 > block.shape[0]:
                # Most of the block: one product beats copying the selected rows.
                out[lo:hi] = np.asarray((block @ q).toarray()).ravel()[local]
            else:
                out[lo:hi] = np.asarray((block[local] @ q).toarray()).ravel()
        return out


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


_CV_COLUMNS = (
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


def _build_rows(snapshot: BankSnapshot, rows: Sequence[Any], *, fit: bool) -> None:
    """Append rows (tuples of _CV_COLUMNS) to the snapshot's arrays."""
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
    snapshot.certificates.append([[_norm_tokens(x) for x in c.certificates] for c in contents])
    snapshot.education.append(
        [
            [_norm_tokens(e.title) for e in c.education]
            + [_norm_tokens(x.title) for x in c.courses]
            for c in contents
        ]
    )
    snapshot.occupations.append([[o[0] for o in r.occupations] for r in rows])
    snapshot.iscos.append([[o[1] for o in r.occupations if o[1]] for r in rows])
    if fit or snapshot.title_vec is None or snapshot.skill_vec is None:
        snapshot.title_vec, snapshot.skill_vec = _vectorizer(), _vectorizer()
        # An empty bank still needs a fitted vocabulary to transform queries.
        titles = snapshot.title_vec.fit_transform([f.titles for f in fields] or ["-"])
        skills = snapshot.skill_vec.fit_transform([f.skills for f in fields] or ["-"])
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
    _index_by_vector(snapshot)


_ROW_ARRAYS = ("alive", "searchable", "vector_ids", "lat", "lon", "commute", "hours", "available")


_TAG_MATRICES = ("licences", "languages", "certificates", "education", "occupations", "iscos")
_ROW_ARRAYS = ("alive", "searchable", "vector_ids", "lat", "lon", "commute", "hours", "available")


def _index_by_vector(snap: BankSnapshot) -> None:
    order = np.argsort(snap.vector_ids, kind="stable")
    snap.by_vector = (snap.vector_ids[order], order)


def _copy(old: BankSnapshot) -> BankSnapshot:
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


def _drop_dead(old: BankSnapshot) -> BankSnapshot:
    """The snapshot without the rows that patches replaced or removed (no text re-analysed)."""
    keep = old.alive
    new = _copy(old)
    new.ids = [i for i, k in zip(old.ids, keep, strict=True) if k]
    new.row_of = {cv_id: n for n, cv_id in enumerate(new.ids)}
    for name in _ROW_ARRAYS:
        setattr(new, name, getattr(old, name)[keep])
    for name in _TAG_MATRICES:
        getattr(new, name).matrix = getattr(old, name).matrix[keep]
    new.titles, new.skills = old.titles.select(keep), old.skills.select(keep)
    _index_by_vector(new)
    return new


_cache_lock = threading.Lock()
_cache: BankSnapshot | None = None

# Bump when BankSnapshot's fields change: an older file is then ignored.
SNAPSHOT_FORMAT = "3"
# (url, token) of the snapshot the saved file holds, as far as this process knows.
_on_disk: tuple[str, int] | None = None


def _persisted_path(url: str) -> Path:
    """Where the copy of the snapshot for this database lives; versions are in the name.

    Library versions are part of it because the file holds pickled sklearn and scipy
    objects, which do not promise to load across versions.
    """
    import scipy
    import sklearn

    key = "|".join((url, SNAPSHOT_FORMAT, sklearn.__version__, scipy.__version__, np.__version__))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return get_settings().data_dir / "cache" / f"cv-bank-{digest}.pickle"


def save_snapshot(snap: BankSnapshot) -> Path | None:
    """Write the snapshot beside the database (atomically); None when switched off."""
    global _on_disk
    if not get_matching_settings().persist_snapshot:
        return None
    path = _persisted_path(snap.url)
    if _on_disk == (snap.url, snap.token) and path.exists():
        # Loaded from (or already written to) this file unchanged: nothing to write.
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        pickle.dump(snap, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    _on_disk = (snap.url, snap.token)
    return path


def _load_persisted(url: str) -> BankSnapshot | None:
    if not get_matching_settings().persist_snapshot:
        return None
    path = _persisted_path(url)
    if not path.exists():
        return None
    try:
        # The file is the service's own, in its own data directory (never user input).
        with open(path, "rb") as fh:
            snap = pickle.load(fh)
    except Exception:
        log.warning("ignoring unreadable CV bank snapshot %s", path, exc_info=True)
        return None
    global _on_disk
    if not isinstance(snap, BankSnapshot) or snap.url != url:
        return None
    _on_disk = (snap.url, snap.token)
    return snap


def _state_token(session: Session) -> int:
    """The CV bank's version (migration 0004): a primary-key read, not a table scan."""
    version = session.execute(select(CvBankState.version).where(CvBankState.id == 1)).scalar()
    return int(version or 0)


def _changes(
    session: Session, current: BankSnapshot | None
) -> tuple[list[Any], list[Any], int, bool]:
    """CVs changed and removed since `current`, the live row count, and whether every
    row's stamp was compared.

    Reading every row's stamp takes about a second at 100k CVs, so between full
    comparisons only recent stamps are read; the row count tells whether anything
    was deleted (or arrived unseen), and then every stamp is compared after all.
    """
    if current is None:
        live = session.scalar(select(func.count()).select_from(Cv)) or 0
        return [], [], live, True
    if current.max_updated is not None and (
        time.monotonic() - current.full_check < FULL_CHECK_SECONDS
    ):
        since = current.max_updated - CHANGE_LOOKBACK
        recent = session.execute(select(Cv.id, Cv.updated_at).where(Cv.updated_at >= since))
        changed = [i for i, u in recent if current.updated.get(i) != u]
        live = session.scalar(select(func.count()).select_from(Cv)) or 0
        if live == len(current.updated) + sum(1 for i in changed if i not in current.updated):
            return changed, [], live, False
    stamps = {r[0]: r[1] for r in session.execute(select(Cv.id, Cv.updated_at))}
    changed = [i for i, u in stamps.items() if current.updated.get(i) != u]
    removed = [i for i in current.updated if i not in stamps]
    return changed, removed, len(stamps), True


def snapshot(session: Session) -> BankSnapshot:
    """The in-memory CV bank for this database, patched with whatever changed since."""
    global _cache
    url = str(get_engine().url)
    token = _state_token(session)
    current = _cache
    if current is not None and current.url == url and current.token == token:
        return current
    with _cache_lock:
        current = _cache
        if current is not None and current.url == url and current.token == token:
            return current
        started = time.perf_counter()
        loaded = False
        if current is None or current.url != url:
            from_disk = _load_persisted(url)
            loaded = from_disk is not None
            current = from_disk or current
            if current is not None and current.url == url and current.token == token:
                _cache = current
                _freeze(rebuilt=True)
                log.info("CV bank snapshot loaded from disk: %d rows", len(current.row_of))
                return current
        fresh = current is None or current.url != url
        changed, removed, live, full = _changes(session, None if fresh else current)
        rebuild = fresh or len(changed) > REBUILD_SHARE * max(live, 1)
        if rebuild:
            new = BankSnapshot(url=url, token=token)
            rows = session.execute(select(*_CV_COLUMNS).order_by(Cv.vector_id)).all()
            _build_rows(new, rows, fit=True)
        else:
            assert current is not None
            # Patch a copy: concurrent searches keep reading the old snapshot.
            new = _copy(current)
            for cv_id in [*removed, *changed]:
                row = new.row_of.pop(cv_id, None)
                new.updated.pop(cv_id, None)
                if row is not None:
                    new.alive[row] = False
            rows = []
            for start in range(0, len(changed), 500):
                chunk = changed[start : start + 500]
                rows += session.execute(select(*_CV_COLUMNS).where(Cv.id.in_(chunk))).all()
            _build_rows(new, rows, fit=False)
            new.token = token
            if (~new.alive).sum() > DEAD_SHARE * len(new.alive):
                new = _drop_dead(new)
        if full:
            new.full_check = time.monotonic()
        _freeze(rebuilt=rebuild or loaded)
        _cache = new
        log.info(
            "CV bank snapshot %s: %d rows (%d changed) in %.0f ms",
            "rebuilt" if rebuild else "patched",
            live,
            live if rebuild else len(changed) + len(removed),
            (time.perf_counter() - started) * 1000,
        )
        return new


_patches_since_freeze = 0
# A patch adds few objects; re-freezing needs a full collection (0.1-0.3 s at 100k CVs).
REFREEZE_PATCHES = 50


def _freeze(*, rebuilt: bool) -> None:
    """Take the bank's objects out of the cyclic garbage collector's scans.

    A snapshot holds hundreds of thousands of Python objects (ids, stamps, the TF-IDF
    vocabulary) that live until it is replaced; every full collection walked all of
    them in the middle of some search (p50 112 -> 91 ms at 100k CVs, measured).
    Replaced snapshots are still freed by reference counting: they hold no cycles.
    Before freezing again, frozen objects are unfrozen and collected, so cyclic
    garbage that happened to be alive at a freeze is not kept for good.
    """
    global _patches_since_freeze
    _patches_since_freeze += 1
    if not rebuilt and _patches_since_freeze < REFREEZE_PATCHES:
        return
    _patches_since_freeze = 0
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def reset_cache() -> None:
    """Forget the in-memory snapshot (tests and after a database switch)."""
    global _cache
    with _cache_lock:
        _cache = None
    _query_vector.cache_clear()


# -- scoring ---------------------------------------------------------------------------------


@dataclass
class _Query:
    fields: FieldTexts
    embed_text: str
    postal_code: str | None
    order: OrderQuery | None
    occupation: tuple[str, str] | None


def _order_occupation(order: OrderQuery) -> tuple[str, str] | None:
    from services.matching.occupation_link import isco_of, link_titles

    if order.occupation_uri:
        return order.occupation_uri, isco_of(order.occupation_uri) or ""
    return link_titles([order.title])[0]


def _filter_mask(
    snap: BankSnapshot, query: _Query, filters: SearchFilters, visibility: Visibility
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows that pass visibility and every filter, and the distance of each row (km)."""
    mask = snap.alive & snap.searchable
    if visibility.only_ids is not None:
        allowed = np.zeros(len(snap), dtype=bool)
        rows = [snap.row_of[i] for i in visibility.only_ids if i in snap.row_of]
        allowed[rows] = True
        mask &= allowed
    distance = None
    workplace = geo.coordinates(query.postal_code)
    if workplace is not None:
        distance = geo.haversine_many(workplace, snap.lat, snap.lon)
        # The candidate's own maximum commute is always respected.
        mask &= ~(distance > snap.commute)
        if filters.max_distance_km is not None:
            mask &= distance <= filters.max_distance_km
    elif filters.max_distance_km is not None:
        mask &= False
    for lic in filters.driving_licences:
        mask &= snap.licences.has_any(snap.licences.columns(lambda t, lic=lic: t == lic))
    for lang in filters.languages:
        mask &= snap.languages.has_any(snap.languages.columns(lambda t, lang=lang: t == lang))
    for cert in filters.certificates:
        mask &= snap.certificates.has_any(
            snap.certificates.columns(lambda t, c=cert: contains_phrase(t, c))
        )
    if filters.min_weekly_hours is not None:
        mask &= ~(snap.hours < filters.min_weekly_hours)
    if filters.max_weekly_hours is not None:
        mask &= ~(snap.hours > filters.max_weekly_hours)
    if filters.available_by is not None:
        mask &= snap.available <= filters.available_by.toordinal()
    order = query.order
    if order is not None and order.hard_requirements:
        for lic in order.driving_licences:
            mask &= snap.licences.has_any(snap.licences.columns(lambda t, lic=lic: t == lic))
        for cert in order.certificates:
            mask &= snap.certificates.has_any(
                snap.certificates.columns(lambda t, c=cert: contains_phrase(t, c))
            )
    return mask, distance


def _title_lexical(snap: BankSnapshot, query: _Query, rows: np.ndarray) -> np.ndarray:
    """Order title against CV titles for every row: the title matrix is small enough."""
    if snap.title_rows is None:
        raise RuntimeError("snapshot has no lexical vocabulary")
    return snap.titles.score_all(snap.title_rows.matrix([query.fields.titles]))[rows]


def _skill_lexical(snap: BankSnapshot, query: _Query, rows: np.ndarray) -> np.ndarray:
    """Requirements text against CV competences for the given rows only.

    The competence matrix is ten times the title matrix; scoring every row costs more
    than everything else in a search, so `_rank` asks only for rows that can still
    reach the page.
    """
    if snap.skill_rows is None:
        raise RuntimeError("snapshot has no lexical vocabulary")
    return snap.skills.score_rows(snap.skill_rows.matrix([query.fields.skills]), rows)


@functools.lru_cache(maxsize=512)
def _query_vector(model_name: str, text: str) -> np.ndarray:
    """The order's embedding; paging and re-filtering the same order reuse it."""
    from services.matching.embedding import get_embedder

    vector = get_embedder().encode([text])
    vector.setflags(write=False)
    return vector


def _semantic(snap: BankSnapshot, query: _Query, rows: np.ndarray) -> np.ndarray:
    from services.matching.embedding import get_embedder
    from services.matching.vector_index import get_index_store

    scores = np.zeros(len(rows), dtype=np.float32)
    index = get_index_store().current()
    if index is None or len(index) == 0 or len(rows) == 0:
        return scores
    embedder = get_embedder()
    vector = _query_vector(embedder.model_name, query.embed_text)
    allowed = snap.vector_ids[rows]
    k = min(SEMANTIC_K, len(rows))
    everyone = len(rows) == int(snap.alive.sum()) and len(index) <= len(rows)
    found_scores, found_ids = index.search(vector, k, None if everyone else allowed)
    found_scores, found_ids = found_scores[0], found_ids[0]
    ok = found_ids >= 0
    found_scores, found_ids = found_scores[ok], found_ids[ok]
    if len(found_ids) == 0:
        return scores
    # Rows outside the top k score as the k-th: a floor, not a guess above it.
    scores[:] = max(float(found_scores.min()), 0.0)
    sorted_vids, order = snap.by_vector
    pos = np.searchsorted(sorted_vids, found_ids)
    pos = np.clip(pos, 0, max(len(sorted_vids) - 1, 0))
    hit = sorted_vids[pos] == found_ids
    found_rows = order[pos[hit]]
    lookup = np.full(len(snap), -1, dtype=np.int64)
    lookup[rows] = np.arange(len(rows))
    where = lookup[found_rows]
    valid = where >= 0
    scores[where[valid]] = np.clip(found_scores[hit][valid], 0.0, 1.0)
    return scores


def _requirements(
    snap: BankSnapshot, query: _Query, rows: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    order = query.order
    parts: dict[str, np.ndarray] = {}
    if order is None:
        return np.zeros(len(rows)), parts
    if query.occupation is not None:
        uri, isco = query.occupation
        same = snap.occupations.has_any(snap.occupations.columns(lambda t: t == uri))[rows]
        related = (
            snap.iscos.has_any(snap.iscos.columns(lambda t: t == isco))[rows]
            if isco
            else np.zeros(len(rows), bool)
        )
        parts["occupation"] = np.where(same, 1.0, np.where(related, RELATED_OCCUPATION_CREDIT, 0))

    def share(matrix: TagMatrix, wanted: list[str], match: Any) -> np.ndarray:
        got = np.zeros(len(rows))
        for w in wanted:
            got += matrix.has_any(matrix.columns(lambda t, w=w: match(t, w)))[rows]
        return got / len(wanted)

    if order.certificates:
        parts["certificates"] = share(snap.certificates, order.certificates, contains_phrase)
    if order.driving_licences:
        parts["driving_licences"] = share(
            snap.licences, order.driving_licences, lambda t, w: t == w
        )
    if order.languages:
        parts["languages"] = share(snap.languages, order.languages, lambda t, w: t == w)
    if order.education:
        parts["education"] = share(snap.education, order.education, contains_phrase)
    if order.weekly_hours is not None:
        diff = np.abs(snap.hours[rows] - order.weekly_hours)
        parts["hours"] = np.where(np.isnan(diff), 0.5, np.clip(1 - (diff - 5) / 20, 0, 1))
    if order.start_date is not None:
        parts["availability"] = (snap.available[rows] <= order.start_date.toordinal()).astype(float)
    if not parts:
        return np.zeros(len(rows)), parts
    total_weight = sum(REQUIREMENT_WEIGHTS[k] for k in parts)
    combined = sum(REQUIREMENT_WEIGHTS[k] * v for k, v in parts.items())
    return np.asarray(combined) / total_weight, parts


def _rank(
    session: Session,
    query: _Query,
    filters: SearchFilters,
    visibility: Visibility,
    limit: int,
    offset: int,
) -> RankedPage:
    snap = snapshot(session)
    mask, distance = _filter_mask(snap, query, filters, visibility)
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return RankedPage(total=0, items=[])
    settings = get_matching_settings()
    title = _title_lexical(snap, query, rows)
    semantic = _semantic(snap, query, rows)
    requirements, req_parts = _requirements(snap, query, rows)
    w_sem, w_lex, w_req = (
        settings.weight_semantic,
        settings.weight_lexical,
        settings.weight_requirements if req_parts else 0.0,
    )
    total_w = (w_sem + w_lex + w_req) or 1.0
    want = min(offset + limit, len(rows))
    if want == 0:
        return RankedPage(total=len(rows), items=[])
    title_share = TITLE_SHARE if query.fields.skills else 1.0
    partial = (w_sem * semantic + w_lex * title_share * title + w_req * requirements) / total_w
    # Safe pruning: the competence part adds at most `headroom` (cosine <= 1), so a row
    # whose partial score is more than that below the want-th best partial score can
    # never reach the page. Only the rest get the (expensive) competence score.
    headroom = w_lex * (1 - title_share) / total_w
    tau = np.partition(partial, len(partial) - want)[len(partial) - want]
    # (1e-6: scores are rounded to six decimals below.)
    floor = tau - headroom - 1e-6
    prune = PRUNE_COMPETENCES and headroom > 0
    candidates = np.flatnonzero(partial >= floor) if prune else np.arange(len(rows))
    skill = np.zeros(len(rows))
    if headroom > 0:
        skill[candidates] = _skill_lexical(snap, query, rows[candidates])
    lexical = title_share * title + (1 - title_share) * skill
    score = np.round(partial + headroom * skill, 6)
    cand_score = score[candidates]
    # Only rows scoring at least the want-th best can reach the page; ties included.
    kth = np.partition(cand_score, len(cand_score) - want)[len(cand_score) - want]
    top = candidates[cand_score >= kth]
    # Ties broken by vector id so equal scores always come back in the same order.
    order = top[np.lexsort((snap.vector_ids[rows[top]], -score[top]))]
    page = order[offset : offset + limit]
    items = _explain(
        session, snap, query, rows[page], score[page], semantic[page], lexical[page],
        requirements[page], {k: v[page] for k, v in req_parts.items()},
        distance[rows[page]] if distance is not None else None,
    )  # fmt: skip
    return RankedPage(total=len(rows), items=items)


def rank_order(
    session: Session,
    order: OrderQuery,
    filters: SearchFilters,
    visibility: Visibility,
    *,
    limit: int = 20,
    offset: int = 0,
) -> RankedPage:
    """Rank the visible CVs for a job order."""
    query = _Query(
        fields=order_fields(order),
        embed_text=order_embedding_text(order),
        postal_code=order.postal_code,
        order=order,
        occupation=_order_occupation(order),
    )
    return _rank(session, query, filters, visibility, limit, offset)


def rank_free_text(
    session: Session,
    text: str,
    postal_code: str | None,
    filters: SearchFilters,
    visibility: Visibility,
    *,
    limit: int = 20,
    offset: int = 0,
) -> RankedPage:
    """Rank the visible CVs for a free-text query."""
    query = _Query(
        fields=free_text_fields(text),
        embed_text=text.strip(),
        postal_code=postal_code,
        order=None,
        occupation=None,
    )
    return _rank(session, query, filters, visibility, limit, offset)


# -- explanations ----------------------------------------------------------------------------


def _cv_items(cv: CvContent) -> list[tuple[str, str]]:
    """(field, text) of everything a requirement may be found in."""
    items = [("professional_competences", x) for x in cv.professional_competences]
    items += [("personal_competences", x) for x in cv.personal_competences]
    items += [("certificates", x) for x in cv.certificates]
    items += [("courses", c.title) for c in cv.courses]
    items += [("education", e.title) for e in cv.education]
    items += [("experience", e.tasks) for e in cv.experience if e.tasks]
    items += [("summary", cv.summary)] if cv.summary else []
    return items


class TextRows:
    """TF-IDF rows of short texts under one fitted vectorizer, cached by text.

    CV items and requirements repeat across CVs and searches ("truckcertifikat",
    "rengøring"), and sklearn's character analyser is pure Python, so each distinct
    text is analysed once per snapshot vocabulary.
    """

    MAX_TEXTS = 200_000

    def __init__(self, vec: TfidfVectorizer) -> None:
        self.vec = vec
        self.width = len(vec.vocabulary_)
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # The cache is per process: a saved snapshot starts with an empty one.
        return {"vec": self.vec, "width": self.width, "_rows": {}}

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows = self._rows
        # Other searches share the cache (and may clear it): read into a local dict.
        found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for t in texts:
            row = rows.get(t)
            if row is not None:
                found[t] = row
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            if len(rows) + len(missing) > self.MAX_TEXTS:
                rows.clear()
            m = self.vec.transform(missing)
            for i, text in enumerate(missing):
                lo, hi = m.indptr[i], m.indptr[i + 1]
                found[text] = rows[text] = (m.indices[lo:hi].copy(), m.data[lo:hi].copy())
        parts = [found[t] for t in texts]
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(ix) for ix, _ in parts], out=indptr[1:])
        indices = np.concatenate([ix for ix, _ in parts]) if parts else np.zeros(0, np.int32)
        data = np.concatenate([d for _, d in parts]) if parts else np.zeros(0, np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), self.width))


class _ItemMatcher:
    """Finds, for each requirement, the CV item that holds it.

    A requirement found word for word in an item needs nothing more. For the rest, the
    similarities of the items of every CV that needs them to every requirement come
    from one sparse product (`many`); a matcher only looks up its own rows.
    """

    def __init__(
        self,
        items: list[tuple[str, str]],
        padded: list[str],
        sims: np.ndarray | None,
        columns: dict[str, int],
    ) -> None:
        self.items, self.padded, self.sims, self.columns = items, padded, sims, columns

    @staticmethod
    def many(
        rows: TextRows | None, lists: list[list[tuple[str, str]]], requirements: list[str]
    ) -> list["_ItemMatcher"]:
        wanted = list(dict.fromkeys(requirements))
        columns = {r: i for i, r in enumerate(wanted)}
        needles = [_padded(r) for r in wanted]
        padded = [[_padded(text) for _, text in items] for items in lists]
        # Only CVs with a requirement not found word for word need similarities.
        need = [
            bool(items) and any(not any(_phrase_in(h, n) for h in hays) for n in needles)
            for items, hays in zip(lists, padded, strict=True)
        ]
        flat = [t for items, n in zip(lists, need, strict=True) if n for _, t in items]
        sims = None
        if rows is not None and flat:
            sims = (rows.matrix(flat) @ rows.matrix(wanted).T).toarray()
        out, start = [], 0
        for items, hays, needed in zip(lists, padded, need, strict=True):
            part = None
            if needed and sims is not None:
                part = sims[start : start + len(items)]
                start += len(items)
            out.append(_ItemMatcher(items, hays, part, columns))
        return out

    def best(self, requirement: str) -> tuple[str, str] | None:
        """The item that contains the requirement, else the most similar one above a floor."""
        needle = _padded(requirement)
        for item, hay in zip(self.items, self.padded, strict=True):
            if _phrase_in(hay, needle):
                return item
        column = self.columns.get(requirement)
        if column is None or self.sims is None or not self.items:
            return None
        sims = self.sims[:, column]
        best = int(np.argmax(sims))
        return self.items[best] if sims[best] >= REASON_MIN_SIMILARITY else None


def _explain(
    session: Session,
    snap: BankSnapshot,
    query: _Query,
    rows: np.ndarray,
    scores: np.ndarray,
    semantic: np.ndarray,
    lexical: np.ndarray,
    requirements: np.ndarray,
    req_parts: dict[str, np.ndarray],
    distances: np.ndarray | None,
) -> list[RankedCandidate]:
    ids = [snap.ids[r] for r in rows]
    cvs = {cv.id: cv for cv in session.scalars(select(Cv).where(Cv.id.in_(ids)))}
    facts = {
        f.cv_id: f for f in session.scalars(select(CvCaseFacts).where(CvCaseFacts.cv_id.in_(ids)))
    }
    contents = [CvContent.model_validate(cvs[i].document) for i in ids]
    title_matchers = _ItemMatcher.many(
        snap.title_rows, [_title_items(c) for c in contents], [query.fields.titles]
    )
    skills = query.order.skills if query.order is not None else []
    skill_matchers = _ItemMatcher.many(snap.skill_rows, [_cv_items(c) for c in contents], skills)
    out = []
    for i, cv_id in enumerate(ids):
        cv = cvs[cv_id]
        content = contents[i]
        matched, missing = _reasons(query, cv, content, title_matchers[i], skill_matchers[i])
        dist = None
        if distances is not None and not np.isnan(distances[i]):
            dist = round(float(distances[i]), 1)
            matched.append(
                Reason(
                    kind="distance",
                    requirement=f"workplace {query.postal_code}",
                    field="postal_code",
                    text=f"{cv.postal_code} ({dist} km)",
                )
            )
        parts = {
            "semantic": round(float(semantic[i]), 4),
            "lexical": round(float(lexical[i]), 4),
            "requirements": round(float(requirements[i]), 4),
        }
        parts.update({f"requirements.{k}": round(float(v[i]), 4) for k, v in req_parts.items()})
        fact = facts.get(cv_id)
        out.append(
            RankedCandidate(
                cv=CvSummary(
                    id=cv.id,
                    name=cv.name,
                    headline=cv.headline,
                    postal_code=cv.postal_code,
                    akasse_organisation_id=fact.akasse_organisation_id if fact else None,
                    external_id=cv.external_id,
                ),
                score=round(float(scores[i]), 4),
                score_parts=parts,
                matched=matched,
                missing=missing,
                distance_km=dist,
            )
        )
    return out


def _title_items(cv: CvContent) -> list[tuple[str, str]]:
    return [("desired_jobs", j.title) for j in cv.desired_jobs] + [
        ("experience", e.title) for e in cv.experience
    ]


def _reasons(
    query: _Query,
    cv: Cv,
    content: CvContent,
    title_matcher: _ItemMatcher,
    items: _ItemMatcher,
) -> tuple[list[Reason], list[str]]:
    matched: list[Reason] = []
    missing: list[str] = []
    if query.occupation is not None:
        uri, isco = query.occupation
        same = [o for o in cv.occupations if o[0] == uri]
        related = [o for o in cv.occupations if isco and o[1] == isco]
        if same:
            matched.append(
                Reason(kind="occupation", requirement=uri, field=same[0][2], text=same[0][3])
            )
        elif related:
            r = related[0]
            matched.append(
                Reason(kind="related_occupation", requirement=f"ISCO {isco}", field=r[2], text=r[3])
            )
    hit = title_matcher.best(query.fields.titles)
    if hit:
        matched.append(
            Reason(kind="title", requirement=query.fields.titles, field=hit[0], text=hit[1])
        )
    order = query.order
    if order is None:
        return matched, missing
    for skill in order.skills:
        found = items.best(skill)
        if found:
            matched.append(Reason(kind="skill", requirement=skill, field=found[0], text=found[1]))
        else:
            missing.append(skill)
    for cert in order.certificates:
        held = next((c for c in content.certificates if contains_phrase(c, cert)), None)
        if held:
            matched.append(
                Reason(kind="certificate", requirement=cert, field="certificates", text=held)
            )
        else:
            missing.append(cert)
    for lic in order.driving_licences:
        if lic in content.driving_licences:
            matched.append(
                Reason(kind="driving_licence", requirement=lic, field="driving_licences", text=lic)
            )
        else:
            missing.append(f"kørekort {lic}")
    for lang in order.languages:
        spoken = next((x for x in content.languages if x.language == lang), None)
        if spoken:
            matched.append(
                Reason(
                    kind="language",
                    requirement=lang,
                    field="languages",
                    text=f"{spoken.language} ({spoken.level})",
                )
            )
        else:
            missing.append(f"sprog: {lang}")
    edu_items = [("education", e.title) for e in content.education]
    edu_items += [("courses", c.title) for c in content.courses]
    for edu in order.education:
        got = next(((f, t) for f, t in edu_items if contains_phrase(t, edu)), None)
        if got:
            matched.append(Reason(kind="education", requirement=edu, field=got[0], text=got[1]))
        else:
            missing.append(edu)
    if order.weekly_hours is not None and content.weekly_hours is not None:
        if abs(content.weekly_hours - order.weekly_hours) <= 5:
            matched.append(
                Reason(
                    kind="hours",
                    requirement=f"{order.weekly_hours:g} hours/week",
                    field="weekly_hours",
                    text=f"{content.weekly_hours:g}",
                )
            )
        else:
            missing.append(f"{order.weekly_hours:g} timer/uge")
    if order.start_date is not None:
        if content.available_from is None or content.available_from <= order.start_date:
            matched.append(
                Reason(
                    kind="availability",
                    requirement=f"start {order.start_date.isoformat()}",
                    field="available_from",
                    text=content.available_from.isoformat() if content.available_from else "now",
                )
            )
        else:
            missing.append(f"ledig fra {order.start_date.isoformat()}")
    return matched, missing
