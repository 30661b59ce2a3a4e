"""A candidate's phone and e-mail from the CV, for those who may contact them on the order."""

import uuid

from sqlalchemy.orm import Session

from services.joborders.common.store import get_order
from services.joborders.matching_port import get_client
from services.joborders.models import Candidate
from services.joborders.policy import access, disclosure
from services.matching.cvbank.schemas import ContactOut
from shared import audit
from shared.actor import Actor
from shared.audit import RefusedAsNotFound
from shared.errors import Forbidden


def candidate_contact_details(
    session: Session, actor: Actor, *, order_id: uuid.UUID, candidate_id: uuid.UUID
) -> ContactOut:
    """The CV's contact details, by the contact rule of the agreement; audited."""
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="candidate.contact_details")
    candidate = session.get(Candidate, candidate_id)
    if (
        candidate is None
        or candidate.order_id != order.id
        or not disclosure.sees_candidate_details(actor, order, candidate)
    ):
        raise RefusedAsNotFound(
            "No such candidate on this order",
            action="candidate.contact_details",
            subject_type="job_order_candidate",
            subject_id=candidate_id,
        )
    if not disclosure.sees_contact_details(actor, order, candidate):
        raise Forbidden(
            "Contact details are shown to those who may contact the candidate: the "
            "organisation that found them first, the owner after a first contact",
            action="candidate.contact_details",
            subject_type="job_order_candidate",
            subject_id=candidate.id,
        )
    details = get_client().get_cv_contact(actor, candidate.cv_id, session=session)
    audit.record(
        session,
        actor,
        "candidate.contact_details.view",
        subject_type="job_order_candidate",
        subject_id=candidate.id,
    )
    return details
