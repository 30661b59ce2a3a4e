"""Put the tuned model together from the base model and the committed adapter.

The tuned model is the frozen base model followed by one linear layer and a
re-normalisation, so only that layer (≈0.6 MB) is committed, in
`models/jobbro-minilm-da-adapter/`. `make model` copies the base folder byte
for byte and adds the layer as sentence-transformers `Dense` + `Normalize`
modules; `jobbro model train` writes the adapter and then assembles through
the same function, so a fresh checkout and a training run give the same model.

Run as `python -m services.ml.assemble [ADAPTER] [BASE] [OUTPUT]`.
"""

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from services.matching.occupations.tuned_model import STAMP_FILE, file_sha256

REPO_ROOT = Path(__file__).resolve().parents[2]
ADAPTER_DIR = REPO_ROOT / "models" / "jobbro-minilm-da-adapter"
ADAPTER_FILE = "adapter.safetensors"
# Copied from the adapter folder into the model, where the product reads them
# (the lexical weight recorded by the evaluation lives in training.json).
CARRIED_FILES = ("training.json", "MODEL_CARD.md")


def base_weights_sha256(base_model: Path) -> str:
    """The fingerprint of the base model the adapter was trained on."""
    return file_sha256(base_model / "model.safetensors")


def save_adapter(
    weight: np.ndarray, bias: np.ndarray, directory: Path, base_model: Path
) -> dict[str, Any]:
    """Write W (out×in) and b as float32 safetensors; returns what `training.json` records."""
    from safetensors.numpy import save_file

    directory.mkdir(parents=True, exist_ok=True)
    # float32, not float16: at 0.6 MB the exact weights cost nothing, and the
    # assembled model then reproduces the trained one bit for bit.
    tensors = {
        "weight": np.ascontiguousarray(weight, dtype=np.float32),
        "bias": np.ascontiguousarray(bias, dtype=np.float32),
    }
    save_file(tensors, str(directory / ADAPTER_FILE), metadata={"format": "jobbro-adapter-v1"})
    return {
        "adapter_file": ADAPTER_FILE,
        "adapter_sha256": file_sha256(directory / ADAPTER_FILE),
        "base_model_sha256": base_weights_sha256(base_model),
    }


def load_adapter(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """The adapter's (weight, bias) as float32 arrays."""
    from safetensors.numpy import load_file

    tensors = load_file(str(directory / ADAPTER_FILE))
    return tensors["weight"], tensors["bias"]


def _stamp(adapter_dir: Path, base_model: Path) -> dict[str, str]:
    stamp = {
        "adapter_sha256": file_sha256(adapter_dir / ADAPTER_FILE),
        "base_model_sha256": base_weights_sha256(base_model),
    }
    for name in CARRIED_FILES:
        if (adapter_dir / name).is_file():
            stamp[name] = file_sha256(adapter_dir / name)
    return stamp


def is_current(output: Path, adapter_dir: Path, base_model: Path) -> bool:
    """Whether `output` was assembled from exactly this adapter and base."""
    stamp_path = output / STAMP_FILE
    if not stamp_path.is_file():
        return False
    try:
        return bool(json.loads(stamp_path.read_text()) == _stamp(adapter_dir, base_model))
    except (OSError, ValueError):
        return False


class BaseModelMismatch(RuntimeError):
    """The adapter was trained on other base weights than the ones installed."""


def assemble(adapter_dir: Path, base_model: Path, output: Path, *, force: bool = False) -> bool:
    """Write base + adapter as a sentence-transformers folder at `output`; False if up to date."""
    if not force and is_current(output, adapter_dir, base_model):
        return False
    import torch
    from sentence_transformers.sentence_transformer.modules import Dense, Normalize

    record_path = adapter_dir / "training.json"
    if record_path.is_file():
        expected = json.loads(record_path.read_text()).get("base_model_sha256")
        actual = base_weights_sha256(base_model)
        if expected and expected != actual:
            raise BaseModelMismatch(
                f"{adapter_dir} was trained on base weights {expected[:12]}…,"
                f" but {base_model} has {actual[:12]}…; retrain with `jobbro model train`"
            )
    weight, bias = load_adapter(adapter_dir)
    tmp = output.with_name(output.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(base_model, tmp)
    modules = json.loads((tmp / "modules.json").read_text())
    extra = [
        (
            "Dense",
            Dense(
                weight.shape[1],
                weight.shape[0],
                activation_function=torch.nn.Identity(),
                init_weight=torch.from_numpy(weight.copy()),
                init_bias=torch.from_numpy(bias.copy()),
            ),
        ),
        ("Normalize", Normalize()),
    ]
    for kind, module in extra:
        idx = len(modules)
        path = f"{idx}_{kind}"
        (tmp / path).mkdir()
        module.save(str(tmp / path))
        modules.append(
            {
                "idx": idx,
                "name": str(idx),
                "path": path,
                "type": f"{type(module).__module__}.{type(module).__name__}",
            }
        )
    (tmp / "modules.json").write_text(json.dumps(modules, indent=2) + "\n")
    for name in CARRIED_FILES:
        if (adapter_dir / name).is_file():
            shutil.copyfile(adapter_dir / name, tmp / name)
    (tmp / STAMP_FILE).write_text(json.dumps(_stamp(adapter_dir, base_model), indent=2) + "\n")
    shutil.rmtree(output, ignore_errors=True)
    tmp.rename(output)
    return True


def main(argv: list[str]) -> int:
    from shared.settings import get_matching_settings

    settings = get_matching_settings()
    adapter_dir = Path(argv[0]) if len(argv) > 0 else ADAPTER_DIR
    base = Path(argv[1]) if len(argv) > 1 else settings.model_path
    output = Path(argv[2]) if len(argv) > 2 else settings.tuned_model_path
    if not (adapter_dir / ADAPTER_FILE).is_file():
        print(f"no adapter at {adapter_dir}; the product uses the base model")
        return 0
    changed = assemble(adapter_dir, base, output)
    print(f"tuned model {'assembled' if changed else 'up to date'} at {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
