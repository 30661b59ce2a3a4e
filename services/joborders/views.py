"""Turning rows into API shapes, with the caller's view of candidate details."""

from sqlalchemy.orm import Session

from services.joborders import access
from services.joborders.actions import candidate_actions
from services.joborders.models import Candidate, JobOrder
from services.joborders.orders import is_overdue, processing_seconds, today
from services.joborders.schemas import CandidateOut, OrderOut
from shared.actor import Actor

# The owner is the only contact into the employer, so only the organisations holding the
# order see who the contact person is; a-kasser it is shared with see the employer only.
_CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


def order_out(order: JobOrder, actor: Actor | None = None) -> OrderOut:
    """An order with its derived processing-time fields, as `actor` may see it."""
    out = OrderOut(
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
    holders = (order.coordinator_organisation_id, order.owner_organisation_id)
    if actor is not None and actor.organisation_id not in holders:
        out = out.model_copy(update=dict.fromkeys(_CONTACT_FIELDS))
    return out


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
