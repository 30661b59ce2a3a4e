"""Text normalisation and character n-gram TF-IDF for the CV bank and its queries."""

import functools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer


def _norm(text: str) -> str:
    return re.sub(r"[^\wæøå ]+", " ", text.casefold()).strip()


def norm_tokens(text: str) -> str:
    return " ".join(_norm(text).split())


@functools.lru_cache(maxsize=100_000)
def padded_words(text: str) -> str:
    return f" {norm_tokens(text)} "


def phrase_in(h: str, n: str) -> bool:
    return len(n) > 2 and (n in h or (h in n and len(h) > 4))


def contains_phrase(haystack: str, needle: str) -> bool:
    """Whether `needle` occurs in `haystack` as whole words (after normalising both)."""
    return phrase_in(padded_words(haystack), padded_words(needle))


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


def make_vectorizer() -> TfidfVectorizer:
    # char_wb 2-5 did best on Danish compounds (docs/matching.md, docs/measurements.md).
    return WordCachedVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=1,
        dtype=np.float32,
        lowercase=True,
    )


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
