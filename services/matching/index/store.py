"""The published index of one name: its generations, their delta logs, and who may write.

Readers take whatever CURRENT names (a stat per search notices a change);
writers hold the store's write lock and either append a delta segment or
compact into a new generation.
"""

import contextlib
import json
import os
import shutil
import threading
from pathlib import Path

import numpy as np

from services.matching.index.arrays import as_ids, as_vectors
from services.matching.index.delta import (
    DeltaSegment,
    LayeredIndex,
    Layers,
    read_segment,
    segment_name,
    write_segment,
)
from services.matching.index.faiss_index import DERIVED_META, META_FILE, VectorIndex
from services.matching.index.generations import (
    Pointer,
    PointerStat,
    fsync_dir,
    next_generation,
    prune,
    read_pointer,
    stat_pointer,
    write_pointer,
)
from services.matching.index.locking import write_lock
from shared.settings import get_matching_settings, get_settings

# The delta log (see IndexStore.apply): a change is appended to the current
# generation as a small segment while the segments together hold at most
# max(DELTA_MIN_ROWS, DELTA_MAX_SHARE x base size) rows (vectors added plus ids
# removed), capped at DELTA_MAX_ROWS, and there are at most DELTA_MAX_SEGMENTS
# segments; beyond either the change compacts base and segments into a new
# generation. The share bounds what compaction costs per row appended; the row
# cap bounds the exact delta index every search also scans and every reading
# process rebuilds on each append; the segment cap bounds how many files a
# freshly started process reads. Numbers in docs/matching-index.md.
DELTA_MAX_SHARE = 0.05
DELTA_MIN_ROWS = 1_000
DELTA_MAX_ROWS = 20_000
DELTA_MAX_SEGMENTS = 512


class IndexStore:
    """Generations of one named index under `root/name/gen-<n>/`, with a CURRENT pointer.

    A generation is a base index plus an append-only log of delta segments
    (`gen-<n>/delta-<m>.seg`); CURRENT names the generation and how many of
    its segments are published, so readers always see a consistent prefix.
    """

    def __init__(self, root: Path, name: str = "cv") -> None:
        self.root = root
        self.name = name
        self.directory = root / name
        self._lock = threading.Lock()
        self._pointer_stat: PointerStat | None = None
        self._pointer: Pointer | None = None
        # The served generation's base and what its segments did to it, kept
        # so a newly published segment costs a reader only that segment.
        self._base: VectorIndex | None = None
        self._layers: Layers | None = None
        self._index: VectorIndex | LayeredIndex | None = None

    # -- reading --------------------------------------------------------------------

    def _stat_pointer(self) -> PointerStat | None:
        return stat_pointer(self.directory)

    def pointer(self) -> Pointer | None:
        """What CURRENT says, or None before the first publish."""
        return read_pointer(self.directory)

    def current_generation(self) -> str | None:
        """The generation CURRENT points at, or None before the first publish."""
        pointer = self.pointer()
        return pointer.generation if pointer is not None else None

    def current(self) -> VectorIndex | LayeredIndex | None:
        """The published index, reloaded when another process has published a change."""
        # A stat per call: CURRENT is replaced (new inode, newer mtime) by every
        # publish and every appended segment, in any process, so changes are
        # noticed without reading or locking.
        stat = self._stat_pointer()
        if stat is not None and stat == self._pointer_stat:
            return self._index
        with self._lock:
            for _attempt in range(3):
                stat = self._stat_pointer()
                if stat is None:
                    self._pointer_stat, self._pointer = None, None
                    self._base, self._layers, self._index = None, None, None
                    return None
                if stat == self._pointer_stat:
                    return self._index
                pointer = self.pointer()
                if pointer is None:
                    return None
                if pointer == self._pointer:
                    self._pointer_stat = stat
                    return self._index
                try:
                    self._load(pointer)
                except (FileNotFoundError, RuntimeError):
                    # Pruned between reading the pointer and loading: a newer
                    # generation has been published meanwhile; read again.
                    latest = self.pointer()
                    if latest is not None and latest.generation == pointer.generation:
                        raise
                    continue
                self._pointer_stat = stat
                return self._index
            raise RuntimeError(f"index store {self.directory} keeps changing under the reader")

    def _load(self, pointer: Pointer) -> None:
        """Serve `pointer`, reading only the segments not seen yet when the base is the same."""
        directory = self.directory / pointer.generation
        base, layers = self._base, self._layers
        same = (
            base is not None
            and layers is not None
            and self._pointer is not None
            and self._pointer.generation == pointer.generation
            and self._pointer.segments <= pointer.segments
        )
        if not same or base is None or layers is None:
            base = VectorIndex.load(directory, mmap=True)
            layers = Layers.empty(base.dimension)
        fresh = range(layers.segments + 1, pointer.segments + 1)
        if fresh:
            layers = layers.extend(base, [read_segment(directory / segment_name(n)) for n in fresh])
        index: VectorIndex | LayeredIndex = (
            base if layers.segments == 0 else LayeredIndex(base, layers)
        )
        self._pointer, self._base, self._layers, self._index = pointer, base, layers, index

    # -- writing --------------------------------------------------------------------

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Hold the store's inter-process write lock, so writers never interleave."""
        return write_lock(self.directory)

    def publish(self, index: VectorIndex, meta: dict[str, object]) -> str:
        """Write `index` as a new generation, switch CURRENT to it and prune old ones."""
        with self.locked():
            return self._publish_locked(index, meta)

    def _publish_locked(self, index: VectorIndex, meta: dict[str, object]) -> str:
        generation = next_generation(self.directory)
        staging = self.directory / f".{generation}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        index.save(staging, meta)
        fsync_dir(staging)
        os.rename(staging, self.directory / generation)
        pointer = Pointer(generation)
        write_pointer(self.directory, pointer)
        with self._lock:
            # The publisher serves what it just wrote without reading it back.
            self._pointer_stat = self._stat_pointer()
            self._pointer, self._base, self._index = pointer, index, index
            self._layers = Layers.empty(index.dimension)
        prune(self.directory, keep=generation)
        return generation

    def apply(
        self,
        *,
        add: tuple[np.ndarray, np.ndarray] | None = None,
        remove: np.ndarray | None = None,
        meta: dict[str, object] | None = None,
        dimension: int | None = None,
    ) -> str:
        """Remove, then add, on top of the current generation; returns the generation.

        A change that keeps the generation's delta log small is appended to it
        as a segment (bytes proportional to the change); otherwise the base
        and its segments are compacted with the change into a new generation.
        """
        with self.locked():
            pointer = self.pointer()
            if pointer is None:
                dim = dimension
                if dim is None and add is not None:
                    dim = as_vectors(add[1], np.asarray(add[1]).shape[-1]).shape[1]
                if dim is None:
                    raise ValueError("dimension is needed to create the first generation")
                index = VectorIndex.create(dim)
                if remove is not None:
                    index.remove(remove)
                if add is not None:
                    index.add(*add)
                return self._publish_locked(index, dict(meta or {}))
            directory = self.directory / pointer.generation
            base_meta = json.loads((directory / META_FILE).read_text("utf-8"))
            dim = int(base_meta["dimension"])
            segment = DeltaSegment(
                add_ids=as_ids(add[0]) if add is not None else np.zeros(0, dtype=np.int64),
                add_vectors=(
                    as_vectors(add[1], dim)
                    if add is not None
                    else np.zeros((0, dim), dtype=np.float32)
                ),
                remove_ids=(
                    np.unique(as_ids(remove)) if remove is not None else np.zeros(0, np.int64)
                ),
                meta=dict(meta or {}),
            )
            if len(segment.add_ids) != len(segment.add_vectors):
                raise ValueError(
                    f"{len(segment.add_ids)} ids for {len(segment.add_vectors)} vectors"
                )
            rows = pointer.rows + segment.rows
            limit = min(
                DELTA_MAX_ROWS, max(DELTA_MIN_ROWS, DELTA_MAX_SHARE * int(base_meta["count"]))
            )
            if pointer.segments < DELTA_MAX_SEGMENTS and rows <= limit:
                number = pointer.segments + 1
                write_segment(directory / segment_name(number), segment)
                fsync_dir(directory)
                write_pointer(self.directory, Pointer(pointer.generation, number, rows))
                return pointer.generation
            return self._compact_locked(pointer, segment)

    def _compact_locked(self, pointer: Pointer, change: DeltaSegment) -> str:
        """Publish base + segments + `change` as a new generation (the old rewrite path)."""
        directory = self.directory / pointer.generation
        # Read from disk rather than mutating the instance that current()
        # hands to concurrent searches.
        index = VectorIndex.load(directory)
        segments = [
            read_segment(directory / segment_name(n)) for n in range(1, pointer.segments + 1)
        ]
        layers = Layers.empty(index.dimension).extend(index, [*segments, change])
        base_meta = {k: v for k, v in index.meta.items() if k not in DERIVED_META}
        index.remove(layers.masked)
        index.add(layers.ids, layers.vectors)
        return self._publish_locked(index, {**base_meta, **layers.meta})


_stores: dict[tuple[Path, str], IndexStore] = {}
_stores_lock = threading.Lock()


def index_root() -> Path:
    """Where index generations live: the setting, else <data_dir>/index."""
    configured = get_matching_settings().index_dir
    return (configured or get_settings().data_dir / "index").resolve()


def get_index_store(name: str = "cv") -> IndexStore:
    """The process-wide store for `name` under the configured root."""
    key = (index_root(), name)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = IndexStore(key[0], name)
        return store
