"""Demo data for this service."""

from sqlalchemy.orm import Session


def load(session: Session, *, seed: int = 7, **_: int) -> dict[str, int]:
    """Nothing yet."""
    return {}
