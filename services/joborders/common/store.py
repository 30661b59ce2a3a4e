"""Loading orders for reading and for writing, and optimistic version checks."""

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.joborders.models import Candidate, CandidateStatus, JobOrder
from shared.db import utcnow
from shared.errors import NotFound, StaleVersion


def get_order(session: Session, order_id: uuid.UUID) -> JobOrder:
    """The order, or 404."""
    order = session.get(JobOrder, order_id)
    if order is None:
        raise NotFound("No such job order")
    return order


def get_order_for_update(session: Session, order_id: uuid.UUID) -> JobOrder:
    """The order, row-locked until commit so writers on one order take turns."""
    # Lock the bare row first: with the eager joins to the owner in the same statement,
    # PostgreSQL would re-check a concurrently changed owner against the old join and drop it.
    locked = session.scalar(select(JobOrder.id).where(JobOrder.id == order_id).with_for_update())
    if locked is None:
        raise NotFound("No such job order")
    order = session.scalar(
        select(JobOrder).where(JobOrder.id == order_id).execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("No such job order")
    return order


def get_candidate(session: Session, candidate_id: uuid.UUID) -> Candidate:
    """The candidate, or 404."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("No such candidate")
    return candidate


def check_version(order: JobOrder, expected: int | None) -> None:
    """412 with the current version when the caller edited an older copy."""
    if expected is not None and expected != order.version:
        raise StaleVersion(
            f"The order changed since you read it (you sent version {expected}, "
            f"it is now {order.version}); reload it and try again",
            current_version=order.version,
        )


def claim_version(session: Session, order: JobOrder, expected: int | None) -> None:
    """Bump the version with `UPDATE ... WHERE version = :seen`: of two racing writers one wins."""
    check_version(order, expected)
    seen = order.version
    new = session.execute(
        update(JobOrder)
        .where(JobOrder.id == order.id, JobOrder.version == seen)
        .values(version=JobOrder.version + 1, updated_at=utcnow())
        .returning(JobOrder.version)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new is None:
        current = session.scalar(select(JobOrder.version).where(JobOrder.id == order.id))
        raise StaleVersion(
            "Someone else changed the order at the same moment; reload it and try again",
            current_version=current,
        )
    set_committed_value(order, "version", new)


def hires(session: Session, order_id: uuid.UUID) -> int:
    """Candidates currently recorded as hired on the order."""
    stmt = select(func.count()).where(
        Candidate.order_id == order_id,
        Candidate.status == CandidateStatus.HIRED,
        Candidate.archived_at.is_(None),
    )
    return session.scalar(stmt) or 0
