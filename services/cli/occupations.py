"""`jobbro occupations …`: ESCO occupations and title normalisation."""

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from services.cli.output import echo_json

app = typer.Typer(help="ESCO occupations and title normalisation.", no_args_is_help=True)


@app.command("normalize")
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
            echo_json(
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
        typer.echo(f"{m.score:.3f}  {m.isco_group}  {m.label}  (via {m.matched_label!r})  {m.uri}")


@app.command("warm")
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
