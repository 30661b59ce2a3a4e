"""Occupation commands: normalise titles, train the tuned model, evaluate."""

import typer


def register(app: typer.Typer) -> None:
    """Add `jobbro occupations …`, `jobbro model train` and `jobbro eval normalize`."""
