"""Free-text Danish job title → ranked ESCO occupations (character n-grams + embeddings)."""

import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from services.matching.occupations.data import Occupation, english_labels, load_occupations
from services.matching.occupations.titles import clean_title

__all__ = [
    "DEFAULT_LEXICAL_WEIGHT",
    "Occupation",
    "OccupationMatch",
    "TitleNormalizer",
    "get_normalizer",
    "occupation_by_uri",
    "occupations",
]

log = logging.getLogger(__name__)

# Weight of the character n-gram score against the embedding score for the base
# model, chosen on the validation split of the dev set (`jobbro eval normalize`,
# docs/occupations.md: flat between 0.6 and 0.9). A tuned model carries its own
# weight in training.json, written by the same evaluation.
DEFAULT_LEXICAL_WEIGHT = 0.7
# Weight of the preferred label's own score in an occupation's score (a tie-break).
PREFERRED_TIEBREAK = 1e-3
# Titles are scored in chunks so a batch of thousands never holds a dense
# (query variants × 45k labels) matrix at once: 64 titles with up to 8
# variants each stay under ~100 MB per matrix.
_CHUNK = 64


class TextEmbedder(Protocol):
    """What the normaliser needs from an embedding model."""

    @property
    def model_name(self) -> str: ...

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class OccupationMatch:
    """One ranked occupation for a title; `label` is the preferred label."""

    uri: str
    label: str
    isco_group: str
    score: float
    # The Danish label that scored best, to show the mediator why it matched.
    matched_label: str = ""


_digests: dict[tuple[str, int, int], str] = {}


def _file_digest(path: Path) -> str:
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _digests:
        from services.matching.occupations.tuned_model import file_sha256

        _digests[key] = file_sha256(path)
    return _digests[key]


def _model_fingerprint(embedder: TextEmbedder) -> str:
    """The weights' content, so a retrained model never reuses old vectors.

    Content rather than name or mtime: the base model and the base inside an
    assembled tuned model then share one label cache, and a fresh copy of the
    same weights (a new checkout) still finds it.
    """
    path = getattr(embedder, "path", None)
    if not isinstance(path, Path):
        return "name:" + embedder.model_name
    files = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin"))
    if [f.name for f in files] == ["model.safetensors"]:
        return "sha256:" + _file_digest(files[0])
    return "|".join([embedder.model_name, *(f"{f.name}:{_file_digest(f)}" for f in files)])


class _BaseOfAdapter:
    """The base part of an assembled base + adapter model, sharing its loaded weights."""

    def __init__(self, embedder: Any, base_sha256: str) -> None:
        self.model_name = "base-of-" + embedder.model_name
        self._embedder = embedder
        self._base_sha256 = base_sha256
        self._model: Any = None

    def fingerprint(self) -> str:
        return "sha256:" + self._base_sha256

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        from sentence_transformers import SentenceTransformer

        if self._model is None:
            # Everything before the trailing Dense + Normalize is the base model.
            modules = list(self._embedder.model)[:-2]
            self._model = SentenceTransformer(modules=modules, device="cpu")
        # The tuned model's tokeniser is shared with this view, so take its lock.
        with getattr(self._embedder, "_lock", contextlib.nullcontext()):
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size or 128,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _adapter_parts(
    embedder: TextEmbedder,
) -> tuple[_BaseOfAdapter, np.ndarray, np.ndarray] | None:
    """For a tuned model that is base + linear adapter: (base encoder, W, b); else None."""
    from services.matching.occupations.tuned_model import STAMP_FILE, adapter_of

    path = getattr(embedder, "path", None)
    if not isinstance(path, Path) or getattr(embedder, "model", None) is None:
        return None
    try:
        parts = adapter_of(path)
        stamp = json.loads((path / STAMP_FILE).read_text()) if parts else None
    except (OSError, ValueError, KeyError):
        return None
    if parts is None or stamp is None or "base_model_sha256" not in stamp:
        return None
    return _BaseOfAdapter(embedder, stamp["base_model_sha256"]), parts[0], parts[1]


def apply_adapter(base: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """normalise(W·x + b) for rows x: the tuned model's output from the base model's."""
    out = base @ weight.T + bias
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return np.ascontiguousarray(out, dtype=np.float32)


class TitleNormalizer:
    """Ranks occupations for titles by the best-scoring Danish label of each occupation."""

    def __init__(
        self,
        occupation_list: Sequence[Occupation],
        *,
        embedder: TextEmbedder | None = None,
        lexical_weight: float = DEFAULT_LEXICAL_WEIGHT,
        cache_dir: Path | None = None,
        extra_labels: Mapping[str, Sequence[str]] | None = None,
        extra_weight: float = 1.0,
        query_variants: bool = True,
        embedded_extra: int | None = None,
        preferred_tiebreak: float = PREFERRED_TIEBREAK,
    ) -> None:
        self.occupations = list(occupation_list)
        # Rewritten forms of each title (variants.py): job-ad noise, STAR's comma form.
        self.query_variants = query_variants
        self.preferred_tiebreak = preferred_tiebreak
        self.embedder = embedder
        self.lexical_weight = lexical_weight if embedder is not None else 1.0
        self.extra_weight = extra_weight
        labels: list[str] = []
        starts: list[int] = []
        extra: list[bool] = []
        embedded: list[bool] = []
        for occ in self.occupations:
            if not occ.labels:
                raise ValueError("every occupation needs at least one label")
            starts.append(len(labels))
            # Extra (English) labels follow the Danish ones of the same occupation,
            # so each occupation's labels stay one contiguous run.
            more = [x for x in (extra_labels or {}).get(occ.uri, ()) if x not in occ.labels]
            labels.extend([*occ.labels, *more])
            extra.extend([False] * len(occ.labels) + [True] * len(more))
            keep = len(more) if embedded_extra is None else min(embedded_extra, len(more))
            embedded.extend([True] * (len(occ.labels) + keep) + [False] * (len(more) - keep))
        self.labels = labels
        self._extra = np.asarray(extra, dtype=bool)
        # A preferred label wins an exact tie ("tømrer" is also an alternative
        # label of "bygmester"); too small to change any other order.
        self._preferred_bonus = np.zeros(len(labels), dtype=np.float32)
        self._preferred_bonus[starts] = 1e-4
        # Labels are grouped by occupation, so a max over each run is a reduceat.
        self._starts = np.asarray(starts, dtype=np.int64)
        self._ends = np.append(self._starts[1:], len(labels))
        cleaned = [clean_title(label) for label in labels]
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32
        )
        self._label_lex: sparse.csr_matrix = self._vectorizer.fit_transform(cleaned).T.tocsr()
        # Labels with a vector of their own: a prefix of each occupation's run.
        # The others borrow their occupation's best embedded label in
        # semantic_scores, so the label store stays small (see docs).
        self._embedded = np.asarray(embedded, dtype=bool)
        self._embedded_cols = np.flatnonzero(self._embedded)
        self._borrowing_cols = np.flatnonzero(~self._embedded)
        label_occ = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(labels))))
        self._borrowing_occ = label_occ[self._borrowing_cols]
        self._embedded_starts = np.searchsorted(self._embedded_cols, self._starts)
        self._label_emb: np.ndarray | None = None
        if embedder is not None:
            self._label_emb = self._embed_labels(
                embedder, [cleaned[i] for i in self._embedded_cols], cache_dir
            )

    def _embed_labels(
        self, embedder: TextEmbedder, cleaned: list[str], cache_dir: Path | None
    ) -> np.ndarray:
        # A tuned base + adapter model needs no label pass of its own: its label
        # vectors are the (cached) base vectors through the adapter, a 45k×384
        # matrix product. Retraining the adapter then costs nothing here either.
        parts = _adapter_parts(embedder)
        if parts is not None:
            base, weight, bias = parts
            vectors = _cached_encode(base, base.fingerprint(), cleaned, cache_dir)
            return apply_adapter(vectors, weight, bias)
        return _cached_encode(embedder, _model_fingerprint(embedder), cleaned, cache_dir)

    def label_scores(self, titles: Sequence[str], *, variants: bool | None = None) -> "QueryScores":
        """Raw per-label lexical and semantic cosines of every query variant of `titles`."""
        query = expand_queries(
            titles, variants=self.query_variants if variants is None else variants
        )
        query.lex = self.lexical_scores(query.rows)
        query.sem = self.semantic_scores(query.rows)
        return query

    def lexical_scores(self, rows: Sequence[str]) -> np.ndarray:
        """Character n-gram cosine of each (cleaned) query row against every label."""
        lex = self._vectorizer.transform(list(rows)) @ self._label_lex
        return np.asarray(lex.toarray(), dtype=np.float32)

    def semantic_scores(self, rows: Sequence[str]) -> np.ndarray | None:
        """Embedding cosine of each query row against every label (None without a model)."""
        if self.embedder is None or self._label_emb is None:
            return None
        # Variants repeat across a batch ("lagermedarbejder" from many ads): embed each once.
        unique = sorted(set(rows))
        position = {text: i for i, text in enumerate(unique)}
        vectors = self.embedder.encode(unique)
        sem = np.asarray(vectors[[position[text] for text in rows]] @ self._label_emb.T)
        if not len(self._borrowing_cols):
            return sem
        full = np.empty((len(rows), len(self.labels)), dtype=np.float32)
        full[:, self._embedded_cols] = sem
        best = np.maximum.reduceat(sem, self._embedded_starts, axis=1)
        full[:, self._borrowing_cols] = best[:, self._borrowing_occ]
        return full

    def occupation_scores(
        self, scores: "QueryScores", lexical_weight: float | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each occupation's score per title: its best label over the title's weighted variants.

        Returns (titles × occupations, rows × occupations, rows × labels); the
        last two let callers find which variant and label gave a score.
        """
        w = self.lexical_weight if lexical_weight is None else lexical_weight
        lex, sem = scores.lex, scores.sem
        combined = lex if sem is None or w >= 1.0 else w * lex + (1.0 - w) * sem
        # Adding the bonus also copies, so the in-place scaling below never touches `lex`.
        combined = combined + self._preferred_bonus
        if self.extra_weight != 1.0 and self._extra.any():
            combined[:, self._extra] *= self.extra_weight
        by_row = np.maximum.reduceat(combined, self._starts, axis=1)
        # Many occupations share an alternative label ("lagermedarbejder",
        # "pædagog"); among near-equal ones, prefer the one whose preferred label
        # is also close to the title. Too small to reorder anything else.
        if self.preferred_tiebreak:
            by_row += self.preferred_tiebreak * combined[:, self._starts]
        by_row *= scores.row_weight[:, None]
        return np.maximum.reduceat(by_row, scores.starts, axis=0), by_row, combined

    def normalize(self, title: str, k: int = 10) -> list[OccupationMatch]:
        """The `k` best occupations for one title, best first."""
        return self.normalize_batch([title], k=k)[0]

    def normalize_batch(self, titles: Sequence[str], k: int = 10) -> list[list[OccupationMatch]]:
        """The `k` best occupations for each title; blank titles get no matches."""
        k = max(0, min(k, len(self.occupations)))
        results: list[list[OccupationMatch]] = []
        for start in range(0, len(titles), _CHUNK):
            chunk = list(titles[start : start + _CHUNK])
            query = self.label_scores(chunk)
            occ, by_row, combined = self.occupation_scores(query)
            ends = np.append(query.starts[1:], len(by_row))
            for row, title in enumerate(chunk):
                if not clean_title(title) or k == 0:
                    results.append([])
                    continue
                scores = occ[row]
                top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(k)
                order = top[np.argsort(-scores[top], kind="stable")]
                first, last = query.starts[row], ends[row]
                matches = []
                for j in order:
                    # Only the k shown occupations need their best variant and label found.
                    variant = first + int(np.argmax(by_row[first:last, j]))
                    lo, hi = self._starts[j], self._ends[j]
                    best = lo + int(np.argmax(combined[variant, lo:hi]))
                    occupation = self.occupations[j]
                    matches.append(
                        OccupationMatch(
                            uri=occupation.uri,
                            label=occupation.preferred_label,
                            isco_group=occupation.isco_group,
                            score=round(float(scores[j]), 6),
                            matched_label=self.labels[best],
                        )
                    )
                results.append(matches)
        return results


@dataclass
class QueryScores:
    """Per-variant label scores of a batch of titles; each title's variants are one run of rows."""

    rows: list[str]
    row_weight: np.ndarray
    starts: np.ndarray
    lex: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    sem: np.ndarray | None = None

    def literal(self) -> "QueryScores":
        """Only each title's literal (first) row: the scores without query variants."""
        return QueryScores(
            rows=[self.rows[i] for i in self.starts],
            row_weight=np.ones(len(self.starts), dtype=np.float32),
            starts=np.arange(len(self.starts), dtype=np.int64),
            lex=self.lex[self.starts],
            sem=None if self.sem is None else self.sem[self.starts],
        )


def expand_queries(titles: Sequence[str], *, variants: bool = True) -> QueryScores:
    """The rows to score for `titles`: each title's cleaned form first, then its variants."""
    rows: list[str] = []
    weights: list[float] = []
    starts: list[int] = []
    for title in titles:
        starts.append(len(rows))
        forms = _query_forms(title) if variants else [(clean_title(title), 1.0)]
        # A blank title still gets one (empty) row, so every title owns a run.
        for text, weight in forms or [("", 1.0)]:
            rows.append(text)
            weights.append(weight)
    return QueryScores(
        rows=rows,
        row_weight=np.asarray(weights, dtype=np.float32),
        starts=np.asarray(starts, dtype=np.int64),
    )


def _query_forms(title: str) -> list[tuple[str, float]]:
    from services.matching.occupations.variants import title_variants

    return title_variants(title)


def _cached_encode(
    embedder: TextEmbedder, fingerprint: str, cleaned: list[str], cache_dir: Path | None
) -> np.ndarray:
    """Vectors of `cleaned`, from a per-model store of every text embedded so far.

    Keyed by text, not by label list: the product index, the dev-set index and
    the tests' Danish-only index share one store, and a new ESCO release only
    embeds the labels it adds.
    """
    if cache_dir is None:
        unique = sorted(set(cleaned))
        at = {text: i for i, text in enumerate(unique)}
        encoded = embedder.encode(unique, batch_size=128).astype(np.float32)
        return np.ascontiguousarray(encoded[[at[text] for text in cleaned]])
    key = store_key(fingerprint)
    vectors_path = cache_dir / f"texts-{key}.npy"
    texts_path = cache_dir / f"texts-{key}.txt"
    known: list[str] = []
    stored = np.zeros((0, 0), dtype=np.float32)
    if vectors_path.is_file() and texts_path.is_file():
        known = texts_path.read_text(encoding="utf-8").split("\n")[:-1]
        stored = np.load(vectors_path)
        if stored.shape[0] != len(known):
            # Two writers raced between the two files: start over rather than misalign.
            known, stored = [], np.zeros((0, 0), dtype=np.float32)
    position = {text: i for i, text in enumerate(known)}
    missing = sorted({text for text in cleaned if text not in position})
    if missing:
        fresh_texts, fresh = _from_pack_or_model(embedder, key, missing)
        stored = np.concatenate([stored, fresh]) if len(known) else fresh
        for text in fresh_texts:
            position[text] = len(known)
            known.append(text)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp_vectors = vectors_path.with_suffix(".tmp.npy")
        tmp_texts = texts_path.with_suffix(".tmp.txt")
        np.save(tmp_vectors, stored)
        tmp_texts.write_text("".join(t + "\n" for t in known), encoding="utf-8")
        tmp_vectors.replace(vectors_path)
        tmp_texts.replace(texts_path)
    return np.ascontiguousarray(stored[[position[text] for text in cleaned]], dtype=np.float32)


def store_key(fingerprint: str) -> str:
    """The file key of a model's label-vector store (and of its committed pack)."""
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:24]


def _from_pack_or_model(
    embedder: TextEmbedder, key: str, missing: list[str]
) -> tuple[list[str], np.ndarray]:
    """Vectors for `missing`: from the committed pack where it has them, else embedded."""
    from services.matching.occupations.labelpack import read_pack

    pack = read_pack(key)
    texts: list[str] = []
    parts: list[np.ndarray] = []
    rest = missing
    if pack is not None:
        at = {text: i for i, text in enumerate(pack[0])}
        found = [t for t in missing if t in at]
        if found:
            texts += found
            parts.append(pack[1][[at[t] for t in found]])
            rest = [t for t in missing if t not in at]
            log.info("%d occupation label vectors from the committed pack", len(found))
    if rest:
        log.info("embedding %d occupation labels with %s", len(rest), embedder.model_name)
        texts += rest
        parts.append(embedder.encode(rest, batch_size=128).astype(np.float32))
    return texts, np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def write_label_pack(normalizer: TitleNormalizer) -> tuple[str, int]:
    """Embed the normaliser's labels afresh with the base model and commit-pack them.

    For maintainers after an ESCO or base-model change; returns (key, bytes).
    """
    from services.matching.occupations.labelpack import write_pack

    if normalizer.embedder is None:
        raise ValueError("a label pack needs an embedding model")
    parts = _adapter_parts(normalizer.embedder)
    base: TextEmbedder = parts[0] if parts else normalizer.embedder
    fingerprint = parts[0].fingerprint() if parts else _model_fingerprint(normalizer.embedder)
    texts = sorted({clean_title(normalizer.labels[i]) for i in normalizer._embedded_cols})
    vectors = base.encode(texts, batch_size=128)
    key = store_key(fingerprint)
    return key, write_pack(texts, vectors, key)


@lru_cache(maxsize=1)
def _by_uri() -> dict[str, Occupation]:
    return {occ.uri: occ for occ in load_occupations()}


def occupations() -> list[Occupation]:
    """All ESCO occupations with Danish labels, sorted by URI."""
    return list(load_occupations())


def occupation_by_uri(uri: str) -> Occupation | None:
    """The occupation with this ESCO URI, or None."""
    return _by_uri().get(uri)


_lock = threading.Lock()
_normalizer: TitleNormalizer | None = None
_generation = 0


def label_cache_dir() -> Path:
    """Where label embeddings are kept between runs (under the installation's data dir)."""
    from shared.settings import get_settings

    return get_settings().data_dir / "cache" / "occupations"


def build_default_normalizer(cache_dir: Path | None = None) -> TitleNormalizer:
    """A normaliser over all occupations with the installed model (tuned if present)."""
    from services.matching.index.embedding import get_embedder

    embedder: TextEmbedder | None
    try:
        embedder = get_embedder()
    except Exception:  # no model on disk: lexical only beats failing the request
        log.warning("no embedding model available; title normalisation is lexical only")
        embedder = None
    return TitleNormalizer(
        load_occupations(),
        embedder=embedder,
        lexical_weight=model_lexical_weight(embedder),
        cache_dir=cache_dir or label_cache_dir(),
        extra_labels=english_labels(),
    )


def model_lexical_weight(embedder: TextEmbedder | None) -> float:
    """The validation-picked lexical weight recorded beside a tuned model, else the default."""
    path = getattr(embedder, "path", None)
    record = path / "training.json" if isinstance(path, Path) else None
    if record is None or not record.is_file():
        return DEFAULT_LEXICAL_WEIGHT
    try:
        methods = json.loads(record.read_text())["evaluation"]["methods"]
        return float(
            next(
                m["lexical_weight"]
                for k, m in methods.items()
                if k.startswith("tuned:") and "+" in k
            )
        )
    except (KeyError, StopIteration, ValueError, TypeError):
        return DEFAULT_LEXICAL_WEIGHT


def get_normalizer() -> TitleNormalizer:
    """The process-wide normaliser, built on first use (see docs/occupations.md for cost)."""
    global _normalizer
    with _lock:
        if _normalizer is None:
            _normalizer = build_default_normalizer()
        return _normalizer


def set_normalizer(normalizer: TitleNormalizer | None) -> None:
    """Replace the process-wide normaliser (tests, or after training a new model)."""
    global _normalizer, _generation
    with _lock:
        _normalizer = normalizer
        # Caches of links (occupations/link.py) are keyed by this: a new normaliser's
        # links never mix with the old one's.
        _generation += 1


def normalizer_generation() -> int:
    """Changes whenever the process-wide normaliser is replaced."""
    return _generation
