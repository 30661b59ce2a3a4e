"""Read-only look-ups of organisations for display (names, pick-lists); no rules.

Job-order tables are read through the job-order service, never from here.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Organisation, OrgKind


def organisation_names(session: Session) -> dict[uuid.UUID, str]:
    """Every organisation's name by id (a few dozen rows)."""
    rows = session.execute(select(Organisation.id, Organisation.name))
    return {org_id: name for org_id, name in rows}


def organisations(session: Session, kind: OrgKind) -> list[Organisation]:
    """Organisations of one kind, by name, for pick-lists."""
    stmt = select(Organisation).where(Organisation.kind == kind).order_by(Organisation.name)
    return list(session.scalars(stmt))
