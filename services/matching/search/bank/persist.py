"""The CV bank snapshot saved beside the database, so a restart does not rebuild it."""

import hashlib
import logging
import os
import pickle
from pathlib import Path

import numpy as np

from services.matching.search.bank.snapshot import BankSnapshot
from shared.settings import get_matching_settings, get_settings

log = logging.getLogger(__name__)

# Bump when BankSnapshot's fields or the lexical field texts (`text_builder.cv_fields`)
# change: an older file is then ignored. 4: the CV summary is part of the skills text.
SNAPSHOT_FORMAT = "4"
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


def load_persisted(url: str) -> BankSnapshot | None:
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
