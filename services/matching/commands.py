"""CV bank, index and evaluation commands."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

console = Console(stderr=True)


class RateColumn(ProgressColumn):
    """CVs per second over the run so far."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed and task.elapsed:
            # rich estimates speed from recent samples; few large chunks leave none.
            speed = task.completed / task.elapsed
        return Text(f"{speed:,.1f} CVs/s" if speed else "– CVs/s", style="progress.data.speed")


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group `name`, shared with other services that add to it."""
    for info in app.registered_groups:
        if info.name == name and isinstance(info.typer_instance, typer.Typer):
            return info.typer_instance
    group = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def _source_actor(organisation: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from shared import db
    from shared.actor import Actor
    from shared.models import Organisation

    with db.unit_of_work() as session:
        org = session.scalar(select(Organisation).where(Organisation.name == organisation))
        if org is None:
            raise typer.BadParameter(f"no organisation named {organisation!r}")
        return Actor(
            kind="system",
            id=None,
            name="jobbro cvs import",
            organisation_id=org.id,
            organisation_name=org.name,
            organisation_kind=org.kind,
        )


def register(app: typer.Typer) -> None:
    """Add `jobbro index …`, `jobbro cvs import` and `jobbro eval ranking`."""
    index_app = _group(app, "index", "The FAISS index of CV vectors.")
    cvs_app = _group(app, "cvs", "The CV bank.")
    eval_app = _group(app, "eval", "Offline evaluations.")

    @index_app.command("rebuild")
    def index_rebuild() -> None:
        """Embed every CV into a new index generation and switch to it atomically."""
        from services.matching import indexing
        from shared import migrate

        migrate.upgrade()
        columns = (
            TextColumn("[bold]embedding CVs"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("rebuild", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            count = indexing.rebuild(progress=report)
        console.print(f"Index rebuilt with {count} CVs.")

    @index_app.command("reconcile")
    def index_reconcile() -> None:
        """Embed CVs missing from or stale in the index and drop vectors of deleted CVs."""
        from services.matching import indexing
        from shared import db

        with db.unit_of_work() as session:
            report = indexing.reconcile(session)
        console.print(
            f"missing {report.missing}, stale {report.stale}, orphaned vectors "
            f"{report.orphans}; embedded {report.embedded}"
        )

    @index_app.command("status")
    def index_status() -> None:
        """Print the index meta and how many CVs wait for embedding, as JSON."""
        from sqlalchemy import func, select

        from services.matching.models import Cv
        from services.matching.vector_index import get_index_store
        from shared import db

        with db.unit_of_work() as session:
            total = session.scalar(select(func.count()).select_from(Cv)) or 0
            done = session.scalar(select(func.count()).where(Cv.indexed_hash == Cv.text_hash))
        index = get_index_store().current()
        print(
            json.dumps(
                {
                    "cvs": total,
                    "pending": total - (done or 0),
                    "index": dict(index.meta) if index is not None else None,
                },
                indent=2,
                default=str,
            )
        )

    @cvs_app.command("import")
    def cvs_import(
        file: Annotated[Path, typer.Argument(help="NDJSON file, one CV per line ('-': stdin)")],
        organisation: Annotated[
            str, typer.Option(help="The jobcentre whose CV source this is")
        ] = "Jobcenter Norddjurs",
    ) -> None:
        """Upsert CVs from an NDJSON file, as the CV source API does."""
        from services.matching import service
        from shared import db

        actor = _source_actor(organisation)
        stream = sys.stdin.buffer if str(file) == "-" else file.open("rb")
        with stream, db.unit_of_work() as session:
            result = service.bulk_upsert(session, actor, lines=(line for line in stream))
        print(result.model_dump_json(indent=2))
        if result.failed:
            raise typer.Exit(1)

    @eval_app.command("ranking")
    def eval_ranking(
        cvs: Annotated[Path, typer.Option(help="CVs, NDJSON in the ingest format")],
        orders: Annotated[Path, typer.Option(help="Orders, NDJSON: OrderQuery fields plus id")],
        qrels: Annotated[Path, typer.Option(help="Lines 'order_id cv_id grade'")],
        ablations: Annotated[
            bool, typer.Option(help="Also rank by each signal alone (semantic, lexical, …)")
        ] = False,
    ) -> None:
        """nDCG@10, MRR and recall@50 of the product and of BM25 on the same texts, as JSON."""
        from services.matching.evaluation import run_ranking_eval

        report = run_ranking_eval(cvs, orders, qrels, ablations=ablations, log=console.print)
        print(json.dumps(report, indent=2, ensure_ascii=False))
