"""`jobbro eval …`: offline evaluations of ranking and title normalisation."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from services.cli.output import echo_json

app = typer.Typer(help="Offline evaluations.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("ranking")
def eval_ranking(
    cvs: Annotated[Path, typer.Option(help="CVs, NDJSON in the ingest format")],
    orders: Annotated[Path, typer.Option(help="Orders, NDJSON: OrderQuery fields plus id")],
    qrels: Annotated[Path, typer.Option(help="Lines 'order_id cv_id grade'")],
    ablations: Annotated[
        bool, typer.Option(help="Also rank by each signal alone (semantic, lexical, …)")
    ] = False,
    per_order: Annotated[
        Path | None, typer.Option(help="Write each order's ranking here, one JSON line per order")
    ] = None,
    occupations: Annotated[
        Path | None,
        typer.Option(
            help="TSV 'order_id uri isco_group' of true occupations, for results per link "
            "class (default: occupations.tsv beside the orders, if present)"
        ),
    ] = None,
) -> None:
    """nDCG@10, MRR and recall@50 of the product and of BM25 on the same texts, as JSON."""
    from services.ml.ranking_eval import run_ranking_eval

    report = run_ranking_eval(
        cvs,
        orders,
        qrels,
        ablations=ablations,
        per_order=per_order,
        truth_path=occupations or orders.with_name("occupations.tsv"),
        log=console.print,
    )
    print(json.dumps(report, indent=2, ensure_ascii=False))


@app.command("normalize")
def eval_normalize_cmd(
    rebuild_devset: Annotated[
        bool, typer.Option(help="Regenerate bench/eval_data/normalize/ from the data first")
    ] = False,
    update_card: Annotated[
        bool, typer.Option(help="Put the results into the tuned model's MODEL_CARD.md")
    ] = True,
) -> None:
    """MRR, MAP and success@1/@10 of each signal on the held-out dev set, as JSON."""
    from services.matching.occupations.normalize import label_cache_dir
    from services.ml.devset import build_devset, write_devset
    from services.ml.normalize_eval import evaluate, installed_embedders

    if rebuild_devset:
        write_devset(build_devset())
    report = evaluate(installed_embedders(), cache_dir=label_cache_dir())
    echo_json(report)
    if update_card:
        from services.ml.train import update_model_card
        from shared.settings import get_matching_settings

        path = get_matching_settings().tuned_model_path
        if update_model_card(path, report):
            typer.echo(f"evaluation written to {path / 'MODEL_CARD.md'}", err=True)
