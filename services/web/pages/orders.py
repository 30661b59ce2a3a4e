"""Mine jobordrer, opret/rediger jobordre and the jobordre page with its actions."""

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from services.joborders import actions as order_actions
from services.joborders import candidates as candidate_service
from services.joborders import forwarding, ownership
from services.joborders import orders as order_service
from services.joborders.models import Channel, OrderStatus
from services.joborders.orders import OrderFilter, today
from services.joborders.schemas import (
    EmployerContact,
    ForwardIn,
    OrderCreate,
    OrderUpdate,
    OwnerChangeIn,
    ShareIn,
    StatusChange,
    TakeForwardedIn,
)
from services.joborders.views import candidate_out, order_out
from services.web import queries
from services.web.common import (
    PAGE_SIZE,
    PostedForm,
    WebSession,
    first_error,
    flash,
    form_values,
    page_count,
    page_number,
    redirect,
)
from services.web.forms import app_error_fields, blank_to_none, field_errors, lines
from services.web.labels import CHANNEL_DA, CONTACT_OUTCOME_DA, STATUS_DA
from services.web.templating import dato, render
from shared.auth import CurrentActor
from shared.errors import ValidationFailed
from shared.models import OrgKind
from shared.settings import get_joborder_settings

router = APIRouter(include_in_schema=False)

LIST_FIELDS = ("skills", "certificates", "driving_licences", "languages", "education")
CONTACT_FIELDS = tuple(EmployerContact.model_fields)
DETAIL_FIELDS = tuple(f for f in OrderUpdate.model_fields if f != "version")


# --- Mine jobordrer -------------------------------------------------------------------


@router.get("/jobordrer")
def my_orders(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    status: Annotated[str, Query()] = "",
    overskredet: Annotated[str, Query()] = "",
    side: Annotated[str, Query()] = "1",
) -> Response:
    """The orders the user owns, overdue first; plus the inbox (jobcentre) or shares (a-kasse)."""
    page = page_number(side)
    if status == "alle":
        statuses: tuple[OrderStatus, ...] = ()
    elif status in STATUS_DA:
        statuses = (OrderStatus(status),)
    else:
        status = ""
        statuses = (OrderStatus.DRAFT, OrderStatus.IN_PROCESS, OrderStatus.INACTIVATED)
    overdue_only = overskredet == "1"
    own, total = order_service.list_orders(
        session,
        actor,
        filters=OrderFilter(
            view="mine", statuses=statuses, overdue=True if overdue_only else None, sort="overdue"
        ),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    inbox: list[dict[str, Any]] | None = None
    inbox_title = inbox_empty = ""
    names = queries.organisation_names(session)
    on = today()
    if actor.is_jobcentre:
        forwarded, _ = order_service.list_orders(
            session, actor, filters=OrderFilter(view="inbox", sort="received"), limit=100
        )
        inbox = [
            {
                "order": o,
                "from_name": names.get(o.origin_organisation_id, ""),
                "at": o.forwarded_at,
                "overdue": order_service.is_overdue(o, on),
                "can_take": "take_forwarded" in order_actions.allowed_actions(session, actor, o),
            }
            for o in forwarded
        ]
        inbox_title = "Indbakke: jobordrer videreformidlet fra a-kasser"
        inbox_empty = "Ingen videreformidlede jobordrer venter."
    elif actor.is_akasse:
        shared, _ = order_service.list_orders(
            session,
            actor,
            filters=OrderFilter(
                view="shared",
                statuses=(OrderStatus.IN_PROCESS, OrderStatus.INACTIVATED),
                sort="-received",
            ),
            limit=100,
        )
        inbox = [
            {
                "order": o,
                "from_name": names.get(o.coordinator_organisation_id, ""),
                "at": o.received_at,
                "overdue": False,
                "can_take": False,
            }
            for o in shared
        ]
        inbox_title = "Jobordrer delt med jeres a-kasse"
        inbox_empty = "Ingen jobordrer er delt med jer lige nu."
    counts = queries.candidate_counts(session, [o.id for o in own])
    rows = []
    for o in own:
        c = counts.get(o.id, queries.CandidateCounts())
        rows.append(
            {
                "order": o,
                "overdue": order_service.is_overdue(o, on),
                "days": (on - o.received_at.date()).days,
                "candidates": c.candidates,
                "referred": c.referred,
                "hired": c.hired,
            }
        )
    return render(
        request,
        "orders/list.html",
        actor,
        session=session,
        nav_active="orders",
        orders=rows,
        total=total,
        page=page,
        pages=page_count(total),
        status=status,
        overdue_only=overdue_only,
        inbox=inbox,
        inbox_title=inbox_title,
        inbox_empty=inbox_empty,
    )


# --- Opret / rediger --------------------------------------------------------------------


def _channel_options() -> list[tuple[str, str]]:
    return [(c.value, CHANNEL_DA[c.value]) for c in Channel]


def _form_page(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    order_id: uuid.UUID | None = None,
    contact_editable: bool = True,
) -> Response:
    days = get_joborder_settings().default_processing_working_days
    return render(
        request,
        "orders/form.html",
        actor,
        status_code=422 if errors else 200,
        session=session,
        nav_active="create" if order_id is None else "orders",
        values=values,
        errors=errors,
        order_id=order_id,
        action=f"/jobordrer/{order_id}/rediger" if order_id else "/jobordrer/ny",
        cancel_url=f"/jobordrer/{order_id}" if order_id else "/jobordrer",
        channel_options=_channel_options(),
        processing_hint=f"Tom: hurtigst muligt, dvs. {days} arbejdsdage fra modtagelsen",
        contact_editable=contact_editable,
    )


def _parsed(values: dict[str, str], fields: tuple[str, ...]) -> dict[str, Any]:
    """Form strings as the schema's input: lists split, blanks left out or None."""
    data: dict[str, Any] = {}
    for name in fields:
        raw = values.get(name)
        if name in LIST_FIELDS:
            data[name] = lines(raw)
        else:
            data[name] = blank_to_none(raw)
    return data


def _missing_required(values: dict[str, str]) -> dict[str, str]:
    # Blank required numbers would otherwise silently take the schema's default.
    return {"positions": "Skal udfyldes."} if not (values.get("positions") or "").strip() else {}


@router.get("/jobordrer/ny")
def new_order_form(request: Request, session: WebSession, actor: CurrentActor) -> Response:
    """An empty order form."""
    return _form_page(
        request, session, actor, values={"positions": "1", "channel": "phone"}, errors={}
    )


@router.post("/jobordrer/ny")
def create_order(
    request: Request, session: WebSession, actor: CurrentActor, form: PostedForm
) -> Response:
    """Create the order, or show the form again with the user's input and Danish messages."""
    values = form_values(form)
    data = _parsed(values, CONTACT_FIELDS + DETAIL_FIELDS)
    data["channel"] = values.get("channel") or "phone"
    errors = _missing_required(values)
    try:
        body = OrderCreate.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        errors = {**field_errors(exc), **errors}
    if errors:
        return _form_page(request, session, actor, values=values, errors=errors)
    try:
        order = order_service.create_order(session, actor, data=body)
    except ValidationFailed as exc:
        session.rollback()
        errors = app_error_fields(exc) or {"__all__": exc.detail}
        return _form_page(request, session, actor, values=values, errors=errors)
    flash(request, f"Jobordren »{order.title}« er oprettet. Du er formidlingsansvarlig.")
    return redirect(f"/jobordrer/{order.id}")


def _order_values(order: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in (*CONTACT_FIELDS, *DETAIL_FIELDS, "channel", "version"):
        value = getattr(order, name, None)
        if value is None:
            values[name] = ""
            continue
        if name in LIST_FIELDS:
            value = "\n".join(value or [])
        elif hasattr(value, "value"):
            value = value.value
        elif isinstance(value, date):
            value = value.isoformat()
        values[name] = value
    # Short lists read better on one line in a single input.
    values["driving_licences"] = ", ".join(order.driving_licences or [])
    values["languages"] = ", ".join(order.languages or [])
    return values


@router.get("/jobordrer/{order_id}/rediger")
def edit_order_form(
    request: Request, order_id: uuid.UUID, session: WebSession, actor: CurrentActor
) -> Response:
    """The order form filled in with the order."""
    order = order_service.read_order(session, actor, order_id=order_id)
    allowed = order_actions.allowed_actions(session, actor, order)
    if "edit" not in allowed:
        flash(request, "Du kan ikke rette denne jobordre.", "error")
        return redirect(f"/jobordrer/{order_id}")
    return _form_page(
        request,
        session,
        actor,
        values=_order_values(order),
        errors={},
        order_id=order_id,
        contact_editable="edit_employer_contact" in allowed,
    )


@router.post("/jobordrer/{order_id}/rediger")
def edit_order(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """Save the details (coordinator) and the employer contact (owner only)."""
    values = form_values(form)
    order = order_service.read_order(session, actor, order_id=order_id)
    contact_editable = "edit_employer_contact" in order_actions.allowed_actions(
        session, actor, order
    )
    details = _parsed(values, DETAIL_FIELDS)
    if details.get("processing_deadline") is None:
        details.pop("processing_deadline")
    errors = _missing_required(values)
    changes = contact = None
    try:
        changes = OrderUpdate.model_validate(details)
    except ValidationError as exc:
        errors = {**field_errors(exc), **errors}
    if contact_editable:
        try:
            contact = EmployerContact.model_validate(_parsed(values, CONTACT_FIELDS))
        except ValidationError as exc:
            errors = {**field_errors(exc), **errors}
    else:
        values.update({k: _order_values(order)[k] for k in CONTACT_FIELDS})
    version = blank_to_none(values.get("version"))
    if errors or changes is None:
        return _form_page(
            request,
            session,
            actor,
            values=values,
            errors=errors,
            order_id=order_id,
            contact_editable=contact_editable,
        )
    try:
        order_service.update_order(
            session,
            actor,
            order_id=order_id,
            changes=changes,
            expected_version=int(version) if version and version.isdigit() else None,
        )
        if contact is not None:
            order_service.change_employer_contact(
                session, actor, order_id=order_id, contact=contact, expected_version=None
            )
    except ValidationFailed as exc:
        session.rollback()
        errors = app_error_fields(exc) or {"__all__": exc.detail}
        return _form_page(
            request,
            session,
            actor,
            values=values,
            errors=errors,
            order_id=order_id,
            contact_editable=contact_editable,
        )
    flash(request, "Ændringerne er gemt.")
    return redirect(f"/jobordrer/{order_id}")


# --- Jobordre ---------------------------------------------------------------------------


def _event_text(event: Any, names: dict[uuid.UUID, str], candidate_names: dict[Any, str]) -> str:
    data = event.data or {}
    kind = event.type.value
    who = candidate_names.get(event.candidate_id, "")
    if kind == "status_changed":
        old, new = str(data.get("from", "")), str(data.get("to", ""))
        text = f"{STATUS_DA.get(old, old)} → {STATUS_DA.get(new, new)}"
        return text + (f" ({data['reason']})" if data.get("reason") else "")
    if kind == "owner_changed":
        return f"til {data.get('to_name', '')}" + (
            f" – {data['reason']}" if data.get("reason") else ""
        )
    if kind == "forwarded":
        return str(data.get("reason") or "")
    if kind == "shared":
        return str(data.get("name") or "")
    if kind == "contacted":
        return f"{who} – {CONTACT_OUTCOME_DA.get(data.get('outcome', ''), '')}".strip(" –")
    if kind == "hired":
        start = data.get("start_date")
        return f"{who}" + (f", start {dato(date.fromisoformat(start))}" if start else "")
    if kind in ("outcome_reversed", "candidate_archived"):
        return f"{who} – {data.get('reason', '')}".strip(" –")
    if kind in ("updated", "employer_contact_changed"):
        return f"{len(data.get('fields', []))} felter"
    return who


@router.get("/jobordrer/{order_id}")
def order_page(
    request: Request, order_id: uuid.UUID, session: WebSession, actor: CurrentActor
) -> Response:
    """Facts, candidate pipeline with the allowed actions, and the mediation log."""
    order, candidates = candidate_service.list_candidates(session, actor, order_id=order_id)
    out = order_out(order, actor)
    allowed = set(order_actions.allowed_actions(session, actor, order))
    rows = [candidate_out(session, actor, order, c) for c in candidates]
    names = queries.organisation_names(session)
    candidate_names: dict[Any, str] = {r.id: r.name for r in rows if r.details_visible and r.name}
    events = [
        {
            "at": e.at,
            "type": e.type,
            "actor_name": e.actor_name,
            "organisation_id": e.organisation_id,
            "text": _event_text(e, names, candidate_names),
        }
        for e in order_service.mediation_log(session, actor, order_id=order_id)
    ]
    shares = [names.get(s.organisation_id, "") for s in _shares(session, actor, order_id)]
    can = set(allowed)
    if "search_candidates" in allowed:
        can.add("find")
    status_targets = sorted(a.split(":", 1)[1] for a in allowed if a.startswith("status:"))
    already_shared = {s.organisation_id for s in _shares(session, actor, order_id)}
    on = today()
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
        can_order_forms=bool(
            status_targets or can & {"hand_over", "take_over", "forward", "share"}
        ),
        candidates=rows,
        hired_count=sum(1 for r in rows if r.status.value == "hired"),
        events=events,
        org_names=names,
        owner_name=out.owner_name,
        shares=shares,
        show_contact=actor.organisation_id
        in (order.coordinator_organisation_id, order.owner_organisation_id),
        days_open=(on - order.received_at.date()).days,
        today=on.isoformat(),
        colleagues=queries.colleagues(
            session, order.coordinator_organisation_id, order.owner_user_id
        )
        if can & {"hand_over", "take_over"}
        else [],
        jobcentres=queries.organisations(session, OrgKind.JOBCENTRE) if "forward" in can else [],
        akasser=[
            o for o in queries.organisations(session, OrgKind.AKASSE) if o.id not in already_shared
        ]
        if "share" in can
        else [],
    )


def _shares(session: WebSession, actor: CurrentActor, order_id: uuid.UUID) -> list[Any]:
    return forwarding.list_shares(session, actor, order_id=order_id)


def _version(values: dict[str, str]) -> int | None:
    raw = (values.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


@router.post("/jobordrer/{order_id}/tag-ejerskab")
def take_forwarded(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """A jobcentre mediator takes ownership of an order forwarded by an a-kasse."""
    body = TakeForwardedIn()
    forwarding.take_forwarded_order(
        session,
        actor,
        order_id=order_id,
        reason=body.reason,
        expected_version=_version(form_values(form)),
    )
    flash(request, "Du er nu formidlingsansvarlig, og jobcentret er tovholder.")
    return redirect(f"/jobordrer/{order_id}")


@router.post("/jobordrer/{order_id}/ejer")
def change_owner(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """Hand over (owner) or take over (administrator) the mediation ownership."""
    values = form_values(form)
    try:
        body = OwnerChangeIn.model_validate(
            {
                "new_owner_id": blank_to_none(values.get("user_id")),
                "reason": values.get("reason", ""),
                "version": _version(values),
            }
        )
    except ValidationError as exc:
        flash(request, f"Ejerskabet er ikke ændret. {first_error(exc)}", "error")
        return redirect(f"/jobordrer/{order_id}")
    order = ownership.change_owner(
        session,
        actor,
        order_id=order_id,
        reason=body.reason,
        expected_version=body.version,
        new_owner_id=body.new_owner_id,
    )
    flash(request, f"{order.owner.name} er nu formidlingsansvarlig.")
    return redirect(f"/jobordrer/{order_id}")


@router.post("/jobordrer/{order_id}/videreformidl")
def forward(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """An a-kasse forwards the order to a jobcentre via JobAG."""
    values = form_values(form)
    try:
        body = ForwardIn.model_validate(
            {
                "reason": values.get("reason", ""),
                "jobcentre_id": blank_to_none(values.get("jobcentre_id")),
            }
        )
    except ValidationError as exc:
        flash(request, f"Jobordren er ikke videreformidlet. {first_error(exc)}", "error")
        return redirect(f"/jobordrer/{order_id}")
    forwarding.forward_order(
        session, actor, order_id=order_id, reason=body.reason, jobcentre_id=body.jobcentre_id
    )
    flash(request, "Jobordren er videreformidlet til jobcentret via JobAG.")
    return redirect(f"/jobordrer/{order_id}")


@router.post("/jobordrer/{order_id}/del")
def share(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """The jobcentre shares the order with an a-kasse."""
    try:
        body = ShareIn.model_validate(
            {"organisation_ids": [v for v in form.getlist("organisation_id") if v]}
        )
    except ValidationError as exc:
        flash(request, f"Jobordren er ikke delt. {first_error(exc)}", "error")
        return redirect(f"/jobordrer/{order_id}")
    forwarding.share_order(
        session, actor, order_id=order_id, organisation_ids=body.organisation_ids
    )
    flash(request, "Jobordren er delt, så a-kasserne kan foreslå deres medlemmer.")
    return redirect(f"/jobordrer/{order_id}")


@router.post("/jobordrer/{order_id}/status")
def change_status(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """The owner changes the order's status."""
    values = form_values(form)
    try:
        body = StatusChange.model_validate(
            {
                "status": values.get("status", ""),
                "reason": blank_to_none(values.get("reason")),
                "version": _version(values),
            }
        )
    except ValidationError as exc:
        flash(request, f"Status er ikke ændret. {first_error(exc)}", "error")
        return redirect(f"/jobordrer/{order_id}")
    order_service.change_status(
        session,
        actor,
        order_id=order_id,
        status=body.status,
        reason=body.reason,
        expected_version=body.version,
    )
    flash(request, f"Status er nu »{STATUS_DA[body.status.value]}«.")
    return redirect(f"/jobordrer/{order_id}")
