"""Note endpoints: free notes on an order and on a candidate on it."""

import uuid

from fastapi import APIRouter, status

from services.joborders.deps import IdempotencyKeyHeader
from services.joborders.notes import service as notes
from services.joborders.notes.models import OrderNote
from services.joborders.notes.schemas import NoteIn, NoteOut
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/orders/{order_id}", tags=["notes"], responses=PROBLEM_RESPONSES)


def _out(note: OrderNote) -> NoteOut:
    return NoteOut.model_validate(note, from_attributes=True)


@router.get("/notes", response_model=list[NoteOut])
def list_notes(
    order_id: uuid.UUID, actor: CurrentActor, session: SessionDep, order_only: bool = False
) -> list[NoteOut]:
    """The order's notes and the notes on the candidates whose details the caller sees."""
    rows = notes.list_notes(session, actor, order_id=order_id)
    return [_out(n) for n in rows if not (order_only and n.candidate_id)]


@router.post("/notes", status_code=status.HTTP_201_CREATED, response_model=NoteOut)
def add_order_note(
    order_id: uuid.UUID,
    body: NoteIn,
    actor: CurrentActor,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> NoteOut:
    """A note on the order, read by every organisation that sees the order."""
    note = notes.add_note(
        session, actor, order_id=order_id, text=body.text, idempotency_key=idempotency_key
    )
    return _out(note)


@router.get("/candidates/{candidate_id}/notes", response_model=list[NoteOut])
def list_candidate_notes(
    order_id: uuid.UUID, candidate_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[NoteOut]:
    """Notes on one candidate, for those who see the candidate's details."""
    rows = notes.list_notes(session, actor, order_id=order_id, candidate_id=candidate_id)
    return [_out(n) for n in rows]


@router.post(
    "/candidates/{candidate_id}/notes", status_code=status.HTTP_201_CREATED, response_model=NoteOut
)
def add_candidate_note(
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    body: NoteIn,
    actor: CurrentActor,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> NoteOut:
    """A note on a candidate, read by those who see the candidate's details."""
    note = notes.add_note(
        session,
        actor,
        order_id=order_id,
        candidate_id=candidate_id,
        text=body.text,
        idempotency_key=idempotency_key,
    )
    return _out(note)
