"""Turning rows into API shapes, with the caller's view of candidate details."""

from sqlalchemy.orm import Session

from services.joborders import access
from services.joborders.actions import candidate_actions
from services.joborders.models import Candidate, JobOrder
from services.joborders.orders import is_overdue, processing_seconds, today
from services.joborders.schemas import CandidateOut, OrderOut
from shared.actor import Actor


def order_out(order: JobOrder) -> OrderOut:
    """An order with its derived processing-time fields."""
    return OrderOut(
        **{
            name: getattr(order, name)
            for name in OrderOut.model_fields
            if name not in ("processing_seconds", "overdue", "owner_name", "coordinator_name")
        },
        processing_seconds=processing_seconds(order),
        overdue=is_overdue(order, today()),
        owner_name=order.owner.name,
        coordinator_name=order.coordinator.name,
    )


def candidate_out(
    session: Session, actor: Actor, order: JobOrder, candidate: Candidate
) -> CandidateOut:
    """A candidate; name, CV and notes only where the caller may see them."""
    visible = access.sees_candidate_details(actor, order, candidate)
    return CandidateOut(
        id=candidate.id,
        order_id=candidate.order_id,
        details_visible=visible,
        cv_id=candidate.cv_id if visible else None,
        name=candidate.name if visible else None,
        headline=candidate.headline if visible else None,
        akasse_organisation_id=candidate.akasse_organisation_id if visible else None,
        unemployed=candidate.unemployed,
        source=candidate.source,
        found_by_organisation_id=candidate.found_by_organisation_id,
        found_by_name=candidate.found_by_name,
        status=candidate.status,
        contact_outcome=candidate.contact_outcome,
        contact_note=candidate.contact_note if visible else None,
        contacted_at=candidate.contacted_at,
        referred_at=candidate.referred_at,
        start_date=candidate.start_date,
        outcome_at=candidate.outcome_at,
        archived_at=candidate.archived_at,
        archive_reason=candidate.archive_reason if visible else None,
        allowed_actions=candidate_actions(actor, order, candidate),
    )
