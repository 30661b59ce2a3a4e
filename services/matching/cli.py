"""Matching commands for the `jobbro` CLI."""

import typer


def register(app: typer.Typer) -> None:
    """Add this service's commands (CV bank and index, occupations) to the main CLI."""
    from services.matching.commands import register as register_bank
    from services.matching.occupations.cli import register as register_occupations

    register_bank(app)
    register_occupations(app)
