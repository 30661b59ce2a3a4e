"""`jobbro apikeys …`: keys for the a-kasser's and CV sources' systems."""

from typing import Annotated

import typer
from rich.console import Console

from shared import db
from shared.identity.service import create_api_key, find_organisation

app = typer.Typer(help="API keys for a-kasse and CV-source systems.", no_args_is_help=True)
console = Console()


@app.command("create")
def apikeys_create(
    organisation: Annotated[str, typer.Option(help="Organisation name")],
    name: Annotated[str, typer.Option(help="What the key is for")] = "system client",
) -> None:
    """Create an API key for an organisation's system; the key is printed once."""
    with db.unit_of_work() as session:
        org = find_organisation(session, organisation)
        key, plain = create_api_key(session, organisation=org, name=name)
    console.print(f"API key {key.id} for {org.name}:")
    # Plain print, not rich: the key must come out unwrapped and uncoloured for scripts.
    print(plain)
