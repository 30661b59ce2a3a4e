"""A person's history across orders: where they were proposed, contacted, referred, hired.

Only for staff who may see the CV (the matching service decides, and audits the read),
and only the orders the caller's organisation sees, with the candidate's details visible
to it there: another jobcentre's or another a-kasse's case work never shows.
"""

import json
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.joborders.candidates.schemas import HistoryEntryOut
from services.joborders.common.store import get_order
from services.joborders.matching_port import get_client
from services.joborders.models import Candidate, JobOrder
from services.joborders.policy import access, disclosure
from shared import audit
from shared.actor import Actor
from shared.audit import RefusedAsNotFound


def cv_history(
    session: Session, actor: Actor, *, cv_id: uuid.UUID, exclude_order_id: uuid.UUID | None = None
) -> list[HistoryEntryOut]:
    """The person's rows on the orders the caller sees, newest first (audited)."""
    # Raises 404 for a CV the caller may not see; audits the read in this transaction.
    get_client().get_cv_summary(actor, cv_id, session=session)
    stmt = (
        select(Candidate, JobOrder)
        .join(JobOrder, JobOrder.id == Candidate.order_id)
        .where(Candidate.cv_id == cv_id, access.visible_condition(actor))
        .order_by(Candidate.created_at.desc(), Candidate.id)
    )
    if exclude_order_id is not None:
        stmt = stmt.where(Candidate.order_id != exclude_order_id)
    entries = [
        HistoryEntryOut(
            candidate_id=c.id,
            order_id=o.id,
            order_title=o.title,
            employer_name=o.employer_name,
            order_status=o.status,
            status=c.status,
            found_by_name=c.found_by_name,
            added_at=c.created_at,
            contact_outcome=c.contact_outcome,
            contact_reason=c.contact_reason,
            contacted_at=c.contacted_at,
            referred_at=c.referred_at,
            start_date=c.start_date,
            outcome_reason=c.outcome_reason,
            outcome_at=c.outcome_at,
            archived_at=c.archived_at,
        )
        for c, o in session.execute(stmt).all()
        if disclosure.sees_candidate_details(actor, o, c)
    ]
    audit.record(
        session,
        actor,
        "candidate.history.view",
        subject_type="cv",
        subject_id=cv_id,
        detail=json.dumps({"orders": [str(e.order_id) for e in entries]}),
    )
    return entries


def candidate_history(
    session: Session, actor: Actor, *, order_id: uuid.UUID, candidate_id: uuid.UUID
) -> list[HistoryEntryOut]:
    """The history on other orders of a candidate on this one, for those who see them."""
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="candidate.history")
    candidate = session.get(Candidate, candidate_id)
    if (
        candidate is None
        or candidate.order_id != order.id
        or not disclosure.sees_candidate_details(actor, order, candidate)
    ):
        raise RefusedAsNotFound(
            "No such candidate on this order",
            action="candidate.history",
            subject_type="job_order_candidate",
            subject_id=candidate_id,
        )
    return cv_history(session, actor, cv_id=candidate.cv_id, exclude_order_id=order.id)
