"""`jobbro cvs …`: the CV bank."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from shared.actor import Actor, system_actor

app = typer.Typer(help="The CV bank.", no_args_is_help=True)


def _source_actor(organisation: str) -> Actor:
    from sqlalchemy import select

    from shared import db
    from shared.models import Organisation

    with db.unit_of_work() as session:
        org = session.scalar(select(Organisation).where(Organisation.name == organisation))
        if org is None:
            raise typer.BadParameter(f"no organisation named {organisation!r}")
        return system_actor(org, "jobbro cvs import")


@app.command("import")
def cvs_import(
    file: Annotated[Path, typer.Argument(help="NDJSON file, one CV per line ('-': stdin)")],
    organisation: Annotated[
        str, typer.Option(help="The jobcentre whose CV source this is")
    ] = "Jobcenter Norddjurs",
) -> None:
    """Upsert CVs from an NDJSON file, as the CV source API does."""
    from services.matching.cvbank import ingest
    from shared import db

    actor = _source_actor(organisation)
    stream = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    with stream, db.unit_of_work() as session:
        result = ingest.bulk_upsert(session, actor, lines=(line for line in stream))
    print(result.model_dump_json(indent=2))
    if result.failed:
        raise typer.Exit(1)
