"""Notes on an order and on a candidate on it: who may write and who may read them.

- A note on a candidate is read and written by exactly those who see the candidate's
  details (`policy/disclosure.py` `sees_candidate_details`), the rule that already hides
  contact notes: another a-kasse's member's notes never reach an a-kasse.
- A note on the order is read and written by every organisation that sees the order
  (`policy/access.py` `can_see`), a-kasser it is shared with included; the UI says so
  beside the form. What only the jobcentre may know belongs on the employer contact.

Notes are append-only; every read that shows candidate notes is audited.
"""

import json
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.joborders.common import idempotency
from services.joborders.common.store import get_order
from services.joborders.models import Candidate, IdempotencyKey, JobOrder
from services.joborders.notes.models import OrderNote
from services.joborders.policy import access, disclosure
from shared import audit
from shared.actor import Actor
from shared.audit import RefusedAsNotFound
from shared.errors import NotFound


def _candidate_on(session: Session, order: JobOrder, candidate_id: uuid.UUID) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or candidate.order_id != order.id:
        raise RefusedAsNotFound(
            "No such candidate on this order",
            action="candidate.lookup",
            subject_type="job_order_candidate",
            subject_id=candidate_id,
        )
    return candidate


def _require_sees(actor: Actor, order: JobOrder, candidate: Candidate, action: str) -> None:
    if not disclosure.sees_candidate_details(actor, order, candidate):
        # Answered as 404 like an unknown candidate: the refusal must not confirm who it is.
        raise RefusedAsNotFound(
            "No such candidate on this order",
            action=action,
            subject_type="job_order_candidate",
            subject_id=candidate.id,
        )


def add_note(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    text: str,
    candidate_id: uuid.UUID | None = None,
    idempotency_key: str | None = None,
) -> OrderNote:
    """Write a note on the order, or on one of its candidates, as the caller."""
    payload = {"order_id": str(order_id), "candidate_id": str(candidate_id), "text": text}
    earlier = idempotency.lookup(
        session, actor, key=idempotency_key, operation="note.add", payload=payload
    )
    if earlier is not None:
        return _replayed(session, earlier)
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="note.add")
    candidate = None
    if candidate_id is not None:
        candidate = _candidate_on(session, order, candidate_id)
        _require_sees(actor, order, candidate, "note.add")
    claim, earlier = idempotency.claim(
        session, actor, key=idempotency_key, operation="note.add", payload=payload
    )
    if earlier is not None:
        return _replayed(session, earlier)
    note = OrderNote(
        order_id=order.id,
        candidate_id=candidate.id if candidate else None,
        author_type=actor.kind,
        author_id=actor.id,
        author_name=actor.name,
        organisation_id=actor.organisation_id,
        text=text,
    )
    session.add(note)
    session.flush()
    subject = ("job_order_candidate", candidate.id) if candidate else ("job_order", order.id)
    audit.record(session, actor, "note.add", subject_type=subject[0], subject_id=subject[1])
    claim.complete(note.id)
    return note


def key_used(session: Session, actor: Actor, key: str) -> bool:
    """Whether the caller's organisation already used this Idempotency-Key (for anything)."""
    row = session.scalar(
        select(IdempotencyKey.id).where(
            IdempotencyKey.organisation_id == actor.organisation_id, IdempotencyKey.key == key
        )
    )
    return row is not None


def _replayed(session: Session, note_id: uuid.UUID) -> OrderNote:
    note = session.get(OrderNote, note_id)
    if note is None:
        raise NotFound("No such note")
    return note


def list_notes(
    session: Session,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID | None = None,
) -> list[OrderNote]:
    """The notes the caller may read, newest first.

    With `candidate_id`: that candidate's notes only (404 if the caller may not see them).
    Without: the order's own notes and the notes of every candidate whose details the
    caller sees.
    """
    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="note.list")
    stmt = select(OrderNote).where(OrderNote.order_id == order.id)
    if candidate_id is not None:
        candidate = _candidate_on(session, order, candidate_id)
        _require_sees(actor, order, candidate, "note.list")
        stmt = stmt.where(OrderNote.candidate_id == candidate.id)
    notes = list(session.scalars(stmt.order_by(OrderNote.created_at.desc(), OrderNote.id)))
    candidates = {
        c.id: c for c in session.scalars(select(Candidate).where(Candidate.order_id == order.id))
    }
    shown: list[OrderNote] = []
    for note in notes:
        if note.candidate_id is None:
            shown.append(note)
            continue
        if disclosure.sees_candidate_details(actor, order, candidates[note.candidate_id]):
            shown.append(note)
    about = sorted({str(n.candidate_id) for n in shown if n.candidate_id})
    if about:
        # Notes on candidates are personal data: audit whose were shown.
        audit.record(
            session,
            actor,
            "note.list",
            subject_type="job_order",
            subject_id=order.id,
            detail=json.dumps({"candidates": about}),
        )
    return shown
