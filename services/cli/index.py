"""`jobbro index …`: the FAISS index of CV vectors."""

import json

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

app = typer.Typer(help="The FAISS index of CV vectors.", no_args_is_help=True)
console = Console(stderr=True)


class RateColumn(ProgressColumn):
    """CVs per second over the run so far."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed and task.elapsed:
            # rich estimates speed from recent samples; few large chunks leave none.
            speed = task.completed / task.elapsed
        return Text(f"{speed:,.1f} CVs/s" if speed else "– CVs/s", style="progress.data.speed")


@app.command("rebuild")
def index_rebuild() -> None:
    """Embed every CV into a new index generation and switch to it atomically."""
    from services.matching.index import pipeline
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

        count = pipeline.rebuild(progress=report)
    console.print(f"Index rebuilt with {count} CVs.")


@app.command("reconcile")
def index_reconcile() -> None:
    """Embed CVs missing from or stale in the index and drop vectors of deleted CVs."""
    from services.matching.index import pipeline
    from shared import db

    with db.unit_of_work() as session:
        report = pipeline.reconcile(session)
    console.print(
        f"missing {report.missing}, stale {report.stale}, orphaned vectors "
        f"{report.orphans}; embedded {report.embedded}"
    )


@app.command("status")
def index_status() -> None:
    """Print the index meta and its lag (CVs missing or stale, the oldest's age) as JSON."""
    from services.matching.index.lag import measure
    from services.matching.index.store import get_index_store
    from shared import db

    with db.unit_of_work() as session:
        lag = measure(session)
    index = get_index_store().current()
    oldest = lag.oldest_pending_seconds
    print(
        json.dumps(
            {
                "cvs": lag.cvs,
                "pending": lag.pending,
                "lag": {
                    "missing": lag.missing,
                    "stale": lag.stale,
                    "oldest_pending_at": lag.oldest_pending_at,
                    "oldest_pending_seconds": None if oldest is None else round(oldest, 1),
                },
                "index": dict(index.meta) if index is not None else None,
            },
            indent=2,
            default=str,
        )
    )
