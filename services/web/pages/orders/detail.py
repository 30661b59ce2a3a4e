"""The jobordre page: facts, the candidate pipeline with the allowed actions, the log."""

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.joborders.candidates import service as candidate_service
from services.joborders.candidates.contact_details import candidate_contact_details
from services.joborders.candidates.history import candidate_history
from services.joborders.candidates.reasons import NOT_HIRED_DA, NOT_INTERESTED_DA, reason_label
from services.joborders.candidates.views import candidate_out
from services.joborders.mediation_log.schemas import EventOut
from services.joborders.mediation_log.service import mediation_log
from services.joborders.models import Candidate
from services.joborders.notes.service import list_notes
from services.joborders.orders.deadlines import today
from services.joborders.orders.views import order_out
from services.joborders.ownership.service import eligible_owners
from services.joborders.policy.actions import allowed_actions
from services.joborders.policy.disclosure import sees_contact_details, sees_employer_contact
from services.joborders.sharing.service import list_shares, share_targets
from services.web import queries
from services.web.common import WebSession
from services.web.labels import CONTACT_OUTCOME_DA, STATUS_DA
from services.web.pages.orders.bulk import BULK_ACTIONS
from services.web.pages.orders.candidate_table import (
    OUTCOME_FILTERS,
    SORTS,
    STATUS_FILTERS,
    TableQuery,
    table_rows,
)
from services.web.templating import dato, render
from shared.auth import CurrentActor
from shared.geo import municipality_of
from shared.models import OrgKind

router = APIRouter(include_in_schema=False)


def _event_text(event: EventOut, candidate_names: dict[Any, str]) -> str:
    data = event.data or {}
    kind = event.type.value
    who = candidate_names.get(event.candidate_id, "")
    if kind == "status_changed":
        old, new = str(data.get("from", "")), str(data.get("to", ""))
        text = f"{STATUS_DA.get(old, old)} → {STATUS_DA.get(new, new)}"
        return text + (f" ({data['reason']})" if data.get("reason") else "")
    if kind == "owner_changed":
        to_name = str(data.get("to_name", ""))
        # Taking an order oneself needs no "til <own name>".
        text = "" if to_name == event.actor_name else f"til {to_name}"
        reason = f"»{data['reason']}«" if data.get("reason") else ""
        return ", ".join(p for p in (text, reason) if p)
    if kind == "forwarded":
        return str(data.get("reason") or "")
    if kind == "shared":
        return str(data.get("name") or "")
    if kind == "contacted":
        outcome = CONTACT_OUTCOME_DA.get(data.get("outcome", ""), "")
        why = reason_label(data.get("reason_code"))
        return " – ".join(p for p in (who, outcome, why, str(data.get("note") or "")) if p)
    if kind == "hired":
        start = data.get("start_date")
        # The name may be hidden from this reader: join only the parts there are.
        parts = [who, f"start {dato(date.fromisoformat(start))}" if start else ""]
        return ", ".join(p for p in parts if p)
    if kind == "not_hired":
        why = reason_label(data.get("reason_code"))
        return " – ".join(p for p in (who, why, str(data.get("note") or "")) if p)
    if kind in ("outcome_reversed", "candidate_archived"):
        return f"{who} – {data.get('reason', '')}".strip(" –")
    if kind in ("updated", "employer_contact_changed"):
        return f"{len(data.get('fields', []))} felter"
    return who


def _status_hint(order: Any, can: set[str]) -> str:
    """Why a closing status is missing from the list, so nobody hunts for it."""
    missing = []
    if "status:closed_expired" not in can and order.status.value not in ("closed_expired",):
        missing.append("»Lukket – frist udløbet« kan vælges, når formidlingsfristen er overskredet")
    if "status:closed_filled" not in can:
        missing.append("»Lukket – besat« kræver en kandidat registreret som ansat")
    return ". ".join(missing) + "." if missing else "Luk kun jobordren, når formidlingen er slut."


def _uuid_param(request: Request, name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(request.query_params.get(name, "")))
    except ValueError:
        return None


@router.get("/jobordrer/{order_id}")
def order_page(
    request: Request, order_id: uuid.UUID, session: WebSession, actor: CurrentActor
) -> Response:
    """Facts, the candidate table with the allowed actions, notes and the mediation log."""
    table = TableQuery.parse(request.query_params)
    order, candidates = candidate_service.list_candidates(
        session, actor, order_id=order_id, include_archived=table.include_archived
    )
    out = order_out(order, actor)
    can = set(allowed_actions(session, actor, order))
    all_rows = [candidate_out(session, actor, order, c) for c in candidates]
    names = queries.organisation_names(session)
    rows = table_rows(all_rows, table, names)
    candidate_names: dict[Any, str] = {
        r.id: r.name for r in all_rows if r.details_visible and r.name
    }
    events = [
        {
            "at": e.at,
            "type": e.type,
            "actor_name": e.actor_name,
            "organisation_id": e.organisation_id,
            "text": _event_text(e, candidate_names),
        }
        for e in mediation_log(session, actor, order_id=order_id)
    ]
    hint = _status_hint(order, can)
    if "search_candidates" in can:
        can.add("find")
    status_targets = sorted(a.split(":", 1)[1] for a in can if a.startswith("status:"))
    on = today()
    notes = list_notes(session, actor, order_id=order_id)
    return render(
        request,
        "orders/detail.html",
        actor,
        session=session,
        nav_active="orders",
        order=out,
        overdue=out.overdue,
        can=can,
        status_targets=status_targets,
        status_hint=hint,
        order_municipality=municipality_of(order.workplace_postal_code),
        can_order_forms=bool(
            status_targets or can & {"hand_over", "take_over", "forward", "share"}
        ),
        candidates=rows,
        candidate_total=sum(1 for r in all_rows if r.archived_at is None),
        table=table,
        STATUS_FILTERS=STATUS_FILTERS,
        OUTCOME_FILTERS=OUTCOME_FILTERS,
        SORTS=SORTS,
        BULK_ACTIONS=BULK_ACTIONS,
        NOT_INTERESTED_DA=NOT_INTERESTED_DA,
        NOT_HIRED_DA=NOT_HIRED_DA,
        reason_label=reason_label,
        # One token per note form, so the same form sent twice saves one note.
        new_token=lambda: uuid.uuid4().hex,
        contact_allowed=_contact_allowed(actor, order, candidates),
        bulk_rows={r.id for r in rows if {"archive", "contact"} & set(r.allowed_actions)},
        bulk_results=request.session.pop("samlet", None),
        order_notes=[n for n in notes if n.candidate_id is None],
        candidate_notes=_by_candidate(notes),
        open_card=_uuid_param(request, "kort"),
        shown_contact=_shown_contact(request, session, actor, order_id),
        shown_history=_shown_history(request, session, actor, order_id),
        hired_count=sum(1 for r in all_rows if r.status.value == "hired" and not r.archived_at),
        events=events,
        org_names=names,
        owner_name=out.owner_name,
        shares=[
            names.get(s.organisation_id, "") for s in list_shares(session, actor, order_id=order_id)
        ],
        show_contact=sees_employer_contact(actor, order),
        days_open=(on - order.received_at.date()).days,
        today=on.isoformat(),
        colleagues=eligible_owners(session, actor, order=order)
        if can & {"hand_over", "take_over"}
        else [],
        jobcentres=queries.organisations(session, OrgKind.JOBCENTRE) if "forward" in can else [],
        akasser=share_targets(session, actor, order_id=order_id) if "share" in can else [],
    )


def _contact_allowed(actor: Any, order: Any, candidates: list[Candidate]) -> set[uuid.UUID]:
    """Candidates whose phone and e-mail this reader may see (the contact rule)."""
    return {c.id for c in candidates if sees_contact_details(actor, order, c)}


def _by_candidate(notes: list[Any]) -> dict[uuid.UUID, list[Any]]:
    grouped: dict[uuid.UUID, list[Any]] = {}
    for note in notes:
        if note.candidate_id is not None:
            grouped.setdefault(note.candidate_id, []).append(note)
    return grouped


def _shown_contact(
    request: Request, session: WebSession, actor: Any, order_id: uuid.UUID
) -> tuple[uuid.UUID, Any] | None:
    """Contact details asked for without htmx (`?kontakt=<candidate>`); read and audited."""
    candidate_id = _uuid_param(request, "kontakt")
    if candidate_id is None:
        return None
    details = candidate_contact_details(
        session, actor, order_id=order_id, candidate_id=candidate_id
    )
    return candidate_id, details


def _shown_history(
    request: Request, session: WebSession, actor: Any, order_id: uuid.UUID
) -> tuple[uuid.UUID, Any] | None:
    """History asked for without htmx (`?historik=<candidate>`); read and audited."""
    candidate_id = _uuid_param(request, "historik")
    if candidate_id is None:
        return None
    return candidate_id, candidate_history(
        session, actor, order_id=order_id, candidate_id=candidate_id
    )
