"""The `jobbro` command line: one module per command group, put together here.

Command modules import their service code inside each command, so `jobbro --help`
starts without loading the embedding model, FAISS or the web app.
"""

import typer

from services.cli import (
    apikeys,
    cvs,
    db,
    demo,
    evaluation,
    index,
    model,
    occupations,
    orders,
    server,
    users,
)

app = typer.Typer(help="Jobbro: job-order mediation and candidate matching.", no_args_is_help=True)
app.command()(server.serve)
app.command()(server.worker)
app.add_typer(db.app, name="db")
app.add_typer(demo.app, name="demo")
app.add_typer(users.app, name="users")
app.add_typer(apikeys.app, name="apikeys")
app.add_typer(orders.app, name="orders")
app.add_typer(index.app, name="index")
app.add_typer(cvs.app, name="cvs")
app.add_typer(evaluation.app, name="eval")
app.add_typer(occupations.app, name="occupations")
app.add_typer(model.app, name="model")
