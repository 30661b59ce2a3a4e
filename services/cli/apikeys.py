"""`jobbro apikeys …`: keys for the a-kasser's and CV sources' systems."""

from typing import Annotated

import typer
from rich.console import Console

from shared import db
from shared.identity.scopes import SCOPES
from shared.identity.service import create_api_key, find_organisation

app = typer.Typer(help="API keys for a-kasse and CV-source systems.", no_args_is_help=True)
console = Console()


@app.command("create")
def apikeys_create(
    organisation: Annotated[str, typer.Option(help="Organisation name")],
    scope: Annotated[
        list[str],
        typer.Option(
            help="What the key may do (repeat for several): " + ", ".join(SCOPES),
            show_default=False,
        ),
    ],
    name: Annotated[str, typer.Option(help="What the key is for")] = "system client",
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="The key stops working after this many days")
    ] = None,
) -> None:
    """Create an API key for an organisation's system; the key is printed once."""
    with db.unit_of_work() as session:
        org = find_organisation(session, organisation)
        key, plain = create_api_key(
            session, organisation=org, name=name, scopes=scope, expires_in_days=expires_in_days
        )
    expiry = f", expires {key.expires_at:%Y-%m-%d}" if key.expires_at else ""
    console.print(f"API key {key.id} for {org.name} (scopes: {key.scopes}{expiry}):")
    # Plain print, not rich: the key must come out unwrapped and uncoloured for scripts.
    print(plain)
