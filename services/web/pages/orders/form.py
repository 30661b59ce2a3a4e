"""Opret jobordre and rediger jobordre: one form, Danish messages next to each field."""

import uuid
from datetime import date
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from services.joborders.models import Channel, JobOrder
from services.joborders.orders import service as order_service
from services.joborders.orders.schemas import EmployerContact, OrderCreate, OrderUpdate
from services.joborders.policy.actions import allowed_actions
from services.web.common import PostedForm, WebSession, flash, form_values, redirect
from services.web.forms import app_error_fields, blank_to_none, field_errors, lines
from services.web.labels import CHANNEL_DA
from services.web.templating import render
from shared.actor import Actor
from shared.auth import CurrentActor
from shared.errors import ValidationFailed
from shared.settings import get_joborder_settings

router = APIRouter(include_in_schema=False)

LIST_FIELDS = ("skills", "certificates", "driving_licences", "languages", "education")
CONTACT_FIELDS = tuple(EmployerContact.model_fields)
DETAIL_FIELDS = tuple(f for f in OrderUpdate.model_fields if f != "version")

M = TypeVar("M", bound=BaseModel)


def _channel_options() -> list[tuple[str, str]]:
    return [(c.value, CHANNEL_DA[c.value]) for c in Channel]


def _form_page(
    request: Request,
    session: WebSession,
    actor: Actor,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    order_id: uuid.UUID | None = None,
    contact_editable: bool = True,
) -> Response:
    days = get_joborder_settings().default_processing_working_days
    if "occupation_uri" in errors:
        errors["occupation_label"] = "Vælg en stilling fra forslagene (dansk ESCO-betegnelse)."
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


def _occupation_uri(label: str | None) -> str | None:
    """The ESCO URI of the Danish preferred label the mediator picked (None if blank).

    An unknown label is passed on as is, so the schema refuses it next to the field.
    """
    from services.matching.occupations.normalize import occupations

    label = (label or "").strip()
    if not label:
        return None
    by_label = {o.preferred_label.casefold(): o.uri for o in occupations()}
    return by_label.get(label.casefold(), label)


def _occupation_label(uri: str | None) -> str:
    from services.matching.occupations.normalize import occupation_by_uri

    occ = occupation_by_uri(uri) if uri else None
    return occ.preferred_label if occ else ""


@router.get("/jobordrer/stillinger")
def occupation_options(
    request: Request, actor: CurrentActor, occupation_label: str = ""
) -> Response:
    """Danish ESCO occupations for what the mediator typed, as <option>s for the form."""
    from services.matching.occupations.service import normalize_title

    text = occupation_label.strip()[:200]
    matches = normalize_title(text, k=8) if len(text) >= 2 else []
    return render(request, "orders/_occupation_options.html", actor, matches=matches)


def _parsed(values: dict[str, str], fields: tuple[str, ...]) -> dict[str, Any]:
    """Form strings as the schema's input: lists split, blanks left out or None."""
    data: dict[str, Any] = {}
    for name in fields:
        raw = values.get(name)
        if name == "occupation_uri":
            # The form shows and posts the Danish label, never the URI.
            data[name] = _occupation_uri(values.get("occupation_label"))
        elif name in LIST_FIELDS:
            data[name] = lines(raw)
        else:
            data[name] = blank_to_none(raw)
    return data


def _missing_required(values: dict[str, str]) -> dict[str, str]:
    # Blank required numbers would otherwise silently take the schema's default.
    return {"positions": "Skal udfyldes."} if not (values.get("positions") or "").strip() else {}


def _validate(schema: type[M], data: dict[str, Any], errors: dict[str, str]) -> M | None:
    """The schema, or None with its Danish field messages added to `errors` (earlier ones win)."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors.update({k: v for k, v in field_errors(exc).items() if k not in errors})
        return None


def _refusal(session: WebSession, exc: ValidationFailed) -> dict[str, str]:
    # The service refused after writing nothing it should keep: undo, show its reason by field.
    session.rollback()
    return app_error_fields(exc) or {"__all__": exc.detail}


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
    body = _validate(OrderCreate, {k: v for k, v in data.items() if v is not None}, errors)
    if errors or body is None:
        return _form_page(request, session, actor, values=values, errors=errors)
    try:
        order = order_service.create_order(session, actor, data=body)
    except ValidationFailed as exc:
        errors = _refusal(session, exc)
        return _form_page(request, session, actor, values=values, errors=errors)
    flash(request, f"Jobordren »{order.title}« er oprettet. Du er formidlingsansvarlig.")
    return redirect(f"/jobordrer/{order.id}")


def _order_values(order: JobOrder) -> dict[str, Any]:
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
    values["occupation_label"] = _occupation_label(order.occupation_uri)
    return values


@router.get("/jobordrer/{order_id}/rediger")
def edit_order_form(
    request: Request, order_id: uuid.UUID, session: WebSession, actor: CurrentActor
) -> Response:
    """The order form filled in with the order."""
    order = order_service.read_order(session, actor, order_id=order_id)
    allowed = allowed_actions(session, actor, order)
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
    contact_editable = "edit_employer_contact" in allowed_actions(session, actor, order)
    details = _parsed(values, DETAIL_FIELDS)
    if details.get("processing_deadline") is None:
        details.pop("processing_deadline")
    errors = _missing_required(values)
    changes = _validate(OrderUpdate, details, errors)
    contact = None
    if contact_editable:
        contact = _validate(EmployerContact, _parsed(values, CONTACT_FIELDS), errors)
    else:
        values.update({k: _order_values(order)[k] for k in CONTACT_FIELDS})
    version = blank_to_none(values.get("version"))
    if not errors and changes is not None:
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
            errors = _refusal(session, exc)
        else:
            flash(request, "Ændringerne er gemt.")
            return redirect(f"/jobordrer/{order_id}")
    return _form_page(
        request,
        session,
        actor,
        values=values,
        errors=errors,
        order_id=order_id,
        contact_editable=contact_editable,
    )
