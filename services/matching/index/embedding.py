"""Sentence embeddings from a model on disk, never from the internet."""

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shared.errors import ServiceUnavailable
from shared.settings import get_matching_settings

# Set before sentence-transformers is imported anywhere in the process: a model
# that is not on disk must fail loudly rather than trigger a download attempt.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Inputs of at most this many texts (search queries) are embedded on one torch
# thread: on a busy machine torch's OpenMP workers spin against each other and
# a one-line query took 1.4-2 s on two threads against ~0.1 s on one (measured
# beside other services at load 14 on 2 cores; idle, one thread costs ~15 ms).
# Batches (ingest) keep every thread.
SINGLE_THREAD_MAX_TEXTS = 4


def model_present(path: Path) -> bool:
    """Whether `path` holds a sentence-transformers model folder."""
    return (path / "config.json").is_file() and (
        (path / "modules.json").is_file() or (path / "config_sentence_transformers.json").is_file()
    )


@contextlib.contextmanager
def _torch_threads(count: int | None) -> Iterator[None]:
    """Run torch on `count` intra-op threads inside the block (None: leave as is).

    torch's thread count is process-wide; callers hold the embedder's lock, so
    no other encode runs meanwhile.
    """
    import torch

    previous = torch.get_num_threads()
    if count is None or count == previous:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class Embedder:
    """One loaded sentence-transformers model; vectors are float32 and L2-normalised."""

    def __init__(self, path: Path, *, batch_size: int = 64, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer

        if not model_present(path):
            raise ServiceUnavailable(
                f"No embedding model at {path}; run `make install` to set it up"
            )
        self.path = path
        self.model_name = path.name
        self.batch_size = batch_size
        self._model: Any = SentenceTransformer(str(path), device=device)
        # Renamed in sentence-transformers 6; the old name still works but warns.
        getter = getattr(self._model, "get_embedding_dimension", None)
        dim = getter() if getter else self._model.get_sentence_embedding_dimension()
        if dim is None:
            # Some models only know their width after one forward pass.
            dim = int(self._model.encode(["x"]).shape[1])
        self.dimension = int(dim)
        # torch releases the GIL but a model is not safe to drive from two
        # threads at once (tokeniser state); serialise encode calls.
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The underlying SentenceTransformer, for benchmarks and fine-tuning."""
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Embed `texts` as float32 unit vectors of shape (len(texts), dimension)."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock, _torch_threads(1 if len(texts) <= SINGLE_THREAD_MAX_TEXTS else None):
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size or self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        out = np.ascontiguousarray(vectors, dtype=np.float32)
        # normalize_embeddings already did this; guard models whose last module
        # is not a plain pooling layer (and zero-length outputs) anyway.
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


_lock = threading.Lock()
_cached: dict[Path, Embedder] = {}


def resolve_model_path() -> Path:
    """The tuned model if one is installed, else the base model; error if neither exists."""
    settings = get_matching_settings()
    for path in (settings.tuned_model_path, settings.model_path):
        if model_present(path):
            return path
    raise ServiceUnavailable(
        f"No embedding model found at {settings.tuned_model_path} or {settings.model_path}; "
        "run `make install` to put all-MiniLM-L6-v2 under models/"
    )


def get_embedder() -> Embedder:
    """The process-wide embedder; the model is loaded once on first use."""
    path = resolve_model_path()
    with _lock:
        embedder = _cached.get(path)
        if embedder is None:
            embedder = Embedder(path, batch_size=get_matching_settings().embed_batch_size)
            _cached[path] = embedder
        return embedder


def text_hash(text: str, model_name: str, builder_version: str) -> str:
    """A sha256 hex digest that changes when the text, the model or the text builder does."""
    h = hashlib.sha256()
    # Length-prefixed parts so ("ab", "c") and ("a", "bc") never collide.
    for part in (model_name, builder_version, text):
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()
