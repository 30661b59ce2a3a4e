"""The inter-process write lock of an index store."""

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = ".lock"


@contextlib.contextmanager
def write_lock(directory: Path) -> Iterator[None]:
    """Hold the store's inter-process write lock (fcntl), so writers never interleave."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
