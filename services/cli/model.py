"""`jobbro model …`: the domain-tuned embedding model."""

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The domain-tuned embedding model.", no_args_is_help=True)


@app.command("train")
def train_cmd(
    epochs: Annotated[int, typer.Option(help="Passes over the pairs")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed")] = 13,
    output: Annotated[
        Path | None, typer.Option(help="Model folder (default: the tuned model path)")
    ] = None,
    max_minutes: Annotated[float, typer.Option(help="Stop training after this long")] = 28.0,
    threads: Annotated[int, typer.Option(help="torch CPU threads")] = 2,
    method: Annotated[
        str, typer.Option(help="adapter (linear layer on the frozen model) or full")
    ] = "adapter",
    pairs: Annotated[
        str | None, typer.Option(help="Comma-separated pair kinds (default: see MODEL_CARD)")
    ] = None,
    evaluate_after: Annotated[
        bool, typer.Option("--evaluate/--no-evaluate", help="Put dev-set results in the card")
    ] = True,
) -> None:
    """Fine-tune the base model on Danish ESCO data (CPU, fixed seed) into models/."""
    from services.ml.train import TrainConfig, train, train_adapter
    from shared.settings import get_matching_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = get_matching_settings()
    target = output or settings.tuned_model_path
    if method not in {"adapter", "full"}:
        raise typer.BadParameter("--method is adapter or full")
    config = TrainConfig(
        epochs=epochs, seed=seed, max_minutes=max_minutes, threads=threads, method=method
    )
    if pairs:
        config.pair_kinds = tuple(k.strip() for k in pairs.split(",") if k.strip())

    train_fn = train_adapter if config.method == "adapter" else train
    info = train_fn(settings.model_path, target, config)
    if evaluate_after:
        _evaluate_into_card(target)
    typer.echo(json.dumps({k: v for k, v in info.items() if k != "evaluation"}, indent=2))
    typer.echo(f"model written to {target} (see MODEL_CARD.md)")


def _evaluate_into_card(target: Path) -> None:
    """Evaluate the base model and the model just written, into the new model's card."""
    from services.matching.index.embedding import Embedder
    from services.matching.occupations.normalize import label_cache_dir
    from services.ml.normalize_eval import evaluate, installed_embedders
    from services.ml.train import update_model_card

    embedders = installed_embedders(include_tuned=False)
    embedders["tuned:" + target.name] = Embedder(target)
    update_model_card(target, evaluate(embedders, cache_dir=label_cache_dir()))
