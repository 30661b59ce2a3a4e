"""CV bank, index and evaluation commands."""

import typer


def register(app: typer.Typer) -> None:
    """Add `jobbro index …` and `jobbro eval ranking`."""
