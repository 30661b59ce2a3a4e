"""`jobbro db …`: database migrations."""

from typing import Annotated

import typer
from rich.console import Console

from shared import migrate
from shared.settings import get_settings

app = typer.Typer(help="Database migrations.", no_args_is_help=True)
console = Console()


@app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations."""
    migrate.upgrade(revision=revision)
    console.print(f"Database at {revision}: {get_settings().effective_database_url}")


@app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Undo migrations down to REVISION (`base` empties the database)."""
    migrate.downgrade(revision=revision)
    console.print(f"Database at {revision}")
