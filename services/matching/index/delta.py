"""The delta log: changes appended to a generation as segments, and served on its base."""

import json
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from services.matching.index.arrays import (
    as_ids,
    as_vectors,
    compact,
    member,
    merge_top_k,
    sorted_unique,
)
from services.matching.index.faiss_index import DERIVED_META, Kind, VectorIndex

DELTA_PREFIX = "delta-"
DELTA_SUFFIX = ".seg"


@dataclass(frozen=True)
class DeltaSegment:
    """One `apply`: remove `remove_ids`, then add `add_ids` with their vectors."""

    add_ids: np.ndarray
    add_vectors: np.ndarray
    remove_ids: np.ndarray
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.add_ids) + len(self.remove_ids)


def segment_name(number: int) -> str:
    return f"{DELTA_PREFIX}{number:06d}{DELTA_SUFFIX}"


# Segment file: this magic, then little-endian u32 dimension, number of added
# ids, number of removed ids and meta length, then the added ids (i64), their
# vectors (f32, row-major), the removed ids (i64) and the meta (UTF-8 JSON).
# A raw layout because readers load every new segment: an .npz took ~1.2 ms
# per segment (zip and header parsing), which made a cold start on 500
# segments cost 0.45 s.
_SEGMENT_MAGIC = b"JBDELTA1"
_SEGMENT_HEADER = struct.Struct("<8sIIII")


def write_segment(path: Path, segment: DeltaSegment) -> int:
    """Write a segment atomically (temp file, fsync, rename); returns its size in bytes."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    meta = json.dumps(segment.meta, sort_keys=True, default=str).encode("utf-8")
    add_ids = as_ids(segment.add_ids)
    vectors = np.ascontiguousarray(segment.add_vectors, dtype=np.float32)
    remove_ids = as_ids(segment.remove_ids)
    header = _SEGMENT_HEADER.pack(
        _SEGMENT_MAGIC, vectors.shape[1], len(add_ids), len(remove_ids), len(meta)
    )
    parts = (add_ids.astype("<i8"), vectors.astype("<f4"), remove_ids.astype("<i8"))
    payload = b"".join([header, *(part.tobytes() for part in parts), meta])
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(tmp, path)
    return len(payload)


def read_segment(path: Path) -> DeltaSegment:
    raw = path.read_bytes()
    magic, dim, n_add, n_remove, n_meta = _SEGMENT_HEADER.unpack_from(raw)
    at = _SEGMENT_HEADER.size
    sizes = (8 * n_add, 4 * n_add * dim, 8 * n_remove, n_meta)
    if magic != _SEGMENT_MAGIC or len(raw) != at + sum(sizes):
        raise ValueError(f"{path} is not a complete delta segment")
    parts = []
    for size in sizes:
        parts.append(raw[at : at + size])
        at += size
    return DeltaSegment(
        add_ids=np.frombuffer(parts[0], dtype="<i8").astype(np.int64),
        add_vectors=np.frombuffer(parts[1], dtype="<f4").astype(np.float32).reshape(n_add, dim),
        remove_ids=np.frombuffer(parts[2], dtype="<i8").astype(np.int64),
        meta=json.loads(parts[3].decode("utf-8")),
    )


@dataclass(frozen=True)
class Layers:
    """The effect of a generation's segments on its base.

    `masked`: sorted ids of base vectors that a segment removed or replaced;
    `ids`/`vectors`: the vectors the segments added and no later one removed,
    sorted by id; `meta`: the caller meta the segments carried, merged in order.
    """

    masked: np.ndarray
    ids: np.ndarray
    vectors: np.ndarray
    meta: dict[str, object]
    segments: int = 0
    rows: int = 0

    @classmethod
    def empty(cls, dimension: int) -> "Layers":
        return cls(
            masked=np.zeros(0, dtype=np.int64),
            ids=np.zeros(0, dtype=np.int64),
            vectors=np.zeros((0, dimension), dtype=np.float32),
            meta={},
        )

    def extend(self, base: "VectorIndex", segments: Sequence[DeltaSegment]) -> "Layers":
        if not segments:
            return self
        # One pass over all events, not one per segment: replaying segment by
        # segment copies the whole delta for each and goes quadratic when a
        # process starts on hundreds of segments. Per id the last event wins;
        # within a segment the adds come after the removes.
        event_ids = [self.ids]
        event_adds = [np.ones(len(self.ids), dtype=bool)]
        vectors = [self.vectors]
        meta = dict(self.meta)
        for segment in segments:
            event_ids += [segment.remove_ids, segment.add_ids]
            event_adds += [
                np.zeros(len(segment.remove_ids), bool),
                np.ones(len(segment.add_ids), bool),
            ]
            vectors.append(as_vectors(segment.add_vectors, base.dimension))
            meta.update(segment.meta)
        all_ids = np.concatenate(event_ids)
        adds = np.concatenate(event_adds)
        # Row of each event's vector among the concatenated vectors (-1: a removal).
        rows = np.full(len(all_ids), -1, dtype=np.int64)
        rows[adds] = np.arange(int(adds.sum()))
        # The last event of each id: the first of each run when read backwards.
        rev_ids = all_ids[::-1]
        uniq, first = np.unique(rev_ids, return_index=True)
        last = len(all_ids) - 1 - first
        alive = adds[last]
        stacked = np.concatenate(vectors)
        return Layers(
            # Only ids the base holds are masked, so len() can subtract them.
            masked=np.union1d(self.masked, base._present(uniq)),
            ids=np.ascontiguousarray(uniq[alive]),
            vectors=np.ascontiguousarray(stacked[rows[last[alive]]]),
            meta=meta,
            segments=self.segments + len(segments),
            rows=self.rows + sum(segment.rows for segment in segments),
        )


class LayeredIndex:
    """A published generation: its base (memory-mapped) with its delta segments on top.

    Base vectors a segment removed or replaced are masked out of the base's
    results; the vectors the segments added live in a small exact in-memory
    index. Searches query both and merge, so results are those of one index
    holding the same vectors (exactly so when the base is exact). Read-only,
    like any served generation; `IndexStore.current()` builds a new one for
    every newly published segment, so a search never sees half a change.
    """

    read_only = True

    def __init__(self, base: VectorIndex, layers: Layers) -> None:
        self.base = base
        self._layers = layers
        delta = VectorIndex.create(base.dimension, exact_max=2**62, kind="flat")
        delta.add(layers.ids, layers.vectors)
        self._delta = delta
        self._ids: np.ndarray | None = None
        self.meta: dict[str, object] = {
            **{k: v for k, v in base.meta.items() if k not in DERIVED_META},
            **layers.meta,
            **base.describe(),
            "build_time": base.meta.get("build_time"),
            "count": len(self),
            "delta_segments": layers.segments,
            "delta_rows": layers.rows,
        }

    @property
    def kind(self) -> Kind:
        return self.base.kind

    @property
    def dimension(self) -> int:
        return self.base.dimension

    @property
    def exact_max(self) -> int:
        return self.base.exact_max

    @property
    def nprobe(self) -> int:
        return self.base.nprobe

    @property
    def nlist(self) -> int:
        return self.base.nlist

    @property
    def trained_size(self) -> int:
        return self.base.trained_size

    @property
    def delta_size(self) -> int:
        """Vectors served from the delta segments rather than the base."""
        return len(self._delta)

    def __len__(self) -> int:
        return len(self.base) - len(self._layers.masked) + len(self._delta)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        raise RuntimeError("this index is memory-mapped from a published generation")

    def remove(self, ids: np.ndarray) -> int:
        raise RuntimeError("this index is memory-mapped from a published generation")

    def ids(self) -> np.ndarray:
        """All ids in the index, sorted ascending."""
        if self._ids is None:
            kept = self.base._ids_sorted()
            if len(self._layers.masked):
                kept = kept[~member(kept, self._layers.masked)]
            self._ids = np.union1d(kept, self._layers.ids)
        return self._ids.copy()

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of `ids`, which must all be present."""
        id_arr = as_ids(ids)
        out = np.empty((len(id_arr), self.dimension), dtype=np.float32)
        in_delta = member(id_arr, self._layers.ids)
        if in_delta.any():
            out[in_delta] = self._delta.reconstruct(id_arr[in_delta])
        if not in_delta.all():
            out[~in_delta] = self.base.reconstruct(id_arr[~in_delta])
        return out

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        """All (ids, vectors): the base's unmasked ones in storage order, then the delta's."""
        ids, x = self.base.export()
        if len(self._layers.masked):
            keep = ~member(ids, self._layers.masked)
            ids, x = ids[keep], x[keep]
        return np.concatenate([ids, self._layers.ids]), np.concatenate([x, self._layers.vectors])

    def describe(self) -> dict[str, object]:
        return {**self.base.describe(), "count": len(self)}

    def search(
        self, vectors: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row, best first; missing places have id -1, score -inf."""
        if k <= 0:
            raise ValueError("k must be positive")
        x = as_vectors(vectors, self.dimension)
        masked, delta_ids = self._layers.masked, self._layers.ids
        if allowed_ids is None:
            found = self._search_base_unfiltered(x, k)
            delta_allowed = None
        else:
            allowed = sorted_unique(as_ids(allowed_ids))
            base_allowed = allowed[~member(allowed, masked)] if len(masked) else allowed
            found = self.base.search(x, k, base_allowed)
            # The delta is small: pick its allowed ids by looking each of them up.
            delta_allowed = delta_ids[member(delta_ids, allowed)]
        if len(self._delta) == 0 or (delta_allowed is not None and len(delta_allowed) == 0):
            return found
        return merge_top_k(found, self._delta.search(x, k, delta_allowed), k)

    def _search_base_unfiltered(self, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        masked = self._layers.masked
        if len(masked) == 0:
            return self.base.search(x, k)
        # At most len(masked) of the base's best are masked, so fetching that
        # many more and dropping them is exact (for an IVF base: as good as
        # its own search). Compaction keeps the mask small.
        fetch = min(k + len(masked), max(len(self.base), 1))
        scores, ids = self.base.search(x, fetch)
        return compact(scores, ids, ~member(ids, masked), k)
