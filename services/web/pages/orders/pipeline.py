"""The candidate pipeline on the jobordre page: contact, refer, outcome, reverse, archive."""

import uuid

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from services.joborders.candidates import service as candidate_service
from services.joborders.candidates.schemas import ContactIn, OutcomeIn, ReasonIn
from services.joborders.orders import service as order_service
from services.web.common import PostedForm, WebSession, flash_redirect, form_values
from services.web.forms import app_error_fields, blank_to_none, first_error
from services.web.labels import CONTACT_OUTCOME_DA
from shared.auth import CurrentActor
from shared.errors import ValidationFailed

router = APIRouter(include_in_schema=False)


def _card(candidate_id: uuid.UUID) -> str:
    return f"kandidat-{candidate_id}"


def _done(request: Request, order_id: uuid.UUID, candidate_id: uuid.UUID, text: str) -> Response:
    return flash_redirect(request, f"/jobordrer/{order_id}", text, at=_card(candidate_id))


def _refused_input(
    request: Request, order_id: uuid.UUID, candidate_id: uuid.UUID, what: str, message: str
) -> Response:
    # Shown on the candidate's card, where the user acted, and read out as an alert.
    return flash_redirect(
        request, f"/jobordrer/{order_id}", f"{what} {message}", "error", at=_card(candidate_id)
    )


def _confirmed(values: dict[str, str]) -> bool:
    """Outcome changes are hard to undo, so the form has a confirmation box."""
    return values.get("bekraeft") == "ja"


NOT_CONFIRMED = "Sæt kryds for at bekræfte."


@router.post("/jobordrer/{order_id}/kandidater/{candidate_id}/kontakt")
def record_contact(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """Record the outcome of contacting the candidate."""
    values = form_values(form)
    outcome = values.get("outcome", "")
    # The reason list sits beside the outcomes; it counts only for "ikke interesseret".
    reason = blank_to_none(values.get("aarsag")) if outcome == "not_interested" else None
    try:
        body = ContactIn.model_validate(
            {"outcome": outcome, "reason": reason, "note": blank_to_none(values.get("note"))}
        )
    except ValidationError as exc:
        message = first_error(exc)
        if any(e["loc"] == ("reason",) for e in exc.errors()):
            message = "Vælg en årsag fra listen."
        return _refused_input(request, order_id, candidate_id, "Kontakten er ikke gemt.", message)
    candidate_service.record_contact(
        session,
        actor,
        order_id=order_id,
        candidate_id=candidate_id,
        outcome=body.outcome,
        note=body.note,
        reason=body.reason,
    )
    outcome = CONTACT_OUTCOME_DA[body.outcome.value].lower()
    return _done(request, order_id, candidate_id, f"Kontakten er registreret: {outcome}.")


@router.post("/jobordrer/{order_id}/kandidater/{candidate_id}/henvis")
def refer(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
) -> Response:
    """The owner refers (henviser) the candidate to the employer."""
    c = candidate_service.refer_candidate(
        session, actor, order_id=order_id, candidate_id=candidate_id
    )
    return _done(request, order_id, candidate_id, f"{c.name} er henvist til virksomheden.")


@router.post("/jobordrer/{order_id}/kandidater/{candidate_id}/ansat")
def hired(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """The owner records that the employer hired the candidate."""
    values = form_values(form)
    what = "Ansættelsen er ikke registreret."
    try:
        body = OutcomeIn.model_validate(
            {"hired": True, "start_date": blank_to_none(values.get("start_date"))}
        )
    except ValidationError as exc:
        message = first_error(exc)
        if "start_date" not in str(exc) or "hire needs" in str(exc):
            message = "Skriv en startdato."
        return _refused_input(request, order_id, candidate_id, what, message)
    if not _confirmed(values):
        return _refused_input(request, order_id, candidate_id, what, NOT_CONFIRMED)
    try:
        c = candidate_service.record_outcome(
            session,
            actor,
            order_id=order_id,
            candidate_id=candidate_id,
            hired=True,
            start_date=body.start_date,
        )
    except ValidationFailed as exc:
        session.rollback()
        message = next(iter(app_error_fields(exc).values()), "Ugyldig dato.")
        return _refused_input(request, order_id, candidate_id, what, f"Startdato: {message}")
    order = order_service.read_order(session, actor, order_id=order_id)
    text = f"{c.name} er registreret som ansat."
    if order.status.value == "closed_filled":
        text += " Alle stillinger er besat, og jobordren er lukket som besat."
    return _done(request, order_id, candidate_id, text)


@router.post("/jobordrer/{order_id}/kandidater/{candidate_id}/ikke-ansat")
def not_hired(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """The owner records, with a reason and a confirmation, that the employer did not hire.

    The page asks for a reason from the closed list (the API also takes a free-text note
    alone, for case systems that have no list); the text field adds detail.
    """
    values = form_values(form)
    what = "»Ikke ansat« er ikke registreret."
    code = blank_to_none(values.get("aarsag"))
    if code is None:
        return _refused_input(
            request, order_id, candidate_id, what, "Vælg en begrundelse fra listen."
        )
    try:
        body = OutcomeIn.model_validate(
            {"hired": False, "reason": code, "note": blank_to_none(values.get("reason"))}
        )
    except ValidationError:
        return _refused_input(
            request, order_id, candidate_id, what, "Vælg en begrundelse fra listen."
        )
    if not _confirmed(values):
        return _refused_input(request, order_id, candidate_id, what, NOT_CONFIRMED)
    c = candidate_service.record_outcome(
        session,
        actor,
        order_id=order_id,
        candidate_id=candidate_id,
        hired=False,
        note=body.note,
        reason=body.reason,
    )
    return _done(request, order_id, candidate_id, f"{c.name} er registreret som ikke ansat.")


def _reason(values: dict[str, str]) -> ReasonIn:
    return ReasonIn.model_validate({"reason": values.get("reason", "")})


@router.post("/jobordrer/{order_id}/kandidater/{candidate_id}/tilbagefoer")
def reverse(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """Reverse a wrongly recorded outcome by a counter-event."""
    values = form_values(form)
    what = "Udfaldet er ikke tilbageført."
    try:
        body = _reason(values)
    except ValidationError as exc:
        return _refused_input(request, order_id, candidate_id, what, first_error(exc))
    if not _confirmed(values):
        return _refused_input(request, order_id, candidate_id, what, NOT_CONFIRMED)
    c = candidate_service.reverse_outcome(
        session, actor, order_id=order_id, candidate_id=candidate_id, reason=body.reason
    )
    return _done(request, order_id, candidate_id, f"Udfaldet for {c.name} er tilbageført.")


@router.post("/jobordrer/{order_id}/kandidater/{candidate_id}/arkiver")
def archive(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """Archive the candidate on this order (nothing is deleted)."""
    try:
        body = _reason(form_values(form))
    except ValidationError as exc:
        return _refused_input(
            request, order_id, candidate_id, "Kandidaten er ikke arkiveret.", first_error(exc)
        )
    candidate_service.archive_candidate(
        session, actor, order_id=order_id, candidate_id=candidate_id, reason=body.reason
    )
    return _done(request, order_id, candidate_id, "Kandidaten er arkiveret på jobordren.")
