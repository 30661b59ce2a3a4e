"""`jobbro demo …`: demo data for the embedded default."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shared import db, migrate
from shared.settings import get_settings

app = typer.Typer(help="Demo data for the embedded default.", no_args_is_help=True)
console = Console()


@app.command("load")
def demo_load(
    cvs: Annotated[int, typer.Option(help="Number of demo CVs")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
) -> None:
    """Load demo organisations, users, CVs and job orders (idempotent)."""
    from services import demo
    from services.demo import identities

    if get_settings().env == "production":
        # The demo installs logins and API keys whose secrets are in the README.
        console.print("[red]JOBBRO_ENV=production: demo data (public keys) is refused.[/red]")
        raise typer.Exit(1)
    migrate.upgrade()
    with db.unit_of_work() as session:
        counts = demo.load(session, cvs=cvs, seed=seed)
    table = Table(title="Demo data")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count))
    console.print(table)
    logins = Table(title=f"Demo logins (password: {identities.DEMO_PASSWORD})")
    for col in ("e-mail", "name", "organisation", "role"):
        logins.add_column(col)
    for u in identities.USERS:
        logins.add_row(u.email, u.name, u.org, u.role.value)
    console.print(logins)
    for org, key in identities.DEMO_API_KEYS.items():
        console.print(f"API key for {org}: {key}")
