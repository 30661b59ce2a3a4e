"""What an actor may do on an order and its candidates, so a UI shows only those actions."""

from sqlalchemy.orm import Session

from services.joborders.common.store import hires
from services.joborders.models import (
    CLOSED_STATUSES,
    Candidate,
    CandidateStatus,
    ContactOutcome,
    JobOrder,
    OrderStatus,
)
from services.joborders.orders.deadlines import today
from services.joborders.policy import access
from services.joborders.policy import status as status_policy
from shared.actor import Actor


def allowed_actions(session: Session, actor: Actor, order: JobOrder) -> list[str]:
    """Order actions the service would permit now (`status:<new>` per allowed transition)."""
    if not access.can_see(session, actor, order):
        return []
    actions = ["view"]
    is_open = order.status not in CLOSED_STATUSES
    owner = access.is_owner(actor, order)
    if is_open and access.can_edit_details(actor, order):
        actions.append("edit")
    if owner:
        actions.append("edit_employer_contact")
        targets = status_policy.manual_targets(order, hires=hires(session, order.id), on=today())
        actions.extend(f"status:{s.value}" for s in targets)
        actions.append("hand_over")
    if access.can_take_over(actor, order) and not owner:
        actions.append("take_over")
    if is_open and order.forwarded_at is None and access.can_forward(actor, order):
        actions.append("forward")
    if is_open and order.forward_taken_at is None and access.can_take_forwarded(actor, order):
        actions.append("take_forwarded")
    if is_open and access.can_share(actor, order):
        actions.append("share")
    if order.status is OrderStatus.IN_PROCESS and access.can_propose(session, actor, order):
        actions.extend(["search_candidates", "add_candidate"])
    return actions


def candidate_actions(actor: Actor, order: JobOrder, candidate: Candidate) -> list[str]:
    """Candidate actions the service would permit now."""
    if candidate.archived_at is not None:
        return []
    owner = access.is_owner(actor, order)
    actions: list[str] = []
    status = candidate.status
    contactable = status in (CandidateStatus.PROPOSED, CandidateStatus.CONTACTED)
    order_open = order.status not in CLOSED_STATUSES
    if contactable and order_open and access.can_contact(actor, order, candidate):
        actions.append("contact")
    interested = candidate.contact_outcome is ContactOutcome.INTERESTED
    in_process = order.status is OrderStatus.IN_PROCESS
    if owner and status is CandidateStatus.CONTACTED and interested and in_process:
        actions.append("refer")
    accepting = order.status in (OrderStatus.IN_PROCESS, OrderStatus.INACTIVATED)
    if owner and status is CandidateStatus.REFERRED and accepting:
        actions.append("record_outcome")
    if owner and status in (CandidateStatus.HIRED, CandidateStatus.NOT_HIRED):
        actions.append("reverse_outcome")
    removable = owner or status not in (CandidateStatus.HIRED, CandidateStatus.REFERRED)
    if (
        status is not CandidateStatus.HIRED
        and removable
        and access.can_archive(actor, order, candidate)
    ):
        actions.append("archive")
    return actions
