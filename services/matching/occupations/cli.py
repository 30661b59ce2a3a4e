"""Occupation commands: normalise titles, train the tuned model, evaluate."""

import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group `name`, shared with other services that add to it."""
    for info in app.registered_groups:
        if info.name == name and isinstance(info.typer_instance, typer.Typer):
            return info.typer_instance
    group = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def _echo_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _eval_embedders(include_tuned: bool = True) -> dict[str, Any]:
    from services.matching.embedding import Embedder, model_present
    from shared.settings import get_matching_settings

    settings = get_matching_settings()
    embedders: dict[str, Any] = {}
    if model_present(settings.model_path):
        embedders["base:" + settings.model_path.name] = Embedder(settings.model_path)
    if include_tuned and model_present(settings.tuned_model_path):
        embedders["tuned:" + settings.tuned_model_path.name] = Embedder(settings.tuned_model_path)
    return embedders


def register(app: typer.Typer) -> None:
    """Add `jobbro occupations …`, `jobbro model train` and `jobbro eval normalize`."""
    occupations_app = _group(app, "occupations", "ESCO occupations and title normalisation.")
    model_app = _group(app, "model", "The domain-tuned embedding model.")
    eval_app = _group(app, "eval", "Offline evaluations.")

    @occupations_app.command("normalize")
    def normalize_cmd(
        title: Annotated[str | None, typer.Argument(help="A Danish job title")] = None,
        batch: Annotated[
            Path | None, typer.Option("--batch", help="File with one title per line ('-': stdin)")
        ] = None,
        k: Annotated[int | None, typer.Option("-k", help="Results per title")] = None,
    ) -> None:
        """Rank ESCO occupations for a title, or for every line of --batch FILE as JSON lines."""
        from services.matching.occupations.service import normalize_titles

        if (title is None) == (batch is None):
            raise typer.BadParameter("give either a TITLE or --batch FILE")
        if batch is not None:
            stream = sys.stdin if str(batch) == "-" else batch.open(encoding="utf-8")
            titles = [line.rstrip("\r\n") for line in stream]
            started = time.perf_counter()
            results = normalize_titles(titles, k=k or 100)
            for query, matches in zip(titles, results, strict=True):
                _echo_json(
                    {
                        "query": query,
                        "results": [
                            {"uri": m.uri, "label": m.label, "score": m.score} for m in matches
                        ],
                    }
                )
            typer.echo(f"{len(titles)} titles in {time.perf_counter() - started:.1f} s", err=True)
            return
        assert title is not None
        for m in normalize_titles([title], k=k or 10)[0]:
            typer.echo(
                f"{m.score:.3f}  {m.isco_group}  {m.label}  (via {m.matched_label!r})  {m.uri}"
            )

    @occupations_app.command("warm")
    def warm_cmd(
        write_pack: Annotated[
            bool,
            typer.Option(
                "--write-pack",
                help="Also re-embed the labels and rewrite models/occupation-label-vectors/",
            ),
        ] = False,
    ) -> None:
        """Embed every occupation label now (cached under the data dir) so requests start fast."""
        from services.matching.occupations.normalize import get_normalizer, write_label_pack

        started = time.perf_counter()
        normalizer = get_normalizer()
        model = getattr(normalizer.embedder, "model_name", "none (lexical only)")
        typer.echo(
            f"{len(normalizer.labels)} labels ready with model {model}"
            f" in {time.perf_counter() - started:.1f} s"
        )
        if write_pack:
            key, size = write_label_pack(normalizer)
            typer.echo(f"label pack {key} written ({size / 1e6:.1f} MB)")

    @model_app.command("train")
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
        from services.matching.occupations.evaluate import evaluate
        from services.matching.occupations.train import TrainConfig, train, train_adapter
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
            from services.matching.embedding import Embedder
            from services.matching.occupations.train import update_model_card

            embedders = _eval_embedders(include_tuned=False)
            embedders["tuned:" + target.name] = Embedder(target)
            update_model_card(target, evaluate(embedders, cache_dir=_cache_dir()))
        typer.echo(json.dumps({k: v for k, v in info.items() if k != "evaluation"}, indent=2))
        typer.echo(f"model written to {target} (see MODEL_CARD.md)")

    @eval_app.command("normalize")
    def eval_normalize_cmd(
        rebuild_devset: Annotated[
            bool, typer.Option(help="Regenerate bench/eval_data/normalize/ from the data first")
        ] = False,
        update_card: Annotated[
            bool, typer.Option(help="Put the results into the tuned model's MODEL_CARD.md")
        ] = True,
    ) -> None:
        """MRR, MAP and success@1/@10 of each signal on the held-out dev set, as JSON."""
        from services.matching.occupations.devset import build_devset, write_devset
        from services.matching.occupations.evaluate import evaluate

        if rebuild_devset:
            write_devset(build_devset())
        report = evaluate(_eval_embedders(), cache_dir=_cache_dir())
        _echo_json(report)
        if update_card:
            from services.matching.occupations.train import update_model_card
            from shared.settings import get_matching_settings

            path = get_matching_settings().tuned_model_path
            if update_model_card(path, report):
                typer.echo(f"evaluation written to {path / 'MODEL_CARD.md'}", err=True)


def _cache_dir() -> Path:
    from services.matching.occupations.normalize import label_cache_dir

    return label_cache_dir()
