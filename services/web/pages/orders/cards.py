"""What a candidate's card loads on demand (htmx): contact details and history.

Both are reads of personal data and audited, so they are fetched only when asked for,
never with the page. Without htmx the same links open the order page with them shown.
"""

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.joborders.candidates.contact_details import candidate_contact_details
from services.joborders.candidates.history import candidate_history
from services.joborders.candidates.reasons import reason_label
from services.web.common import WebSession, redirect
from services.web.templating import render
from shared.auth import CurrentActor

router = APIRouter(include_in_schema=False)


def _on_page(order_id: uuid.UUID, candidate_id: uuid.UUID, what: str) -> str:
    """The order page with the candidate's card open and `what` shown in it."""
    return (
        f"/jobordrer/{order_id}?kort={candidate_id}&{what}={candidate_id}#kandidat-{candidate_id}"
    )


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


@router.get("/jobordrer/{order_id}/kandidater/{candidate_id}/kontaktoplysninger")
def contact_details(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
) -> Response:
    """Phone and e-mail from the CV, for those who may contact the candidate."""
    if not _htmx(request):
        return redirect(_on_page(order_id, candidate_id, "kontakt"))
    details = candidate_contact_details(
        session, actor, order_id=order_id, candidate_id=candidate_id
    )
    return render(request, "orders/_contact_details.html", actor, details=details, cid=candidate_id)


@router.get("/jobordrer/{order_id}/kandidater/{candidate_id}/historik")
def history(
    request: Request,
    order_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
) -> Response:
    """The candidate on the other orders the reader sees."""
    if not _htmx(request):
        return redirect(_on_page(order_id, candidate_id, "historik"))
    entries = candidate_history(session, actor, order_id=order_id, candidate_id=candidate_id)
    return render(
        request,
        "orders/_history.html",
        actor,
        entries=entries,
        cid=candidate_id,
        reason_label=reason_label,
    )
