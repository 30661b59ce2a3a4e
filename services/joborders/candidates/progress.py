"""How far an order's candidates have come, with one definition of "referred" for every count."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from services.joborders.models import Candidate, CandidateStatus, JobOrder
from services.joborders.policy import access
from shared.actor import Actor


def was_referred() -> ColumnElement[bool]:
    """SQL: the candidate has been referred to the employer.

    `referred_at` is set by the referral and survives a reversed outcome, so a referral
    stays counted whatever happened after it.
    """
    return Candidate.referred_at.is_not(None)


@dataclass(frozen=True)
class CandidateCounts:
    """Active candidates on an order, how many were referred and how many are hired."""

    candidates: int = 0
    referred: int = 0
    hired: int = 0


def candidate_counts(
    session: Session, actor: Actor, *, order_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, CandidateCounts]:
    """Active candidates, referrals and hires per order the caller may see, for order lists."""
    ids = list(order_ids)
    if not ids:
        return {}
    referred = case((was_referred(), 1), else_=0)
    hired = case((Candidate.status == CandidateStatus.HIRED, 1), else_=0)
    rows = session.execute(
        select(Candidate.order_id, func.count(), func.sum(referred), func.sum(hired))
        .join(JobOrder, JobOrder.id == Candidate.order_id)
        .where(
            Candidate.order_id.in_(ids),
            Candidate.archived_at.is_(None),
            access.visible_condition(actor),
        )
        .group_by(Candidate.order_id)
    )
    return {
        order_id: CandidateCounts(int(n), int(r or 0), int(h or 0)) for order_id, n, r, h in rows
    }
