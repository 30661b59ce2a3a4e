"""Generations on disk: `gen-<n>/` directories and the CURRENT pointer that publishes one.

A reader trusts only what CURRENT names, so every change to it is an atomic
rename, and its (inode, mtime, size) tells a reader when to look again.
"""

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

CURRENT_FILE = "CURRENT"
KEEP_GENERATIONS = 2

PointerStat = tuple[int, int, int]


@dataclass(frozen=True)
class Pointer:
    """What CURRENT says: the generation and how many of its delta segments are published."""

    generation: str
    segments: int = 0
    # Vectors added plus ids removed over those segments (decides compaction
    # without reading them).
    rows: int = 0

    def render(self) -> str:
        if self.segments == 0:
            return self.generation + "\n"
        return f"{self.generation} {self.segments} {self.rows}\n"

    @classmethod
    def parse(cls, text: str) -> "Pointer | None":
        parts = text.split()
        if not parts:
            return None
        if len(parts) == 1:
            return cls(parts[0])
        return cls(parts[0], int(parts[1]), int(parts[2]))


def stat_pointer(directory: Path) -> PointerStat | None:
    try:
        st = os.stat(directory / CURRENT_FILE)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read_pointer(directory: Path) -> Pointer | None:
    """What CURRENT says, or None before the first publish."""
    try:
        return Pointer.parse((directory / CURRENT_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return None


def write_pointer(directory: Path, pointer: Pointer) -> None:
    """Switch CURRENT to `pointer` atomically; its mtime always moves forward."""
    target = directory / CURRENT_FILE
    previous = stat_pointer(directory)
    tmp = directory / f".{CURRENT_FILE}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(pointer.render())
        fh.flush()
        if previous is not None:
            # Readers compare (inode, mtime, size). A freed inode can be
            # reused at once and a coarse clock repeats mtimes, so
            # strictly increasing mtimes keep an old view from ever
            # matching a new pointer.
            mtime = max(time.time_ns(), previous[1] + 1)
            os.utime(fh.fileno(), ns=(mtime, mtime))
            if os.fstat(fh.fileno()).st_mtime_ns <= previous[1]:
                # A file system with whole-second timestamps.
                mtime = previous[1] + 1_000_000_000
                os.utime(fh.fileno(), ns=(mtime, mtime))
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    fsync_dir(directory)


def generation_numbers(directory: Path) -> list[int]:
    numbers = []
    for entry in directory.glob("gen-*"):
        suffix = entry.name.removeprefix("gen-")
        if entry.is_dir() and suffix.isdigit():
            numbers.append(int(suffix))
    return sorted(numbers)


def next_generation(directory: Path) -> str:
    existing = generation_numbers(directory)
    return f"gen-{(existing[-1] + 1) if existing else 1}"


def prune(directory: Path, keep: str) -> None:
    """Remove all but the newest generations (and `keep`); the caller holds the write lock."""
    numbers = generation_numbers(directory)
    survivors = {f"gen-{n}" for n in numbers[-KEEP_GENERATIONS:]} | {keep}
    for number in numbers:
        name = f"gen-{number}"
        if name not in survivors:
            shutil.rmtree(directory / name, ignore_errors=True)
    for stale in directory.glob(".gen-*.tmp-*"):
        # Staging directories of writers that died; we hold the lock, so no
        # live writer owns one.
        shutil.rmtree(stale, ignore_errors=True)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
