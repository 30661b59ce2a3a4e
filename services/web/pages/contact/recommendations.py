"""Indstillinger om tidligt tilbud: the a-kasse composes, the jobcentre's queue decides."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from services.contact import history, messages
from services.contact.members import unemployed_members
from services.contact.models import RecommendationStatus
from services.contact.recommendations import service
from services.contact.recommendations.schemas import DecisionIn, RecommendationIn
from services.joborders.common.workdays import local_date
from services.matching.models import Cv, CvCaseFacts
from services.web.common import (
    PostedForm,
    WebSession,
    flash,
    form_values,
    page_count,
    page_number,
    redirect,
)
from services.web.forms import app_error_fields, blank_to_none, field_errors, validated_or_flash
from services.web.pages.contact import labels
from services.web.templating import render
from shared import audit
from shared.actor import Actor
from shared.auth import CurrentActor
from shared.db import utcnow
from shared.errors import AppError, ValidationFailed
from shared.models import Organisation, OrgKind

router = APIRouter(include_in_schema=False)
BASE = "/samarbejde/indstillinger"
FORM_FIELDS = tuple(f for f in RecommendationIn.model_fields if f != "cv_id")


def common(**context: Any) -> dict[str, Any]:
    return {
        "nav_active": "contact",
        "REC_STATUS_DA": labels.REC_STATUS_DA,
        "OFFER_KIND_DA": labels.OFFER_KIND_DA,
        "STEP_DA": labels.STEP_DA,
        "STEP_DETAIL_DA": labels.STEP_DETAIL_DA,
        "FALLBACK_DA": labels.FALLBACK_DA,
        "kroner": labels.kroner,
        "today": local_date(utcnow()),
        **context,
    }


@router.get("/samarbejde")
def contact_home(actor: CurrentActor) -> Response:
    return redirect(BASE)


@router.get(BASE)
def recommendation_list(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    status: Annotated[str, Query()] = "",
    side: Annotated[str, Query()] = "1",
) -> Response:
    """The a-kasse's sent recommendations; the jobcentre's queue with its clock."""
    page = page_number(side)
    wanted = status if status in labels.REC_STATUS_DA else None
    rows, total = service.list_recommendations(
        session,
        actor,
        status=RecommendationStatus(wanted) if wanted else None,
        limit=20,
        offset=(page - 1) * 20,
    )
    return render(
        request,
        "contact/recommendations.html",
        actor,
        session=session,
        **common(items=rows, total=total, page=page, pages=page_count(total), status=wanted),
    )


def _member_choice(
    session: WebSession, actor: Actor, cv_id: str | None, search: str
) -> tuple[dict[str, str] | None, list[dict[str, Any]]]:
    """The chosen member (own a-kasse only) and, for a search, the a-kasse's matches."""
    chosen = None
    if cv_id:
        try:
            wanted = uuid.UUID(cv_id)
        except ValueError:
            wanted = None
        row = (
            session.execute(
                select(Cv.id, Cv.name, Cv.postal_code)
                .join(CvCaseFacts, CvCaseFacts.cv_id == Cv.id)
                .where(Cv.id == wanted, CvCaseFacts.akasse_organisation_id == actor.organisation_id)
            ).first()
            if wanted
            else None
        )
        if row is not None:
            chosen = {"id": str(row[0]), "name": row[1], "postal_code": row[2] or ""}
    found: list[dict[str, Any]] = []
    text = search.strip().casefold()
    if text and actor.is_akasse:
        centres = {
            o.id: o.name
            for o in session.scalars(
                select(Organisation).where(Organisation.kind == OrgKind.JOBCENTRE)
            )
        }
        matches = [
            m
            for m in unemployed_members(session, actor.organisation_id)
            if text in m.name.casefold()
        ]
        for m in sorted(matches, key=lambda m: m.name)[:20]:
            found.append(
                {
                    "id": str(m.cv_id),
                    "name": m.name,
                    "since": m.unemployed_since,
                    "postal_code": m.postal_code,
                    # Where the recommendation will go: the jobcentre of the member's address.
                    "jobcentre": centres.get(m.jobcentre_id) if m.jobcentre_id else None,
                }
            )
        audit.record(session, actor, "member.search", subject_type="cv", detail=f"{len(found)}")
    return chosen, found


def _form(
    request: Request,
    session: WebSession,
    actor: Actor,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    member: dict[str, str] | None,
    found: list[dict[str, Any]],
    search: str = "",
    rec_id: uuid.UUID | None = None,
) -> Response:
    values = {"caseworker_name": actor.name, "caseworker_email": actor.email or "", **values}
    if rec_id is None and not values.get("form_token"):
        # One token per empty form: the same form posted twice (back button) sends once.
        values["form_token"] = uuid.uuid4().hex
    return render(
        request,
        "contact/recommendation_form.html",
        actor,
        status_code=422 if errors else 200,
        session=session,
        **common(
            values=values,
            errors=errors,
            member=member,
            found=found,
            search=search,
            rec_id=rec_id,
            kind_options=[("", "Vælg tilbud"), *labels.OFFER_KIND_DA.items()],
        ),
    )


@router.get(f"{BASE}/ny")
def new_recommendation(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    cv: Annotated[str, Query()] = "",
    soeg: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The a-kasse's form: pick the member, then the offer and why."""
    if not actor.is_akasse:
        flash(request, "Kun a-kassen indstiller til tidligt tilbud.", "error")
        return redirect(BASE)
    member, found = _member_choice(session, actor, cv, soeg)
    return _form(
        request, session, actor, values={}, errors={}, member=member, found=found, search=soeg
    )


def _data(values: dict[str, str], cv_id: str) -> dict[str, Any]:
    data: dict[str, Any] = {"cv_id": cv_id}
    for name in FORM_FIELDS:
        if name == "wants_trade_change":
            data[name] = values.get(name) == "ja"
        else:
            data[name] = blank_to_none(values.get(name))
    return data


def _validated(
    values: dict[str, str], cv_id: str
) -> tuple[RecommendationIn | None, dict[str, str]]:
    try:
        return RecommendationIn.model_validate(_data(values, cv_id)), {}
    except ValidationError as exc:
        errors = field_errors(exc)
        # The two cross-field rules in the words a caseworker expects.
        for err in exc.errors():
            if err["type"] == "value_error" and err["loc"] == ("price",):
                errors["price"] = "Skal udfyldes for et kursus eller en uddannelse."
            if err["type"] == "value_error" and err["loc"] == ("end_date",):
                errors["end_date"] = "Slutdatoen ligger før startdatoen."
        return None, errors


@router.post(f"{BASE}/ny")
def create_recommendation(
    request: Request, session: WebSession, actor: CurrentActor, form: PostedForm
) -> Response:
    values = form_values(form)
    member, _ = _member_choice(session, actor, values.get("cv_id"), "")
    if member is None:
        flash(request, "Vælg medlemmet, indstillingen gælder.", "error")
        return redirect(f"{BASE}/ny")
    data, errors = _validated(values, member["id"])
    if data is not None:
        try:
            key = values.get("form_token") or None
            rec = service.submit(session, actor, data=data, idempotency_key=key)
        except ValidationFailed as exc:
            errors = app_error_fields(exc)
        else:
            flash(request, "Indstillingen er sendt til jobcentret via beskedmodulet.")
            return redirect(f"{BASE}/{rec.id}")
    return _form(request, session, actor, values=values, errors=errors, member=member, found=[])


@router.get(f"{BASE}/{{rec_id}}")
def recommendation_page(
    request: Request, session: WebSession, actor: CurrentActor, rec_id: uuid.UUID
) -> Response:
    rec = service.get(session, actor, rec_id)
    return render(
        request,
        "contact/recommendation.html",
        actor,
        session=session,
        **common(
            rec=rec,
            steps=history.steps(session, rec.id),
            messages=messages.messages_of(session, rec.id),
            is_jobcentre=actor.organisation_id == rec.jobcentre_organisation_id,
            is_akasse=actor.organisation_id == rec.akasse_organisation_id,
            decision_options=[("", "Vælg afgørelse"), *labels.DECISION_DA.items()],
        ),
    )


@router.post(f"{BASE}/{{rec_id}}/afgoerelse")
def decide(
    request: Request, session: WebSession, actor: CurrentActor, rec_id: uuid.UUID, form: PostedForm
) -> Response:
    values = form_values(form)
    back = f"{BASE}/{rec_id}"
    data = validated_or_flash(
        request,
        DecisionIn,
        {
            "decision": blank_to_none(values.get("decision")),
            "reason": blank_to_none(values.get("reason")),
            "vitas_reference": blank_to_none(values.get("vitas_reference")),
        },
        failure="Afgørelsen er ikke gemt.",
        back=back,
        at="decision",
    )
    if isinstance(data, Response):
        return data
    try:
        service.decide(session, actor, rec_id, data=data)
    except ValidationFailed as exc:
        field = str(exc.extra.get("field") or "")
        message = {
            "reason": "Skriv en begrundelse.",
            "vitas_reference": "Skriv VITAS-referencen for det virksomhedsrettede tilbud.",
        }.get(field, "Tjek felterne.")
        flash(request, f"Afgørelsen er ikke gemt. {message}", "error", at="decision")
        return redirect(f"{back}#decision")
    except AppError as exc:
        if exc.status != 409:
            raise
        flash(request, "Indstillingen er allerede afgjort.", "error", at="decision")
        return redirect(f"{back}#decision")
    flash(request, "Afgørelsen er gemt, og a-kassen har fået besked.")
    return redirect(back)


@router.get(f"{BASE}/{{rec_id}}/ret")
def amend_form(
    request: Request, session: WebSession, actor: CurrentActor, rec_id: uuid.UUID
) -> Response:
    rec = service.get(session, actor, rec_id)
    values = {name: _shown(getattr(rec, name)) for name in FORM_FIELDS}
    values["wants_trade_change"] = "ja" if rec.wants_trade_change else ""
    member = {"id": str(rec.cv_id), "name": rec.person_name, "postal_code": ""}
    return _form(
        request, session, actor, values=values, errors={}, member=member, found=[], rec_id=rec.id
    )


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "value"):
        return str(value.value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@router.post(f"{BASE}/{{rec_id}}/ret")
def amend(
    request: Request, session: WebSession, actor: CurrentActor, rec_id: uuid.UUID, form: PostedForm
) -> Response:
    values = form_values(form)
    rec = service.get(session, actor, rec_id)  # a party's own recommendation, or 404
    cv_id = str(rec.cv_id)
    data, errors = _validated(values, cv_id)
    if data is not None:
        try:
            service.amend(session, actor, rec_id, data=data)
        except ValidationFailed as exc:
            errors = app_error_fields(exc)
        else:
            flash(request, "Indstillingen er rettet og sendt igen.")
            return redirect(f"{BASE}/{rec_id}")
    member = {"id": cv_id, "name": rec.person_name, "postal_code": ""}
    return _form(
        request,
        session,
        actor,
        values=values,
        errors=errors,
        member=member,
        found=[],
        rec_id=rec_id,
    )
