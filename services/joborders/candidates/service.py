"""Candidates on an order: proposed, contacted, referred, hired; never deleted."""

import json
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.joborders.candidates.reasons import NotHiredReason, NotInterestedReason
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.common import idempotency
from services.joborders.common.store import claim_version, get_order, get_order_for_update, hires
from services.joborders.common.workdays import local_date
from services.joborders.matching_port import get_client, order_query
from services.joborders.mediation_log.service import log_event
from services.joborders.models import (
    CLOSED_STATUSES,
    Candidate,
    CandidateStatus,
    ContactOutcome,
    EventType,
    JobOrder,
    OrderStatus,
)
from services.joborders.orders.schemas import hire_start_problems
from services.joborders.orders.service import set_status
from services.joborders.policy import access, disclosure
from services.joborders.webhooks import service as webhooks
from services.joborders.webhooks.models import WebhookEvent
from services.matching.contract import RankedPage, SearchFilters
from shared import audit
from shared.actor import Actor
from shared.audit import RefusedAsNotFound
from shared.db import utcnow
from shared.errors import (
    DuplicateCandidate,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
)


def _forbid(action: str, candidate: Candidate | JobOrder, detail: str) -> Forbidden:
    subject = "job_order_candidate" if isinstance(candidate, Candidate) else "job_order"
    return Forbidden(detail, action=action, subject_type=subject, subject_id=candidate.id)


def _locked(
    session: Session, actor: Actor, order_id: uuid.UUID, candidate_id: uuid.UUID, action: str
) -> tuple[JobOrder, Candidate]:
    order = get_order_for_update(session, order_id)
    access.require_visible(session, actor, order, action=action)
    candidate = session.scalar(
        select(Candidate)
        .where(Candidate.id == candidate_id)
        .execution_options(populate_existing=True)
    )
    if candidate is None or candidate.order_id != order.id:
        # A 404 whether the id is unknown or on another order, and audited like a 403:
        # guessing ids is how one would look for another organisation's candidates.
        raise RefusedAsNotFound(
            "No such candidate on this order",
            action="candidate.lookup",
            subject_type="job_order_candidate",
            subject_id=candidate_id,
        )
    return order, candidate


def _audit(session: Session, actor: Actor, action: str, candidate: Candidate) -> None:
    audit.record(
        session, actor, action, subject_type="job_order_candidate", subject_id=candidate.id
    )


def list_candidates(
    session: Session, actor: Actor, *, order_id: uuid.UUID, include_archived: bool = False
) -> tuple[JobOrder, list[Candidate]]:
    """The order's candidates in the order they were added."""
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="order.candidates")
    stmt = select(Candidate).where(Candidate.order_id == order.id)
    if not include_archived:
        stmt = stmt.where(Candidate.archived_at.is_(None))
    rows = list(session.scalars(stmt.order_by(Candidate.created_at, Candidate.id)))
    _audit_names_shown(session, actor, order, rows)
    return order, rows


def _audit_names_shown(
    session: Session, actor: Actor, order: JobOrder, rows: list[Candidate]
) -> None:
    """A list that shows CV holders' names is a read of their data: audit whose were shown.

    The API list and the order page both come through here; only candidates whose details
    the caller sees count, so the audit names the people it disclosed to them.
    """
    shown = [c.cv_id for c in rows if disclosure.sees_candidate_details(actor, order, c)]
    if not shown:
        return
    audit.record(
        session,
        actor,
        "order.candidates.view",
        subject_type="job_order",
        subject_id=order.id,
        detail=json.dumps({"cvs": [str(cv_id) for cv_id in shown]}),
    )


def _require_may_propose(session: Session, actor: Actor, order: JobOrder) -> None:
    access.require_visible(session, actor, order, action="candidate.add")
    if not access.can_propose(session, actor, order):
        raise _forbid(
            "candidate.add", order, "Only organisations working on the order propose candidates"
        )


def _require_in_process(order: JobOrder, what: str) -> None:
    # Searching and proposing only make sense while the employer still wants candidates;
    # the UI hides both elsewhere, and this holds for the API as well.
    if order.status is not OrderStatus.IN_PROCESS:
        raise InvalidState(
            f"{what} orders in process; this one is {order.status.value}",
            current_status=order.status.value,
        )


def rank_candidates(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    filters: SearchFilters | None = None,
    hard_requirements: bool = True,
    show_unmet: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> tuple[RankedPage, list[uuid.UUID]]:
    """Ranked CVs for the order from the matching service, and which are already on it."""
    order = get_order(session, order_id)
    _require_may_propose(session, actor, order)
    _require_in_process(order, "Candidates are searched for")
    query = order_query(order, hard_requirements=hard_requirements, show_unmet=show_unmet)
    page = get_client().rank_for_order(actor, query, filters, limit, offset, session=session)
    on_order = set(session.scalars(select(Candidate.cv_id).where(Candidate.order_id == order.id)))
    return page, [item.cv.id for item in page.items if item.cv.id in on_order]


def add_candidate(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    data: CandidateIn,
    idempotency_key: str | None = None,
) -> Candidate:
    """Put a CV on the order as found by the caller's organisation (one person once per order)."""
    payload = {"order_id": str(order_id), **data.model_dump(mode="json")}
    earlier = idempotency.lookup(
        session, actor, key=idempotency_key, operation="candidate.add", payload=payload
    )
    if earlier is not None:
        return _replayed(session, earlier)
    order = get_order(session, order_id)
    _require_may_propose(session, actor, order)
    _require_in_process(order, "Candidates are added to")
    # Visibility before the duplicate check: a 409 naming the candidate would otherwise tell
    # an a-kasse that another fund's member is on the order. In-process the client joins
    # this unit of work, so its audit row commits with the candidate.
    cv = get_client().get_cv_summary(actor, data.cv_id, session=session)
    if actor.is_akasse and cv.akasse_organisation_id != actor.organisation_id:
        raise _forbid("candidate.add", order, "An a-kasse proposes its own members only")
    duplicate = session.scalar(
        select(Candidate.id).where(Candidate.order_id == order.id, Candidate.cv_id == data.cv_id)
    )
    if duplicate is not None:
        raise DuplicateCandidate("This person is already on the order", candidate_id=str(duplicate))
    claim, earlier = idempotency.claim(
        session, actor, key=idempotency_key, operation="candidate.add", payload=payload
    )
    if earlier is not None:
        return _replayed(session, earlier)
    order = get_order_for_update(session, order_id)
    # Re-checked under the order's row lock, so of two racing proposals the second sees the first.
    if session.scalar(
        select(Candidate.id).where(Candidate.order_id == order.id, Candidate.cv_id == data.cv_id)
    ):
        raise DuplicateCandidate("This person is already on the order")
    candidate = Candidate(
        order_id=order.id,
        cv_id=cv.id,
        name=cv.name,
        headline=cv.headline or None,
        akasse_organisation_id=cv.akasse_organisation_id,
        unemployed=data.unemployed,
        source=data.source,
        found_by_organisation_id=actor.organisation_id,
        found_by_name=actor.organisation_name,
        status=CandidateStatus.PROPOSED,
        contact_note=data.note,
    )
    session.add(candidate)
    session.flush()
    log_event(
        session,
        order,
        actor,
        EventType.CANDIDATE_ADDED,
        candidate=candidate,
        data={"source": data.source.value, "found_by": actor.organisation_name},
    )
    _audit(session, actor, "candidate.add", candidate)
    claim.complete(candidate.id)
    return candidate


def _replayed(session: Session, candidate_id: uuid.UUID) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("No such candidate")
    return candidate


def record_contact(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    outcome: ContactOutcome,
    note: str | None = None,
    reason: NotInterestedReason | None = None,
) -> Candidate:
    """Record a contact with the candidate, by the contact rule of the agreement.

    `reason` says why a candidate is not interested (one of a closed list).
    """
    order, candidate = _locked(session, actor, order_id, candidate_id, "candidate.contact")
    if not access.can_contact(actor, order, candidate):
        raise _forbid(
            "candidate.contact",
            candidate,
            "The organisation that found the candidate contacts them first; after that "
            "the owner may contact them again",
        )
    if candidate.archived_at is not None or candidate.status not in (
        CandidateStatus.PROPOSED,
        CandidateStatus.CONTACTED,
    ):
        raise InvalidState(
            f"A candidate who is {_state(candidate)} is not contacted about this order",
            candidate_status=_state(candidate),
        )
    if order.status in CLOSED_STATUSES:
        raise InvalidState("The order is closed", current_status=order.status.value)
    if reason is not None and outcome is not ContactOutcome.NOT_INTERESTED:
        raise ValidationFailed("A reason is given only when the candidate is not interested")
    code = reason.value if reason is not None else None
    same = (
        candidate.contact_outcome is outcome
        and candidate.contact_reason == code
        and candidate.contact_note == note
        and candidate.contacted_by_organisation_id == actor.organisation_id
    )
    if same:
        return candidate  # a retried request: nothing new happened
    candidate.status = CandidateStatus.CONTACTED
    candidate.contact_outcome = outcome
    candidate.contact_reason = code
    candidate.contact_note = note
    candidate.contacted_at = utcnow()
    candidate.contacted_by_organisation_id = actor.organisation_id
    log_event(
        session,
        order,
        actor,
        EventType.CONTACTED,
        candidate=candidate,
        data={"outcome": outcome.value, "note": note, "reason_code": code},
    )
    _audit(session, actor, "candidate.contact", candidate)
    return candidate


def _state(candidate: Candidate) -> str:
    return "archived" if candidate.archived_at is not None else candidate.status.value


def refer_candidate(
    session: Session, actor: Actor, *, order_id: uuid.UUID, candidate_id: uuid.UUID
) -> Candidate:
    """The owner refers an interested candidate to the employer."""
    order, candidate = _locked(session, actor, order_id, candidate_id, "candidate.refer")
    access.require_owner(actor, order, action="candidate.refer", what="refer candidates")
    if candidate.status is CandidateStatus.REFERRED and candidate.archived_at is None:
        return candidate
    if candidate.archived_at is not None or candidate.contact_outcome is not (
        ContactOutcome.INTERESTED
    ):
        raise InvalidState(
            "Only a contacted candidate who is interested can be referred",
            candidate_status=_state(candidate),
        )
    if candidate.status is not CandidateStatus.CONTACTED:
        raise InvalidState(
            f"The candidate is already {candidate.status.value}", candidate_status=_state(candidate)
        )
    if order.status is not OrderStatus.IN_PROCESS:
        raise InvalidState(
            f"Referrals go out on orders in process; this one is {order.status.value}",
            current_status=order.status.value,
        )
    candidate.status = CandidateStatus.REFERRED
    candidate.referred_at = utcnow()
    log_event(session, order, actor, EventType.REFERRED, candidate=candidate)
    webhooks.emit(session, order, WebhookEvent.CANDIDATE_REFERRED, candidate=candidate)
    _audit(session, actor, "candidate.refer", candidate)
    return candidate


def record_outcome(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    hired: bool,
    start_date: date | None = None,
    note: str | None = None,
    reason: NotHiredReason | None = None,
) -> Candidate:
    """The owner records hired (with start date) or not hired; the last hire closes the order.

    A non-hire carries a reason from a closed list or a note saying why (`OutcomeIn`, which
    the API and the order page both validate with).
    """
    order, candidate = _locked(session, actor, order_id, candidate_id, "candidate.outcome")
    access.require_owner(actor, order, action="candidate.outcome", what="record hires")
    wanted = CandidateStatus.HIRED if hired else CandidateStatus.NOT_HIRED
    code = reason.value if reason is not None and not hired else None
    if (
        candidate.status is wanted
        and candidate.start_date == start_date
        and candidate.outcome_reason == code
    ):
        return candidate
    if candidate.archived_at is not None or candidate.status is not CandidateStatus.REFERRED:
        raise InvalidState(
            "An outcome is recorded for a referred candidate; reverse an earlier outcome first",
            candidate_status=_state(candidate),
        )
    if order.status in CLOSED_STATUSES or order.status is OrderStatus.DRAFT:
        raise InvalidState(f"The order is {order.status.value}", current_status=order.status.value)
    if hired and start_date is None:
        raise InvalidState("A hire needs a start date")
    if problems := hire_start_problems(
        local_date(order.received_at), start_date if hired else None
    ):
        raise ValidationFailed(problems[0]["msg"], errors=problems)
    candidate.status = wanted
    candidate.start_date = start_date if hired else None
    candidate.outcome_reason = code
    candidate.outcome_at = utcnow()
    data = {"start_date": start_date.isoformat() if start_date else None, "note": note}
    if code is not None:
        data["reason_code"] = code
    log_event(
        session,
        order,
        actor,
        EventType.HIRED if hired else EventType.NOT_HIRED,
        candidate=candidate,
        data=data,
    )
    _audit(session, actor, "candidate.hired" if hired else "candidate.not_hired", candidate)
    if hired:
        webhooks.emit(session, order, WebhookEvent.CANDIDATE_HIRED, candidate=candidate)
    session.flush()
    if hired and hires(session, order.id) >= order.positions:
        claim_version(session, order, None)
        set_status(session, actor, order, OrderStatus.CLOSED_FILLED, "Alle stillinger besat")
    return candidate


def reverse_outcome(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    reason: str,
) -> Candidate:
    """A wrong outcome is undone by a counter-event, never by deleting; a filled order re-opens."""
    order, candidate = _locked(session, actor, order_id, candidate_id, "candidate.reverse")
    access.require_owner(actor, order, action="candidate.reverse", what="reverse an outcome")
    if candidate.status not in (CandidateStatus.HIRED, CandidateStatus.NOT_HIRED):
        raise InvalidState(
            "Only a recorded hire or non-hire can be reversed", candidate_status=_state(candidate)
        )
    previous = candidate.status
    log_event(
        session,
        order,
        actor,
        EventType.OUTCOME_REVERSED,
        candidate=candidate,
        data={
            "reversed": previous.value,
            "start_date": candidate.start_date.isoformat() if candidate.start_date else None,
            "reason": reason,
        },
    )
    candidate.status = CandidateStatus.REFERRED
    candidate.start_date = None
    candidate.outcome_reason = None
    candidate.outcome_at = None
    _audit(session, actor, "candidate.reverse", candidate)
    session.flush()
    filled = order.status is OrderStatus.CLOSED_FILLED
    if previous is CandidateStatus.HIRED and filled and hires(session, order.id) < order.positions:
        claim_version(session, order, None)
        # The reason stays on the candidate's own event, where it is hidden from those who
        # may not see the candidate; the order-level event is shown to everyone on the order.
        set_status(session, actor, order, OrderStatus.IN_PROCESS, "Ansættelse tilbageført")
    return candidate


def archive_candidate(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    reason: str,
) -> Candidate:
    """Take a candidate off the order; the row and its history stay."""
    order, candidate = _locked(session, actor, order_id, candidate_id, "candidate.archive")
    if not access.can_archive(actor, order, candidate):
        raise _forbid(
            "candidate.archive",
            candidate,
            "Only the owner or the organisation that proposed the candidate removes them",
        )
    if candidate.archived_at is not None:
        return candidate
    if candidate.status is CandidateStatus.HIRED:
        raise InvalidState("Reverse the hire before removing the candidate")
    if not access.is_owner(actor, order) and candidate.status is CandidateStatus.REFERRED:
        raise InvalidState("A referred candidate is removed by the owner")
    candidate.archived_at = utcnow()
    candidate.archive_reason = reason
    log_event(
        session,
        order,
        actor,
        EventType.CANDIDATE_ARCHIVED,
        candidate=candidate,
        data={"reason": reason},
    )
    _audit(session, actor, "candidate.archive", candidate)
    return candidate
