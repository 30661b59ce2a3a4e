"""`jobbro serve` and `jobbro worker`: the two long-running processes."""

import os
from typing import Annotated

import typer
from rich.console import Console

from shared import migrate
from shared.settings import get_settings

console = Console()


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Serve both services and the web UI."""
    import uvicorn

    from shared.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    bind = host or settings.host
    try:
        settings.check_bind(bind)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    if migrate_first:
        migrate.upgrade()
    # Worker processes inherit it: each loads the model and the CV bank as it starts.
    os.environ.setdefault("JOBBRO_MATCHING_WARM_UP", "1")
    uvicorn.run(
        "services.app:create",
        factory=True,
        host=bind,
        port=port or settings.port,
        workers=workers,
        log_config=None,
    )


def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 2,
    beat: Annotated[bool, typer.Option(help="Also run the periodic scheduler")] = True,
) -> None:
    """Run the Celery worker (needs JOBBRO_BROKER_URL)."""
    from shared.tasks import celery_app

    settings = get_settings()
    if not settings.broker_url:
        console.print("[red]No JOBBRO_BROKER_URL: tasks already run in-process.[/red]")
        raise typer.Exit(1)
    argv = ["worker", f"--concurrency={concurrency}", "--loglevel=INFO"]
    if beat:
        # Beat keeps its schedule file in the data dir and cannot create the directory.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        argv.append("--beat")
    celery_app.worker_main(argv)
