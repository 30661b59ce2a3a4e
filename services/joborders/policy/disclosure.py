"""Who sees what on an order: the employer's contact person and candidates' personal details.

The API responses, the web pages and anything else that shows an order ask these functions,
so a field is hidden from the same people everywhere.
"""

from services.joborders.models import Candidate, JobOrder
from shared.actor import Actor

# The owner is the only contact into the employer, so only the organisations holding the
# order see who the contact person is; a-kasser it is shared with see the employer only.
EMPLOYER_CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


def sees_employer_contact(actor: Actor, order: JobOrder) -> bool:
    """The coordinating and the owning organisation see the employer's contact person."""
    return actor.organisation_id in (
        order.coordinator_organisation_id,
        order.owner_organisation_id,
    )


def sees_candidate_details(actor: Actor, order: JobOrder, candidate: Candidate) -> bool:
    """A jobcentre sees every candidate; an a-kasse its own members, its finds, or as owner."""
    if actor.is_jobcentre:
        return True
    return actor.organisation_id in (
        candidate.akasse_organisation_id,
        candidate.found_by_organisation_id,
        order.owner_organisation_id,
    )
