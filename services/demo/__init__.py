"""Demo data for the embedded default: organisations, users, CVs and job orders.

Not part of the running product: only `jobbro demo load` and the tests use it.
"""

from sqlalchemy.orm import Session


def load(session: Session, *, cvs: int = 5000, seed: int = 7) -> dict[str, int]:
    """Load identities, then the CVs, then the orders (each loader is idempotent)."""
    # Orders rank demo CVs for their candidates, so CVs go first.
    from services.demo import contact as demo_contact
    from services.demo import cvs as demo_cvs
    from services.demo import identities
    from services.demo import orders as demo_orders

    identities.load_identities(session)
    counts: dict[str, int] = {
        "organisations": len(identities.ORGS),
        "users": len(identities.USERS),
    }
    counts.update(demo_cvs.load(session, cvs=cvs, seed=seed))
    counts.update(demo_orders.load(session, seed=seed))
    counts.update(demo_contact.load(session))
    return counts
