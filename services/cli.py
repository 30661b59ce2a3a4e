"""The `jobbro` command line."""

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shared import db, migrate
from shared.identity.service import create_api_key, create_user, find_organisation
from shared.models import Role
from shared.settings import get_settings

app = typer.Typer(help="Jobbro: job-order mediation and candidate matching.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data for the embedded default.", no_args_is_help=True)
users_app = typer.Typer(help="People who log in.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for a-kasse and CV-source systems.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="apikeys")
console = Console()


def _register_service_commands() -> None:
    from services.joborders.cli import register as register_joborders
    from services.matching.cli import register as register_matching

    register_joborders(app)
    register_matching(app)


@app.command()
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
    if migrate_first:
        migrate.upgrade()
    # Worker processes inherit it: each loads the model and the CV bank as it starts.
    os.environ.setdefault("JOBBRO_MATCHING_WARM_UP", "1")
    uvicorn.run(
        "services.app:create",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 2,
    beat: Annotated[bool, typer.Option(help="Also run the periodic scheduler")] = True,
) -> None:
    """Run the Celery worker (needs JOBBRO_BROKER_URL)."""
    from shared.tasks import celery_app

    if not get_settings().broker_url:
        console.print("[red]No JOBBRO_BROKER_URL: tasks already run in-process.[/red]")
        raise typer.Exit(1)
    argv = ["worker", f"--concurrency={concurrency}", "--loglevel=INFO"]
    if beat:
        argv.append("--beat")
    celery_app.worker_main(argv)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations."""
    migrate.upgrade(revision=revision)
    console.print(f"Database at {revision}: {get_settings().effective_database_url}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Undo migrations down to REVISION (`base` empties the database)."""
    migrate.downgrade(revision=revision)
    console.print(f"Database at {revision}")


@demo_app.command("load")
def demo_load(
    cvs: Annotated[int, typer.Option(help="Number of demo CVs")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
) -> None:
    """Load demo organisations, users, CVs and job orders (idempotent)."""
    from services import demo

    migrate.upgrade()
    with db.unit_of_work() as session:
        counts = demo.load(session, cvs=cvs, seed=seed)
    table = Table(title="Demo data")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count))
    console.print(table)
    logins = Table(title=f"Demo logins (password: {demo.DEMO_PASSWORD})")
    for col in ("e-mail", "name", "organisation", "role"):
        logins.add_column(col)
    for u in demo.USERS:
        logins.add_row(u.email, u.name, u.org, u.role.value)
    console.print(logins)
    for org, key in demo.DEMO_API_KEYS.items():
        console.print(f"API key for {org}: {key}")


@users_app.command("create")
def users_create(
    email: str,
    name: str,
    organisation: Annotated[str, typer.Option(help="Organisation name")],
    role: Annotated[Role, typer.Option(help="Role")] = Role.MEDIATOR,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user who logs in to the web UI."""
    with db.unit_of_work() as session:
        org = find_organisation(session, organisation)
        user = create_user(
            session, email=email, name=name, password=password, organisation=org, role=role
        )
        console.print(f"Created {user.email} ({role.value}) in {org.name}")


@keys_app.command("create")
def apikeys_create(
    organisation: Annotated[str, typer.Option(help="Organisation name")],
    name: Annotated[str, typer.Option(help="What the key is for")] = "system client",
) -> None:
    """Create an API key for an organisation's system; the key is printed once."""
    with db.unit_of_work() as session:
        org = find_organisation(session, organisation)
        key, plain = create_api_key(session, organisation=org, name=name)
    console.print(f"API key {key.id} for {org.name}:")
    print(plain)


if os.environ.get("JOBBRO_CLI_NO_SERVICES") != "1":
    _register_service_commands()
