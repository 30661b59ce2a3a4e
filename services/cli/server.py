"""`jobbro serve` and `jobbro worker`: the two long-running processes."""

import os
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from shared import migrate
from shared.settings import get_settings

console = Console()


def _metrics_dir(folder: Path) -> None:
    """Count metrics in files under `folder`, shared by this process and those it starts.

    Runs before prometheus_client is first imported (it picks its storage then), and
    empties the folder: figures of a previous run must not add to this one's.
    """
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Serve both services and the web UI."""
    import uvicorn

    from shared.logging import configure_logging, uvicorn_log_config

    settings = get_settings()
    if workers > 1:
        # Each worker process counts its own requests; /metrics of any adds them up.
        _metrics_dir(settings.data_dir / "metrics" / "serve")
    configure_logging(settings.log_level)
    bind = host or settings.host
    try:
        settings.check_bind(bind)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    if migrate_first:
        migrate.upgrade()
    os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars between the JSON lines
    # Worker processes inherit it: each loads the model and the CV bank as it starts.
    os.environ.setdefault("JOBBRO_MATCHING_WARM_UP", "1")
    uvicorn.run(
        "services.app:create",
        factory=True,
        host=bind,
        port=port or settings.port,
        workers=workers,
        # JSON lines in every worker process too (uvicorn applies it in each), and no
        # access log: the request middleware writes one line per request with its id.
        log_config=uvicorn_log_config(settings.log_level),
        access_log=False,
    )


def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 2,
    beat: Annotated[bool, typer.Option(help="Also run the periodic scheduler")] = True,
    metrics_port: Annotated[
        int, typer.Option(help="Serve the worker's task metrics on 127.0.0.1:PORT (0: off)")
    ] = 0,
) -> None:
    """Run the Celery worker (needs JOBBRO_BROKER_URL)."""
    settings = get_settings()
    if not settings.broker_url:
        console.print("[red]No JOBBRO_BROKER_URL: tasks already run in-process.[/red]")
        raise typer.Exit(1)
    # Log lines only: no progress bars from the model loader between the JSON lines.
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # The pool's processes count tasks in files here; the metrics server adds them up.
    _metrics_dir(settings.data_dir / "metrics" / f"worker-{os.getpid()}")
    from shared.tasks import celery_app

    if metrics_port:
        from prometheus_client import CollectorRegistry, multiprocess, start_http_server

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={settings.log_level}"]
    if beat:
        # Beat keeps its schedule file in the data dir and cannot create the directory.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        argv.append("--beat")
    celery_app.worker_main(argv)
