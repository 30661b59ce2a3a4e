"""The tuned model is base + committed adapter: assembly reproduces training exactly."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

from services.matching.index.embedding import Embedder
from services.matching.occupations import labelpack
from services.matching.occupations.data import load_occupations
from services.matching.occupations.normalize import TitleNormalizer, apply_adapter
from services.matching.occupations.tuned_model import adapter_of
from services.ml import assemble as asm
from services.ml import train as train_mod
from services.ml.train import Pair, TrainConfig, train_adapter
from shared.settings import get_matching_settings

TEXTS = ["sosu-assistent", "Erfaren lagermedarbejder søges", "Python-udvikler", "tømrer"]


@pytest.fixture(scope="module")
def base_model() -> Path:
    path = get_matching_settings().model_path
    if not (path / "model.safetensors").is_file():
        pytest.skip("base model not installed (make install)")
    return path


@pytest.fixture(scope="module")
def base_encoder(base_model: Path) -> Embedder:
    return Embedder(base_model)


def _tiny_pairs(config: TrainConfig, held_out: set[str]) -> list[Pair]:
    # Forty real label pairs keep the run to seconds; the code path is the real one.
    rng = random.Random(5)
    occs = [o for o in load_occupations() if len(o.labels) > 1 and o.uri not in held_out]
    return [
        Pair(o.labels[1].lower(), o.labels[0].lower(), "da_alt-da_pref", ("o:" + o.uri,))
        for o in rng.sample(occs, 40)
    ]


def _train_tiny(
    tmp: Path, base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, np.ndarray, np.ndarray]:
    monkeypatch.setattr(train_mod, "build_pairs", _tiny_pairs)
    fitted: dict[str, np.ndarray] = {}
    real_fit = train_mod.fit_adapter

    def capture(*args, **kwargs):  # type: ignore[no-untyped-def]
        weight, bias, losses = real_fit(*args, **kwargs)
        fitted["weight"], fitted["bias"] = weight.numpy().copy(), bias.numpy().copy()
        return weight, bias, losses

    monkeypatch.setattr(train_mod, "fit_adapter", capture)
    config = TrainConfig(adapter_epochs=3, adapter_batch_size=8)
    train_adapter(base_model, tmp / "jobbro-minilm-da", config)
    return tmp / "jobbro-minilm-da", fitted["weight"], fitted["bias"]


def test_training_writes_adapter_and_an_assembled_model_that_equals_it(
    tmp_path: Path, base_model: Path, base_encoder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir, weight, bias = _train_tiny(tmp_path, base_model, monkeypatch)
    adapter_dir = tmp_path / "jobbro-minilm-da-adapter"
    assert sorted(p.name for p in adapter_dir.iterdir()) == [
        "MODEL_CARD.md",
        "adapter.safetensors",
        "training.json",
    ]
    # The committed part stays tiny; the 90 MB base is never copied into it.
    assert (adapter_dir / "adapter.safetensors").stat().st_size < 1_000_000
    record = json.loads((adapter_dir / "training.json").read_text())
    assert record["base_model_sha256"] == asm.base_weights_sha256(base_model)
    assert (model_dir / "training.json").read_text() == (adapter_dir / "training.json").read_text()
    # The identity-initialised layer really moved, so the comparison below means something.
    assert float(np.abs(weight - np.eye(len(weight))).max()) > 1e-4

    # The trained model is normalise(W·base(x) + b) with the in-memory W, b.
    expected = apply_adapter(base_encoder.encode(TEXTS), weight, bias)
    assembled = Embedder(model_dir).encode(TEXTS)
    np.testing.assert_allclose(assembled, expected, atol=2e-6)
    # Only the two adapter modules were added; the base weights are byte-identical.
    assert asm.file_sha256(model_dir / "model.safetensors") == asm.base_weights_sha256(base_model)


def test_fixed_seed_reproduces_the_adapter_bit_for_bit(
    tmp_path: Path, base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _, _ = _train_tiny(tmp_path / "a", base_model, monkeypatch)
    second, _, _ = _train_tiny(tmp_path / "b", base_model, monkeypatch)
    digest = [
        asm.file_sha256(p.with_name(p.name + "-adapter") / asm.ADAPTER_FILE)
        for p in (first, second)
    ]
    assert digest[0] == digest[1]


def test_assembly_is_skipped_when_current_and_refuses_another_base(
    tmp_path: Path, base_model: Path
) -> None:
    adapter_dir = tmp_path / "adapter"
    rng = np.random.default_rng(0)
    weight = np.eye(384, dtype=np.float32) + rng.normal(0, 0.01, (384, 384)).astype(np.float32)
    record = asm.save_adapter(weight, np.zeros(384, np.float32), adapter_dir, base_model)
    (adapter_dir / "training.json").write_text(json.dumps(record))
    out = tmp_path / "model"
    assert asm.assemble(adapter_dir, base_model, out) is True
    assert asm.assemble(adapter_dir, base_model, out) is False
    parts = adapter_of(out)
    assert parts is not None
    np.testing.assert_array_equal(parts[0], weight)

    (adapter_dir / "training.json").write_text(
        json.dumps({**record, "base_model_sha256": "0" * 64})
    )
    with pytest.raises(asm.BaseModelMismatch):
        asm.assemble(adapter_dir, base_model, tmp_path / "other")


def test_normaliser_derives_tuned_label_vectors_from_the_base_cache(
    tmp_path: Path, base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir, _, _ = _train_tiny(tmp_path, base_model, monkeypatch)
    # The committed int8 pack would seed the store; this test wants exact vectors.
    monkeypatch.setattr(labelpack, "PACK_DIR", tmp_path / "no-pack")
    tuned = Embedder(model_dir)
    occs = load_occupations()[:40]
    cache = tmp_path / "cache"
    normalizer = TitleNormalizer(occs, embedder=tuned, cache_dir=cache)
    assert normalizer._label_emb is not None
    from services.matching.occupations.titles import clean_title

    direct = tuned.encode([clean_title(label) for label in normalizer.labels])
    np.testing.assert_allclose(normalizer._label_emb, direct, atol=2e-6)
    # One cache file, keyed by the base weights: the base model's normaliser reuses it.
    files = sorted(cache.glob("texts-*"))
    assert [f.suffix for f in files] == [".npy", ".txt"]
    TitleNormalizer(occs, embedder=Embedder(base_model), cache_dir=cache)
    assert sorted(cache.glob("texts-*")) == files


def test_committed_adapter_matches_the_installed_base_and_model() -> None:
    adapter_dir = asm.ADAPTER_DIR
    if not (adapter_dir / asm.ADAPTER_FILE).is_file():
        pytest.skip("no committed adapter")
    settings = get_matching_settings()
    record = json.loads((adapter_dir / "training.json").read_text())
    assert record["base_model_sha256"] == asm.base_weights_sha256(settings.model_path)
    assert record["adapter_sha256"] == asm.file_sha256(adapter_dir / asm.ADAPTER_FILE)
    # `make install` assembled exactly this adapter, so the product runs the tuned model.
    assert asm.is_current(settings.tuned_model_path, adapter_dir, settings.model_path)
