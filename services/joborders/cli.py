"""Job-order commands for the `jobbro` CLI."""

import typer


def register(app: typer.Typer) -> None:
    """Add this service's commands to the main CLI."""
