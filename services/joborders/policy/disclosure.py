"""Who sees what on an order: the employer's contact person and candidates' personal details.

The API responses, the web pages and anything else that shows an order ask these functions,
so a field is hidden from the same people everywhere.
"""

from typing import Any

from services.joborders.models import Candidate, JobOrder
from services.joborders.policy import access
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


def sees_contact_details(actor: Actor, order: JobOrder, candidate: Candidate) -> bool:
    """A candidate's phone and e-mail: only for those who may contact them on this order.

    The contact rule (`access.can_contact`: the finder's organisation first, the owner after
    a first contact) decides, on top of seeing the candidate at all; a person's contact
    details never reach staff who may not call them, nor search results.
    """
    return sees_candidate_details(actor, order, candidate) and access.can_contact(
        actor, order, candidate
    )


# Free text a log event carries about its candidate: contact and hire notes, archive and
# reversal reasons, and the structured reason for "not interested" or "not hired". They are
# hidden from exactly those the candidate list hides the candidate's notes from, so the log
# cannot tell an a-kasse what the list does not.
CANDIDATE_EVENT_PRIVATE_FIELDS = ("note", "reason", "reason_code")


def event_data_for(
    actor: Actor, order: JobOrder, candidate: Candidate | None, data: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """A log event's data as `actor` may see it, and whether the candidate's details show.

    Events about no candidate carry order facts only and are shown whole.
    """
    if candidate is None or sees_candidate_details(actor, order, candidate):
        return dict(data), True
    return {k: v for k, v in data.items() if k not in CANDIDATE_EVENT_PRIVATE_FIELDS}, False
