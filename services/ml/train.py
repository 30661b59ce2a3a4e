"""`jobbro model train`: fine-tune MiniLM on Danish ESCO occupation data, on CPU, reproducibly.

A plain torch loop over SentenceTransformer with a symmetric in-batch-negatives
loss (MultipleNegativesRankingLoss in both directions). We avoid the
sentence-transformers Trainer because it pulls in `datasets`/`accelerate`
machinery we do not need and is harder to keep deterministic; the loop is
small. Batches never hold two pairs of the same occupation, ISCO group or
text, so no positive is used as another pair's negative.
"""

import json
import logging
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from services.matching.occupations.data import (
    english_occupations,
    essential_skills_en,
    isco_group_labels_da,
    load_occupations,
)
from services.matching.occupations.titles import clean_title
from services.ml.assemble import STAMP_FILE, assemble, save_adapter
from services.ml.devset import load_devset

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pair:
    """A positive pair and the keys no other pair in its batch may share."""

    anchor: str
    positive: str
    kind: str
    keys: tuple[str, ...]


@dataclass
class TrainConfig:
    """Everything that determines the trained model (written to the model card)."""

    seed: int = 13
    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 5e-5
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    scale: float = 20.0
    max_seq_length: int = 48
    skills_per_occupation: int = 5
    threads: int = 2
    # A guard, not a schedule: a loaded machine stops early rather than overrun.
    max_minutes: float = 28.0
    # The default set fits the CPU budget on a busy 2-core machine; the other
    # kinds ("da-en_pref" for every Danish label, "da_pref-en_alt",
    # "en_pref-en_skills") can be switched on with --pairs.
    pair_kinds: tuple[str, ...] = ("da_alt-da_pref", "da_pref-en_pref", "da-isco_group")
    # Token embeddings stay fixed: fewer optimizer updates and less memory, and
    # 10k pairs are too few to move a 30k-row vocabulary usefully.
    freeze_embeddings: bool = True
    # "adapter": train a linear layer on top of the frozen model (minutes even on a
    # loaded CPU); "full": fine-tune the transformer itself (see module docstring).
    method: str = "adapter"
    adapter_epochs: int = 30
    adapter_batch_size: int = 256
    adapter_learning_rate: float = 1e-3
    # Pulls the projection toward identity so text unlike titles (CVs,
    # requirements) keeps the base model's geometry.
    adapter_identity_penalty: float = 1.0
    notes: dict[str, str] = field(default_factory=dict)


def build_pairs(config: TrainConfig, held_out: set[str]) -> list[Pair]:
    """Training pairs from ESCO, leaving out every held-out dev-set occupation."""
    rng = random.Random(config.seed)
    english = english_occupations()
    groups = isco_group_labels_da()
    skills = essential_skills_en() if "en_pref-en_skills" in config.pair_kinds else {}
    pairs: list[Pair] = []

    def add(anchor: str, positive: str, kind: str, *keys: str) -> None:
        if kind in config.pair_kinds and anchor and positive and anchor != positive:
            pairs.append(Pair(anchor, positive, kind, (*keys, "t:" + anchor, "t:" + positive)))

    for occ in load_occupations():
        if occ.uri in held_out:
            continue
        key = "o:" + occ.uri
        da = [clean_title(label) for label in occ.labels]
        pref = da[0]
        for alt in da[1:]:
            add(alt, pref, "da_alt-da_pref", key)
        en = english.get(occ.uri)
        if en is not None:
            for label in da:
                add(label, en.preferred_label.lower(), "da-en_pref", key)
            add(pref, en.preferred_label.lower(), "da_pref-en_pref", key)
            if en.alt_labels:
                add(pref, rng.choice(en.alt_labels).lower(), "da_pref-en_alt", key)
            occ_skills = skills.get(occ.uri, [])
            if occ_skills:
                picked = rng.sample(occ_skills, min(config.skills_per_occupation, len(occ_skills)))
                add(en.preferred_label.lower(), ", ".join(picked), "en_pref-en_skills", key)
        group_label = groups.get(occ.isco_group)
        if group_label:
            add(pref, clean_title(group_label), "da-isco_group", key, "g:" + occ.isco_group)
    return pairs


def make_batches(pairs: list[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches of one pair kind each whose pairs share no key (deterministic)."""
    by_kind: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_kind.setdefault(pair.kind, []).append(pair)
    batches: list[list[Pair]] = []
    # One kind per batch: short Danish-label batches are not padded to the length
    # of a skills list, which made mixed batches 3-4 times slower on CPU.
    for kind in sorted(by_kind):
        batches.extend(_batches_without_shared_keys(by_kind[kind], batch_size, rng))
    rng.shuffle(batches)
    return batches


def _batches_without_shared_keys(
    pairs: list[Pair], batch_size: int, rng: random.Random
) -> list[list[Pair]]:
    pending = pairs[:]
    rng.shuffle(pending)
    batches: list[list[Pair]] = []
    while pending:
        batch: list[Pair] = []
        used: set[str] = set()
        rest: list[Pair] = []
        for pair in pending:
            if len(batch) < batch_size and not used.intersection(pair.keys):
                batch.append(pair)
                used.update(pair.keys)
            else:
                rest.append(pair)
        # Tiny leftover batches give almost no negatives; drop them.
        if len(batch) >= batch_size // 4:
            batches.append(batch)
        elif batch:
            log.debug("dropping a final batch of %d pairs", len(batch))
        if len(rest) == len(pending):
            break
        pending = rest
    return batches


def fit_adapter(
    vectors: dict[str, np.ndarray], pairs: list[Pair], config: TrainConfig
) -> tuple[Any, Any, list[float]]:
    """Train W, b so normalise(W·x + b) puts each pair together (symmetric in-batch loss)."""
    import torch

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    dim = len(next(iter(vectors.values())))
    weight = torch.nn.Parameter(torch.eye(dim))
    bias = torch.nn.Parameter(torch.zeros(dim))
    eye = torch.eye(dim)
    optimizer = torch.optim.AdamW([weight, bias], lr=config.adapter_learning_rate, weight_decay=0)
    losses: list[float] = []
    for _ in range(config.adapter_epochs):
        for batch in make_batches(pairs, config.adapter_batch_size, rng):
            xa = torch.as_tensor(np.stack([vectors[p.anchor] for p in batch]))
            xb = torch.as_tensor(np.stack([vectors[p.positive] for p in batch]))
            a = torch.nn.functional.normalize(xa @ weight.T + bias, dim=-1)
            b = torch.nn.functional.normalize(xb @ weight.T + bias, dim=-1)
            logits = a @ b.T * config.scale
            target = torch.arange(len(batch))
            loss = (
                torch.nn.functional.cross_entropy(logits, target)
                + torch.nn.functional.cross_entropy(logits.T, target)
            ) / 2 + config.adapter_identity_penalty * ((weight - eye) ** 2).sum() / dim
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(float(loss.detach()))
    return weight.detach(), bias.detach(), losses


def train_adapter(base_model: Path, output: Path, config: TrainConfig) -> dict[str, Any]:
    """Embed the pairs once with the frozen model, fit the adapter, save model + Dense layer."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(config.threads)
    started = time.perf_counter()
    cpu_started = time.process_time()
    held_out = set(load_devset().held_out)
    pairs = build_pairs(config, held_out)
    model = SentenceTransformer(str(base_model), device="cpu")
    texts = sorted({t for p in pairs for t in (p.anchor, p.positive)})
    log.info("embedding %d training texts with the frozen model", len(texts))
    encoded = model.encode(texts, batch_size=128, normalize_embeddings=True, convert_to_numpy=True)
    vectors = dict(zip(texts, encoded, strict=True))
    embed_seconds = time.perf_counter() - started
    weight, bias, losses = fit_adapter(vectors, pairs, config)
    train_seconds = time.perf_counter() - started
    record = {
        "steps": len(losses),
        "planned_steps": len(losses),
        "stopped_early": False,
        "train_seconds": round(train_seconds, 1),
        "embed_seconds": round(embed_seconds, 1),
        "cpu_seconds": round(time.process_time() - cpu_started, 1),
        "final_loss": round(sum(losses[-25:]) / max(1, len(losses[-25:])), 4),
        "identity_distance": round(float(((weight - torch.eye(len(weight))) ** 2).sum()), 4),
    }
    adapter_dir = adapter_dir_for(output)
    tmp = adapter_dir.with_name(adapter_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    record.update(save_adapter(weight.numpy(), bias.numpy(), tmp, base_model))
    info = _record(base_model, config, pairs, held_out, record)
    _write_record(tmp, info)
    shutil.rmtree(adapter_dir, ignore_errors=True)
    tmp.rename(adapter_dir)
    # The same assembly as `make model`, so a checkout and a training run agree.
    assemble(adapter_dir, base_model, output, force=True)
    return info


def adapter_dir_for(model: Path) -> Path:
    """Where the committed adapter of a tuned model folder lives (a sibling folder)."""
    return model.with_name(model.name + "-adapter")


def _optimizer(model: Any, config: TrainConfig, total_steps: int) -> tuple[Any, Any]:
    """AdamW over the trainable weights, linear warm-up then linear decay to zero."""
    import torch

    warmup = max(1, int(total_steps * config.warmup_fraction))
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
    )

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)


def _in_batch_loss(model: Any, batch: list[Pair], scale: float) -> Any:
    """Symmetric in-batch-negatives loss: each anchor against every positive, both ways."""
    import torch

    anchors = model.tokenize([p.anchor for p in batch])
    positives = model.tokenize([p.positive for p in batch])
    a = torch.nn.functional.normalize(model(anchors)["sentence_embedding"], dim=-1)
    b = torch.nn.functional.normalize(model(positives)["sentence_embedding"], dim=-1)
    logits = a @ b.T * scale
    target = torch.arange(len(batch))
    return (
        torch.nn.functional.cross_entropy(logits, target)
        + torch.nn.functional.cross_entropy(logits.T, target)
    ) / 2


def train(
    base_model: Path,
    output: Path,
    config: TrainConfig,
) -> dict[str, Any]:
    """Fine-tune `base_model` and write it (float16 weights + MODEL_CARD.md) to `output`."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    started = time.perf_counter()
    cpu_started = time.process_time()

    held_out = set(load_devset().held_out)
    pairs = build_pairs(config, held_out)
    rng = random.Random(config.seed)
    model = SentenceTransformer(str(base_model), device="cpu")
    # Short titles train fast with a short limit; the saved model keeps the base
    # limit so CVs and requirements are not cut at 48 tokens.
    base_max_length = model.max_seq_length
    model.max_seq_length = config.max_seq_length
    model.train()
    if config.freeze_embeddings:
        for name, param in model.named_parameters():
            if "embeddings" in name:
                param.requires_grad = False
    epoch_batches = [make_batches(pairs, config.batch_size, rng) for _ in range(config.epochs)]
    total_steps = sum(len(b) for b in epoch_batches)
    optimizer, scheduler = _optimizer(model, config, total_steps)
    log.info("training on %d pairs, %d steps", len(pairs), total_steps)
    step = 0
    losses: list[float] = []
    stopped_early = False
    for batches in epoch_batches:
        for batch in batches:
            loss = _in_batch_loss(model, batch, config.scale)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(float(loss.detach()))
            step += 1
            if step % 25 == 0:
                log.info(
                    "step %d/%d loss %.4f (%.0f s)",
                    step,
                    total_steps,
                    sum(losses[-25:]) / 25,
                    time.perf_counter() - started,
                )
            if time.perf_counter() - started > config.max_minutes * 60:
                stopped_early = True
                break
        if stopped_early:
            break
    train_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started

    model.eval()
    model.max_seq_length = base_max_length
    return _save(
        model,
        base_model,
        output,
        config,
        pairs,
        held_out,
        {
            "steps": step,
            "planned_steps": total_steps,
            "stopped_early": stopped_early,
            "train_seconds": round(train_seconds, 1),
            "cpu_seconds": round(cpu_seconds, 1),
            "final_loss": round(sum(losses[-25:]) / max(1, len(losses[-25:])), 4),
        },
    )


def _save(
    model: Any,
    base_model: Path,
    output: Path,
    config: TrainConfig,
    pairs: list[Pair],
    held_out: set[str],
    record: dict[str, Any],
) -> dict[str, Any]:
    tmp = output.with_name(output.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    # 16-bit weights keep the folder near 45 MB; they load back as float32 (see below).
    model.half()
    model.save(str(tmp))
    _force_float32_config(tmp)
    info = _record(base_model, config, pairs, held_out, record)
    shutil.rmtree(output, ignore_errors=True)
    tmp.rename(output)
    _write_record(output, info)
    return info


def _record(
    base_model: Path,
    config: TrainConfig,
    pairs: list[Pair],
    held_out: set[str],
    record: dict[str, Any],
) -> dict[str, Any]:
    import torch

    kinds: dict[str, int] = {}
    for p in pairs:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    return {
        "base_model": base_model.name,
        "config": asdict(config),
        "pairs": len(pairs),
        "pairs_by_kind": kinds,
        "held_out_occupations": len(held_out),
        **record,
        "torch": torch.__version__,
    }


def _write_record(directory: Path, info: dict[str, Any]) -> None:
    (directory / "training.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    (directory / "MODEL_CARD.md").write_text(model_card(info), encoding="utf-8")


def _force_float32_config(path: Path) -> None:
    """Mark the saved config float32 so loaders upcast the 16-bit weights for CPU inference."""
    config_path = path / "config.json"
    cfg = json.loads(config_path.read_text())
    for key in ("torch_dtype", "dtype"):
        if key in cfg:
            cfg[key] = "float32"
    config_path.write_text(json.dumps(cfg, indent=2) + "\n")


def _card_method(cfg: dict[str, Any]) -> list[str]:
    """The card's lines on how the model was trained, per method."""
    return (
        [
            "Method `adapter`: the base transformer is frozen; a 384×384 linear layer",
            "(identity-initialised, penalty"
            f" {cfg['adapter_identity_penalty']}·‖W−I‖²/384) plus re-normalisation is",
            "trained on the base embeddings of the pairs with a symmetric in-batch-",
            f"negatives loss (scale {cfg['scale']}), AdamW lr {cfg['adapter_learning_rate']},",
            f"batch {cfg['adapter_batch_size']} (no shared occupation, ISCO group or text),",
            f"{cfg['adapter_epochs']} epochs, seed {cfg['seed']}, {cfg['threads']} CPU threads.",
        ]
        if cfg.get("method") == "adapter"
        else [
            "Method `full`: symmetric in-batch-negatives loss"
            f" (scale {cfg['scale']}), AdamW lr {cfg['learning_rate']},",
            f"warm-up {cfg['warmup_fraction']:.0%} then linear decay,"
            f" batch {cfg['batch_size']} (no shared occupation, ISCO group or text),",
            f"{cfg['epochs']} epoch(s), max length {cfg['max_seq_length']} while training,",
            f"seed {cfg['seed']}, {cfg['threads']} CPU threads,"
            f" token embeddings frozen: {cfg['freeze_embeddings']}.",
        ]
    )


def _card_evaluation(evaluation: dict[str, Any]) -> list[str]:
    """The card's evaluation tables (test splits) and how to read them."""
    lines: list[str] = []
    for split, title in (
        ("test", "dev set test split"),
        ("realistic_test", "constructed realistic titles, test split"),
    ):
        rows = [(n, r[split]) for n, r in evaluation["methods"].items() if split in r]
        if not rows:
            continue
        lines += [
            f"## Evaluation (`jobbro eval normalize`, {title})",
            "",
            "| method | MRR | MAP | success@1 | success@10 |",
            "|---|---|---|---|---|",
            *(
                f"| {n} | {t['mrr']} | {t['map']} | {t['success@1']} | {t['success@10']} |"
                for n, t in rows
            ),
            "",
        ]
    lines += [
        "Dev queries are alternative labels of held-out occupations; those occupations",
        "keep only their preferred label in the index. Realistic titles are those labels",
        "rewritten into STAR and job-ad forms by fixed rules (constructed, not real).",
        "See docs/occupations.md.",
        "",
    ]
    return lines


def model_card(info: dict[str, Any]) -> str:
    """A short model card in Markdown from the training record."""
    cfg = info["config"]
    kinds = "\n".join(f"| {k} | {v} |" for k, v in info["pairs_by_kind"].items())
    minutes = info["train_seconds"] / 60
    embed = "embed_seconds" in info
    lines = [
        "# jobbro-minilm-da",
        "",
        f"`{info['base_model']}` fine-tuned on Danish ESCO occupation data"
        " by `jobbro model train`.",
        "",
        "## Data",
        "",
        "Pairs from the repo's ESCO files (`services/matching/data/esco/`), kinds below:",
        "`da_alt-da_pref` Danish alternative ↔ preferred label of the same occupation,",
        "`da_pref-en_pref` Danish ↔ English preferred label, `da-isco_group` Danish",
        "preferred label ↔ its Danish ISCO-08 unit-group label (optional kinds: every",
        "Danish label ↔ English, an English alternative label, essential skills).",
        "Every occupation of the dev set",
        f"(`bench/eval_data/normalize/`, {info['held_out_occupations']} occupations) is left out.",
        "",
        "| pair kind | pairs |",
        "|---|---|",
        kinds,
        "",
        "## Parameters",
        "",
        *_card_method(cfg),
        (
            "Only the adapter is stored (`adapter.safetensors`, float32 W and b);"
            " `make model` appends it to the unchanged base model as `Dense` + `Normalize`."
            if cfg.get("method") == "adapter"
            else "Weights stored as float16 and loaded as float32."
        )
        + f" Torch {info['torch']}.",
        "",
        "## Time",
        "",
        f"{info['steps']} of {info['planned_steps']} steps in {info['train_seconds']:.0f} s"
        f" ({minutes:.1f} min wall, {info['cpu_seconds']:.0f} CPU-seconds) on the 2-core CPU"
        + (f", of which {info['embed_seconds']:.0f} s embedding the texts" if embed else "")
        + f"; final loss {info['final_loss']}."
        + (" Stopped early by the time guard." if info["stopped_early"] else ""),
        "",
    ]
    evaluation = info.get("evaluation")
    if evaluation:
        lines += _card_evaluation(evaluation)
    return "\n".join(lines)


def update_model_card(path: Path, evaluation: dict[str, Any]) -> bool:
    """Rewrite a trained model's card and training record with a new evaluation.

    For an adapter model the record lives in the committed adapter folder; the
    model folder gets fresh copies (and a fresh assembly stamp).
    """
    adapter_dir = adapter_dir_for(path)
    adapter = (adapter_dir / "training.json").is_file() and (path / STAMP_FILE).is_file()
    source = adapter_dir if adapter else path
    record = source / "training.json"
    if not record.is_file():
        return False
    info = json.loads(record.read_text())
    info["evaluation"] = evaluation
    _write_record(source, info)
    if adapter:
        base = path.parent / info["base_model"]
        assemble(adapter_dir, base if base.is_dir() else _default_base(), path, force=True)
    return True


def _default_base() -> Path:
    from shared.settings import get_matching_settings

    return get_matching_settings().model_path
