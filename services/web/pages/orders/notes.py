"""Note forms on the jobordre page: a note on the order, a note on one candidate."""

import uuid

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from services.joborders.notes import service as notes
from services.joborders.notes.schemas import NoteIn
from services.web.common import PostedForm, WebSession, flash_redirect, form_values
from shared.actor import Actor
from shared.auth import CurrentActor
from shared.errors import IdempotencyKeyReused

router = APIRouter(include_in_schema=False)

ALREADY = "Noten var allerede gemt; den er ikke gemt to gange."


def _save(
    session: WebSession,
    actor: Actor,
    values: dict[str, str],
    *,
    order_id: uuid.UUID,
    text: str,
    candidate_id: uuid.UUID | None = None,
) -> bool:
    """Save the note once per form: the same form sent again (back button) is one note.

    Returns False when this form's note was already saved. A form sent again with other
    text (edited after going back) is a new note.
    """
    token = (values.get("form_token") or "").strip()
    key = f"web-note:{token}" if token.isalnum() and len(token) <= 64 else None
    again = key is not None and notes.key_used(session, actor, key)
    try:
        notes.add_note(
            session,
            actor,
            order_id=order_id,
            candidate_id=candidate_id,
            text=text,
            idempotency_key=key,
        )
    except IdempotencyKeyReused:
        notes.add_note(session, actor, order_id=order_id, candidate_id=candidate_id, text=text)
        return True
    return not again


def _text(values: dict[str, str]) -> NoteIn | str:
    """The note, or the Danish reason it cannot be saved."""
    try:
        return NoteIn.model_validate({"text": values.get("text", "")})
    except ValidationError as exc:
        if any(e["type"] == "string_too_long" for e in exc.errors()):
            return "Noten er for lang (højst 4000 tegn)."
        return "Skriv noten, før du gemmer."


@router.post("/jobordrer/{order_id}/noter")
def add_order_note(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """A note on the order, for everyone who sees the order."""
    back = f"/jobordrer/{order_id}"
    body = _text(form_values(form))
    if isinstance(body, str):
        return flash_redirect(request, back, f"Noten er ikke gemt. {body}", "error", at="noter")
    values = form_values(form)
    if not _save(session, actor, values, order_id=order_id, text=body.text):
        return flash_redirect(request, back, ALREADY, at="noter")
    return flash_redirect(request, back, "Noten er gemt på jobordren.", at="noter")


@router.post("/jobordrer/{order_id}/kandidater/{candidate_id}/noter")
def add_candidate_note(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """A note on a candidate, for those who see the candidate's details."""
    back = f"/jobordrer/{order_id}?kort={candidate_id}"
    at = f"kandidat-{candidate_id}"
    body = _text(form_values(form))
    if isinstance(body, str):
        return flash_redirect(request, back, f"Noten er ikke gemt. {body}", "error", at=at)
    values = form_values(form)
    saved = _save(
        session, actor, values, order_id=order_id, candidate_id=candidate_id, text=body.text
    )
    if not saved:
        return flash_redirect(request, back, ALREADY, at=at)
    return flash_redirect(request, back, "Noten om kandidaten er gemt.", at=at)
