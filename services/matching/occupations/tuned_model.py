"""Reading a tuned model folder that `services.ml.assemble` put together.

The product only reads: whether a model is base + adapter, and its (W, b), so
the normaliser can derive the tuned label vectors from the base ones. Writing
(assembly, training) is offline work and lives in `services.ml`.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

# Written last into an assembled model: what it was built from. A folder whose
# stamp matches the adapter and base is left alone, so `make model` is cheap.
STAMP_FILE = "assembled_from.json"


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def adapter_of(model_path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(W, b) if `model_path` is an assembled base + adapter model, else None.

    The normaliser uses it to derive the tuned label vectors from the base ones
    (normalise(W·x + b)) instead of embedding 45k labels again per model.
    """
    if not (model_path / STAMP_FILE).is_file():
        return None
    from safetensors.numpy import load_file

    modules = json.loads((model_path / "modules.json").read_text())
    paths = [m["path"] for m in modules]
    if len(paths) < 2 or not paths[-2].endswith("_Dense") or not paths[-1].endswith("_Normalize"):
        return None
    dense_dir = model_path / paths[-2]
    cfg = json.loads((dense_dir / "config.json").read_text())
    if not cfg.get("activation_function", "").endswith("Identity"):
        return None
    tensors = load_file(str(dense_dir / "model.safetensors"))
    return tensors["linear.weight"].astype(np.float32), tensors["linear.bias"].astype(np.float32)
