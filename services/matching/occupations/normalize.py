"""Free-text Danish job title → ranked ESCO occupations (character n-grams + embeddings)."""

import hashlib
import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from services.matching.occupations.data import Occupation, english_labels, load_occupations

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
# Queries are scored in chunks so a batch of thousands never holds a dense
# (queries × 9,791 labels) matrix at once.
_CHUNK = 256

_GENDER_MARKERS = re.compile(r"\(\s*[mk]\s*/\s*[kmw]\s*\)|\b[mk]/[kmw]\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s_/|,;:—–]+")


def clean_title(title: str) -> str:
    """Lower-case a title and drop job-ad noise such as "(m/k)" and odd separators."""
    text = _GENDER_MARKERS.sub(" ", title.lower())
    return _SEPARATORS.sub(" ", text).strip(" -.")


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


def _model_fingerprint(embedder: TextEmbedder) -> str:
    """Name plus size/mtime of the weights, so a retrained model never reuses old vectors."""
    path = getattr(embedder, "path", None)
    parts = [embedder.model_name]
    if isinstance(path, Path):
        for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
            st = weights.stat()
            parts.append(f"{weights.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


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
    ) -> None:
        self.occupations = list(occupation_list)
        self.embedder = embedder
        self.lexical_weight = lexical_weight if embedder is not None else 1.0
        self.extra_weight = extra_weight
        labels: list[str] = []
        starts: list[int] = []
        extra: list[bool] = []
        for occ in self.occupations:
            if not occ.labels:
                raise ValueError("every occupation needs at least one label")
            starts.append(len(labels))
            # Extra (English) labels follow the Danish ones of the same occupation,
            # so each occupation's labels stay one contiguous run.
            more = [x for x in (extra_labels or {}).get(occ.uri, ()) if x not in occ.labels]
            labels.extend([*occ.labels, *more])
            extra.extend([False] * len(occ.labels) + [True] * len(more))
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
        self._label_emb: np.ndarray | None = None
        if embedder is not None:
            self._label_emb = self._embed_labels(embedder, cleaned, cache_dir)

    def _embed_labels(
        self, embedder: TextEmbedder, cleaned: list[str], cache_dir: Path | None
    ) -> np.ndarray:
        key = hashlib.sha256(
            (_model_fingerprint(embedder) + "\x00" + "\x1f".join(cleaned)).encode()
        ).hexdigest()[:24]
        path = cache_dir / f"labels-{key}.npy" if cache_dir else None
        if path is not None and path.is_file():
            cached = np.load(path)
            if cached.shape[0] == len(cleaned):
                return np.ascontiguousarray(cached, dtype=np.float32)
        log.info("embedding %d occupation labels with %s", len(cleaned), embedder.model_name)
        vectors = embedder.encode(cleaned, batch_size=128).astype(np.float32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        return vectors

    def label_scores(self, titles: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Raw per-label (lexical, semantic) cosine matrices for titles, for evaluation."""
        cleaned = [clean_title(t) for t in titles]
        lex = (self._vectorizer.transform(cleaned) @ self._label_lex).toarray()
        sem = None
        if self.embedder is not None and self._label_emb is not None:
            sem = self.embedder.encode(cleaned) @ self._label_emb.T
        return lex.astype(np.float32), sem

    def occupation_scores(
        self, lex: np.ndarray, sem: np.ndarray | None, lexical_weight: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Combine label scores; each occupation scores as its best label: (occupations, labels)."""
        w = self.lexical_weight if lexical_weight is None else lexical_weight
        combined = lex if sem is None or w >= 1.0 else w * lex + (1.0 - w) * sem
        # Adding the bonus also copies, so the in-place scaling below never touches `lex`.
        combined = combined + self._preferred_bonus
        if self.extra_weight != 1.0 and self._extra.any():
            combined[:, self._extra] *= self.extra_weight
        return np.maximum.reduceat(combined, self._starts, axis=1), combined

    def normalize(self, title: str, k: int = 10) -> list[OccupationMatch]:
        """The `k` best occupations for one title, best first."""
        return self.normalize_batch([title], k=k)[0]

    def normalize_batch(self, titles: Sequence[str], k: int = 10) -> list[list[OccupationMatch]]:
        """The `k` best occupations for each title; blank titles get no matches."""
        k = max(0, min(k, len(self.occupations)))
        results: list[list[OccupationMatch]] = []
        for start in range(0, len(titles), _CHUNK):
            chunk = list(titles[start : start + _CHUNK])
            lex, sem = self.label_scores(chunk)
            occ, combined = self.occupation_scores(lex, sem)
            for row, title in enumerate(chunk):
                if not clean_title(title) or k == 0:
                    results.append([])
                    continue
                scores = occ[row]
                top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(k)
                order = top[np.argsort(-scores[top], kind="stable")]
                matches = []
                for j in order:
                    # Only the k shown occupations need their best label found.
                    start, end = self._starts[j], self._ends[j]
                    best = start + int(np.argmax(combined[row, start:end]))
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


def label_cache_dir() -> Path:
    """Where label embeddings are kept between runs (under the installation's data dir)."""
    from shared.settings import get_settings

    return get_settings().data_dir / "cache" / "occupations"


def build_default_normalizer(cache_dir: Path | None = None) -> TitleNormalizer:
    """A normaliser over all occupations with the installed model (tuned if present)."""
    from services.matching.embedding import get_embedder

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
    global _normalizer
    with _lock:
        _normalizer = normalizer
