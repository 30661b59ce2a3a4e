"""A candidate as its API shape: personal details only where the caller may see them."""

from sqlalchemy.orm import Session

from services.joborders.candidates.schemas import CandidateOut
from services.joborders.models import Candidate, JobOrder
from services.joborders.policy.actions import candidate_actions
from services.joborders.policy.disclosure import sees_candidate_details
from shared.actor import Actor


def candidate_out(
    session: Session, actor: Actor, order: JobOrder, candidate: Candidate
) -> CandidateOut:
    """A candidate; name, CV and notes only where the caller may see them."""
    visible = sees_candidate_details(actor, order, candidate)
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
        contact_reason=candidate.contact_reason if visible else None,
        contact_note=candidate.contact_note if visible else None,
        contacted_at=candidate.contacted_at,
        referred_at=candidate.referred_at,
        start_date=candidate.start_date,
        outcome_at=candidate.outcome_at,
        outcome_reason=candidate.outcome_reason if visible else None,
        archived_at=candidate.archived_at,
        archive_reason=candidate.archive_reason if visible else None,
        allowed_actions=candidate_actions(actor, order, candidate),
    )
