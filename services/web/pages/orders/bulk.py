"""Bulk actions on the candidate table: N single actions, each checked, each with a result.

Nothing here decides who may do what: each chosen candidate is checked against the actions
the rules offer the user for that candidate (`policy/actions.py`), refusals are audited
like any refused request, and the allowed ones go through the same service function as
the single action on the card. The page then lists the result per candidate.
"""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from services.joborders.candidates import service as candidate_service
from services.joborders.candidates.schemas import ContactIn, ReasonIn
from services.joborders.common.store import get_order
from services.joborders.models import CLOSED_STATUSES, Candidate, CandidateStatus, ContactOutcome
from services.joborders.policy import access
from services.joborders.policy.actions import candidate_actions
from services.joborders.policy.disclosure import sees_candidate_details
from services.web import queries
from services.web.common import PostedForm, WebSession, flash_redirect, form_values
from services.web.labels import CANDIDATE_STATUS_DA, CONTACT_OUTCOME_DA
from shared import audit
from shared.actor import Actor
from shared.auth import CurrentActor
from shared.models import Outcome

router = APIRouter(include_in_schema=False)

# The bulk choices: (the action the rules must offer, what the service is asked to do).
BULK_ACTIONS: dict[str, str] = {
    "archive": "Arkivér",
    "contact:unreachable": "Registrér kontakt: forsøgt kontaktet – ikke truffet",
    "contact:interested": "Registrér kontakt: interesseret",
    "contact:not_interested": "Registrér kontakt: ikke interesseret",
}
MAX_ROWS = 200


def _why_not(actor: Actor, order: Any, c: Candidate, action: str, names: dict[Any, str]) -> str:
    """Why the rules do not offer `action` for this candidate, in a mediator's words."""
    if c.archived_at is not None:
        return "er allerede arkiveret."
    status = CANDIDATE_STATUS_DA.get(c.status.value, c.status.value).lower()
    if action == "contact":
        if order.status in CLOSED_STATUSES:
            return "jobordren er lukket."
        if c.status not in (CandidateStatus.PROPOSED, CandidateStatus.CONTACTED):
            return f"er {status}; kontakt registreres ikke længere."
        finder = names.get(c.found_by_organisation_id, c.found_by_name)
        return f"er fundet af {finder}, som kontakter kandidaten først."
    if c.status is CandidateStatus.HIRED:
        return "er ansat; tilbagefør ansættelsen først."
    if c.status is CandidateStatus.REFERRED and not access.is_owner(actor, order):
        return "er henvist; kun den formidlingsansvarlige kan arkivere."
    return "kun den formidlingsansvarlige eller den, der foreslog kandidaten, kan arkivere."


def _label(actor: Actor, order: Any, c: Candidate, names: dict[Any, str]) -> str:
    if sees_candidate_details(actor, order, c):
        return c.name
    return f"Kandidat foreslået af {names.get(c.found_by_organisation_id, c.found_by_name)}"


def _ids(values: list[str]) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    for v in values[:MAX_ROWS]:
        try:
            ids.append(uuid.UUID(v))
        except ValueError:
            continue
    return list(dict.fromkeys(ids))


def _back(order_id: uuid.UUID, values: dict[str, str]) -> str:
    """Back to the table as it was filtered and sorted."""
    kept = {k: values[k] for k in ("status", "udfald", "sorter") if values.get(k)}
    query = "&".join(f"{k}={v}" for k, v in kept.items())
    return f"/jobordrer/{order_id}" + (f"?{query}" if query else "")


@router.post("/jobordrer/{order_id}/kandidater/samlet")
def bulk_action(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """Archive several candidates, or record the same contact for several."""
    values = form_values(form)
    back = _back(order_id, values)

    def refused(message: str) -> Response:
        return flash_redirect(request, back, message, "error", at="samlet")

    order = get_order(session, order_id)
    access.require_visible(session, actor, order, action="candidate.bulk")
    choice = values.get("handling", "")
    ids = _ids([v for v in form.getlist("kandidat") if isinstance(v, str)])
    if not ids:
        return refused("Intet er udført. Sæt kryds ved mindst én kandidat i tabellen.")
    if choice not in BULK_ACTIONS:
        return refused("Intet er udført. Vælg, hvad der skal ske med de valgte kandidater.")
    action, _, outcome = choice.partition(":")
    reason: ReasonIn | None = None
    contact: ContactIn | None = None
    try:
        if action == "archive":
            reason = ReasonIn.model_validate({"reason": values.get("reason", "")})
        else:
            code = values.get("aarsag") or None
            contact = ContactIn.model_validate(
                {
                    "outcome": outcome,
                    "reason": code if outcome == ContactOutcome.NOT_INTERESTED else None,
                }
            )
    except ValidationError:
        if action == "archive":
            return refused("Intet er udført. Skriv en begrundelse for at arkivere.")
        return refused("Intet er udført. Vælg en årsag fra listen.")
    if values.get("bekraeft") != "ja":
        return refused("Intet er udført. Sæt kryds for at bekræfte handlingen.")

    names = queries.organisation_names(session)
    results: list[list[Any]] = []
    for candidate_id in ids:
        c = session.get(Candidate, candidate_id)
        if c is None or c.order_id != order.id:
            results.append(["Ukendt kandidat", False, "findes ikke på jobordren."])
            continue
        label = _label(actor, order, c, names)
        if action not in candidate_actions(actor, order, c):
            why = _why_not(actor, order, c, action, names)
            # In the request's own transaction: it commits with the rows that were done.
            audit.record(
                session,
                actor,
                f"candidate.bulk.{action}",
                outcome=Outcome.DENY,
                subject_type="job_order_candidate",
                subject_id=c.id,
                detail=why,
            )
            results.append([label, False, why])
            continue
        if reason is not None:
            candidate_service.archive_candidate(
                session, actor, order_id=order.id, candidate_id=c.id, reason=reason.reason
            )
            results.append([label, True, "er arkiveret."])
        elif contact is not None:
            candidate_service.record_contact(
                session,
                actor,
                order_id=order.id,
                candidate_id=c.id,
                outcome=contact.outcome,
                reason=contact.reason,
            )
            said = CONTACT_OUTCOME_DA[contact.outcome.value].lower()
            results.append([label, True, f"kontakt registreret: {said}."])
    done = sum(1 for r in results if r[1])
    request.session["samlet"] = results
    summary = f"{done} af {len(results)} valgte kandidater er behandlet."
    if done < len(results):
        summary += " Se hvorfor ved hver kandidat nedenfor."
    kind = "ok" if done == len(results) else "error"
    return flash_redirect(request, back, summary, kind, at="samlet")
