"""Read-only look-ups the pages need for display (names, counts, pick-lists); no rules."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.joborders.models import Candidate, CandidateStatus
from shared.models import Organisation, OrgKind, User


@dataclass(frozen=True)
class CandidateCounts:
    """How far an order's candidates have come."""

    candidates: int = 0
    referred: int = 0
    hired: int = 0


def candidate_counts(
    session: Session, order_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, CandidateCounts]:
    """Active candidates, referrals and hires per order, for the order lists."""
    ids = list(order_ids)
    if not ids:
        return {}
    referred = case(
        (
            Candidate.status.in_(
                (CandidateStatus.REFERRED, CandidateStatus.HIRED, CandidateStatus.NOT_HIRED)
            ),
            1,
        ),
        else_=0,
    )
    hired = case((Candidate.status == CandidateStatus.HIRED, 1), else_=0)
    rows = session.execute(
        select(Candidate.order_id, func.count(), func.sum(referred), func.sum(hired))
        .where(Candidate.order_id.in_(ids), Candidate.archived_at.is_(None))
        .group_by(Candidate.order_id)
    )
    return {
        order_id: CandidateCounts(int(n), int(r or 0), int(h or 0)) for order_id, n, r, h in rows
    }


def organisation_names(session: Session) -> dict[uuid.UUID, str]:
    """Every organisation's name by id (a few dozen rows)."""
    rows = session.execute(select(Organisation.id, Organisation.name))
    return {org_id: name for org_id, name in rows}


def organisations(session: Session, kind: OrgKind) -> list[Organisation]:
    """Organisations of one kind, by name, for pick-lists."""
    stmt = select(Organisation).where(Organisation.kind == kind).order_by(Organisation.name)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    organisation_name: str


def colleagues(session: Session, organisation_id: uuid.UUID, exclude: uuid.UUID) -> list[Person]:
    """Active people of an organisation, for the hand-over pick-list."""
    stmt = (
        select(User)
        .where(User.organisation_id == organisation_id, User.active.is_(True), User.id != exclude)
        .order_by(User.name)
    )
    return [Person(u.id, u.name, u.organisation.name) for u in session.scalars(stmt)]
