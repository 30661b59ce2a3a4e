"""`jobbro users …`: people who log in to the web UI."""

from typing import Annotated

import typer
from rich.console import Console

from shared import db
from shared.actor import system_actor
from shared.identity.service import create_user, find_organisation, find_user, set_password
from shared.models import Role

# Asked for at the prompt, hidden and twice, so it never lands in the shell history.
PasswordOption = Annotated[
    str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
]

app = typer.Typer(help="People who log in.", no_args_is_help=True)
console = Console()


@app.command("create")
def users_create(
    email: str,
    name: str,
    organisation: Annotated[str, typer.Option(help="Organisation name")],
    role: Annotated[Role, typer.Option(help="Role")] = Role.MEDIATOR,
    password: PasswordOption = "",
) -> None:
    """Create a user who logs in to the web UI."""
    with db.unit_of_work() as session:
        org = find_organisation(session, organisation)
        user = create_user(
            session, email=email, name=name, password=password, organisation=org, role=role
        )
        console.print(f"Created {user.email} ({role.value}) in {org.name}")


@app.command("set-password")
def users_set_password(
    email: str,
    password: PasswordOption = "",
) -> None:
    """Set a person's password; every session of theirs ends at once."""
    with db.unit_of_work() as session:
        user = find_user(session, email)
        by = system_actor(user.organisation, "jobbro users set-password")
        ended = set_password(session, user, password, by=by)
    console.print(f"New password for {user.email}; {ended} session(s) ended")
