"""Opret jobordre and rediger jobordre: one form, Danish messages next to each field."""

import time
import uuid
from datetime import date
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from services.joborders.common import idempotency
from services.joborders.common.workdays import local_date
from services.joborders.models import Channel, JobOrder
from services.joborders.orders import service as order_service
from services.joborders.orders.deadlines import today
from services.joborders.orders.schemas import (
    EmployerContact,
    OrderCreate,
    OrderUpdate,
    order_date_problems,
)
from services.joborders.policy.actions import allowed_actions
from services.web.common import PostedForm, WebSession, flash, form_values, redirect
from services.web.forms import app_error_fields, blank_to_none, field_errors, lines
from services.web.labels import CHANNEL_DA
from services.web.templating import render
from shared.actor import Actor
from shared.auth import CurrentActor
from shared.errors import Conflict, StaleVersion, ValidationFailed
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
    stale: list[dict[str, str]] | None = None,
) -> Response:
    days = get_joborder_settings().default_processing_working_days
    if order_id is None and not values.get("form_token"):
        # One token per empty form: the same form posted twice (back button) is one order.
        values = {**values, "form_token": uuid.uuid4().hex}
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
        stale=stale or [],
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
        elif name == "positions" and raw is not None and raw.strip().isdigit():
            # The API takes a JSON number only (strict); a form field is text.
            data[name] = int(raw.strip())
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


def _date_errors(
    received: date, data: dict[str, Any], current: JobOrder | None, errors: dict[str, str]
) -> None:
    """The service's date rules, checked with the other fields so all errors show at once."""

    def pick(name: str) -> Any:
        raw = data.get(name)
        try:
            return date.fromisoformat(raw) if isinstance(raw, str) else raw
        except ValueError:
            return None  # the schema reports the format

    placement = pick("placement_deadline")
    new_placement = placement is not None and (
        current is None or placement != current.placement_deadline
    )
    problems = order_date_problems(
        received,
        start_date=pick("start_date"),
        placement_deadline=placement,
        processing_deadline=pick("processing_deadline"),
        today=today() if new_placement else None,
    )
    exc = ValidationFailed("dates", errors=problems)
    errors.update({k: v for k, v in app_error_fields(exc).items() if k not in errors})


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
    _date_errors(today(), data, None, errors)
    if errors or body is None:
        return _form_page(request, session, actor, values=values, errors=errors)
    key = _form_key(values)
    payload = body.model_dump(mode="json")
    try:
        earlier = idempotency.lookup(
            session, actor, key=key, operation="order.create", payload=payload
        ) or _just_created(request, payload)
        if earlier is not None:
            order = order_service.read_order(session, actor, order_id=earlier)
        else:
            order = order_service.create_order(session, actor, data=body, idempotency_key=key)
    except Conflict:
        # The form was sent before with other content (back button, then edited).
        session.rollback()
        values.pop("form_token", None)
        errors = {
            "__all__": "Formularen er allerede brugt til at oprette en jobordre. Tjek "
            "Mine jobordrer, eller send formularen igen for at oprette en ny."
        }
        return _form_page(request, session, actor, values=values, errors=errors)
    except ValidationFailed as exc:
        errors = _refusal(session, exc)
        return _form_page(request, session, actor, values=values, errors=errors)
    if earlier is not None:
        flash(
            request,
            f"Jobordren »{order.title}« var allerede oprettet, da formularen blev "
            "sendt igen. Der er ikke oprettet en ny.",
        )
    else:
        flash(request, f"Jobordren »{order.title}« er oprettet. Du er formidlingsansvarlig.")
        request.session["last_created_order"] = [
            idempotency.fingerprint("order.create", payload),
            str(order.id),
            int(time.time()),
        ]
    return redirect(f"/jobordrer/{order.id}")


# A browser's back button may re-render the form with a fresh token while it restores what
# was typed; the same content sent again this soon from the same login is that re-post.
REPOST_WINDOW_SECONDS = 30 * 60


def _just_created(request: Request, payload: dict[str, Any]) -> uuid.UUID | None:
    """The order this login created from exactly this content a moment ago, if any."""
    last = request.session.get("last_created_order")
    if not (isinstance(last, list) and len(last) == 3):
        return None
    digest, order_id, at = last
    fresh = time.time() - float(at) < REPOST_WINDOW_SECONDS
    if fresh and digest == idempotency.fingerprint("order.create", payload):
        return uuid.UUID(str(order_id))
    return None


def _form_key(values: dict[str, str]) -> str | None:
    """The idempotency key of an order form: its one-time token, if it looks like one."""
    token = (values.get("form_token") or "").strip()
    return f"web-form:{token}" if token.isalnum() and len(token) <= 64 else None


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
    _date_errors(local_date(order.received_at), details, order, errors)
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
        except StaleVersion:
            # Someone (maybe the same user in another tab) saved first. Keep what was
            # typed, show where it differs from what is saved now, and let the user save
            # again on top of the current version.
            session.rollback()
            current = order_service.read_order(session, actor, order_id=order_id)
            saved = _order_values(current)
            values["version"] = str(current.version)
            return _form_page(
                request,
                session,
                actor,
                values=values,
                errors={},
                order_id=order_id,
                contact_editable=contact_editable,
                stale=_differences(values, saved, contact_editable),
            )
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


def _differences(
    typed: dict[str, Any], saved: dict[str, Any], contact_editable: bool
) -> list[dict[str, str]]:
    """Fields where the user's input differs from the saved order, with both values."""
    fields = DETAIL_FIELDS + (CONTACT_FIELDS if contact_editable else ())
    out = []
    for name in fields:
        mine, theirs = _normal(typed.get(name)), _normal(saved.get(name))
        if mine != theirs:
            out.append(
                {
                    "name": name,
                    "label": FIELD_LABELS_DA.get(name, name),
                    "saved": theirs or "(tom)",
                    "typed": mine or "(tom)",
                }
            )
    return out


def _normal(value: Any) -> str:
    # Lists may be typed one per line or comma-separated; compare them item by item.
    return ", ".join(lines(str(value))) if value not in (None, "") else ""


FIELD_LABELS_DA = {
    "employer_name": "Virksomhedens navn",
    "employer_cvr": "CVR-nummer",
    "employer_address": "Adresse",
    "contact_name": "Kontaktperson",
    "contact_email": "Kontaktpersonens e-mail",
    "contact_phone": "Kontaktpersonens telefon",
    "title": "Stillingsbetegnelse",
    "occupation_uri": "ESCO-stilling (URI)",
    "description": "Beskrivelse",
    "skills": "Faglige kompetencer",
    "certificates": "Certifikater og autorisationer",
    "driving_licences": "Kørekort",
    "languages": "Sprog",
    "education": "Uddannelse",
    "positions": "Antal stillinger",
    "weekly_hours": "Timer pr. uge",
    "workplace_postal_code": "Arbejdsstedets postnummer",
    "start_date": "Ønsket tiltrædelse",
    "placement_deadline": "Formidlingsfrist",
    "processing_deadline": "Behandlingsfrist",
}
