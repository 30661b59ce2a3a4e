"""Find kandidater (for an order and by free text) and add a candidate."""

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.datastructures import QueryParams
from starlette.responses import Response

from services.joborders.candidates import service as candidate_service
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.matching_port import get_client
from services.joborders.models import OrderStatus
from services.joborders.orders import service as order_service
from services.joborders.orders.service import OrderFilter
from services.joborders.orders.views import order_out
from services.joborders.policy import actions as order_actions
from services.matching.contract import (
    RankedPage,
    Reason,
    SearchFilters,
    danish_date,
    place_name,
)
from services.web.common import (
    PAGE_SIZE,
    PostedForm,
    WebSession,
    flash,
    form_values,
    page_count,
    page_number,
    redirect,
)
from services.web.forms import blank_to_none, field_errors, first_error, lines
from services.web.labels import (
    CV_FIELD_DA,
    LANGUAGE_DA,
    REASON_KIND_DA,
    SCORE_PART_DA,
)
from services.web.templating import render, tal
from shared import geo
from shared.auth import CurrentActor

router = APIRouter(include_in_schema=False)

FILTER_FIELDS = ("afstand", "koerekort", "certifikater", "min_timer", "max_timer", "raadig_fra")


def _filters(params: QueryParams) -> tuple[SearchFilters | None, dict[str, str]]:
    """The filter form as the matching service's filters, or Danish messages per field."""
    raw = {
        "max_distance_km": blank_to_none(params.get("afstand")),
        "driving_licences": [v for v in params.getlist("koerekort") if v],
        "certificates": lines(params.get("certifikater")),
        "min_weekly_hours": blank_to_none(params.get("min_timer")),
        "max_weekly_hours": blank_to_none(params.get("max_timer")),
        "available_by": blank_to_none(params.get("raadig_fra")),
    }
    try:
        # Form values are text; the API's schema is strict about JSON types, a form is not.
        return SearchFilters.model_validate(raw, strict=False), {}
    except ValidationError as exc:
        names = {
            "max_distance_km": "afstand",
            "driving_licences": "koerekort",
            "certificates": "certifikater",
            "min_weekly_hours": "min_timer",
            "max_weekly_hours": "max_timer",
            "available_by": "raadig_fra",
            "__all__": "max_timer",
        }
        errors = {names.get(k, k): v for k, v in field_errors(exc).items()}
        if "max_timer" in errors and errors["max_timer"] == "Ugyldig værdi.":
            errors["max_timer"] = "Højst-timer skal være mindst lige så mange som mindst-timer."
        return None, errors


def _filter_values(params: QueryParams) -> dict[str, Any]:
    values: dict[str, Any] = {k: params.get(k, "") for k in FILTER_FIELDS}
    values["koerekort"] = params.getlist("koerekort")
    return values


def _reason_da(m: Reason) -> str:
    """One matched requirement as a Danish sentence fragment, without raw keys or ISO dates."""
    where = CV_FIELD_DA.get(m.field, m.field)
    if m.kind == "occupation":
        return f"Samme stilling: »{m.text}« ({where})"
    if m.kind == "related_occupation":
        return f"Beslægtet stilling: »{m.text}« ({where})"
    if m.kind == "title":
        return f"Stillingsbetegnelse: »{m.text}« ({where})"
    if m.kind == "distance":
        return f"Bor i {m.text}"
    if m.kind == "hours":
        return f"Ønsker {tal(float(m.text))} timer pr. uge"
    if m.kind == "availability":
        if not m.text:
            return "Kan starte straks"
        return f"Kan starte {danish_date(date.fromisoformat(m.text))}"
    if m.kind == "language":
        return f"Sprog: {LANGUAGE_DA.get(m.requirement, m.requirement)}"
    if m.kind == "driving_licence":
        return f"Kørekort {m.requirement}"
    label = REASON_KIND_DA.get(m.kind, m.kind).capitalize()
    if m.text and m.text.casefold() != m.requirement.casefold():
        return f"{label}: {m.requirement} – »{m.text[:80]}« ({where})"
    return f"{label}: {m.requirement}"


def _score_parts_da(parts: dict[str, float]) -> str:
    """The score's parts in Danish with decimal commas: 'ordmatch 0,42, stilling 1,00'."""
    shown = []
    for key, value in parts.items():
        kind = key.removeprefix("requirements.")
        label = SCORE_PART_DA.get(key) or REASON_KIND_DA.get(kind, kind)
        shown.append(f"{label} {value:.2f}".replace(".", ","))
    return ", ".join(shown)


def _results(page: RankedPage, on_order: set[uuid.UUID]) -> list[dict[str, Any]]:
    # Search results carry no a-kasse membership (RankedCv); the CV page shows case facts
    # to staff allowed to see them.
    return [
        {
            "cv_id": item.cv.id,
            "name": item.cv.name,
            "headline": item.cv.headline,
            "place": place_name(item.cv.postal_code),
            "score": item.score,
            "score_parts": _score_parts_da(item.score_parts),
            "matched": [_reason_da(m) for m in item.matched],
            "missing": item.missing,
            "distance_km": item.distance_km,
            "meets_requirements": item.meets_requirements,
            "on_order": item.cv.id in on_order,
        }
        for item in page.items
    ]


def _order_values(order: Any) -> dict[str, Any]:
    """The filters as they start for an order: its required licences and certificates."""
    return {
        **{k: "" for k in FILTER_FIELDS},
        "koerekort": list(order.driving_licences),
        "certifikater": ", ".join(order.certificates),
    }


def _place_error(postal_code: str | None) -> str | None:
    if postal_code and geo.coordinates(postal_code) is None:
        return f"Postnummeret {postal_code} findes ikke, så afstanden kan ikke beregnes."
    return None


@router.get("/jobordrer/{order_id}/find-kandidater")
def find_for_order(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    side: Annotated[str, Query()] = "1",
    vis_mangler: Annotated[str, Query()] = "",
    sendt: Annotated[str, Query()] = "",
) -> Response:
    """Ranked candidates for the order with reasons, filters and 'tilføj som kandidat'.

    The filters start from the order: its driving licences and certificates are required
    (a mediator may untick them), and distances are measured from its workplace."""
    order = order_service.read_order(session, actor, order_id=order_id)
    allowed = set(order_actions.allowed_actions(session, actor, order))
    # The form was sent (or a link carries filters): the form is what the mediator wants.
    if sendt or any(k in request.query_params for k in FILTER_FIELDS):
        filters, errors = _filters(request.query_params)
        values = _filter_values(request.query_params)
    else:
        values = _order_values(order)
        # The order's own requirements are valid filters, so there is nothing to report.
        filters, errors = _filters(QueryParams(_as_params(values)))
    place_error = _place_error(order.workplace_postal_code)
    page = page_number(side)
    results: list[dict[str, Any]] = []
    ranked = RankedPage(total=0, items=[])
    if filters is not None and place_error is None:
        # The form's licence and certificate filters are the requirements here, so the
        # order's own are not applied a second time behind the mediator's back.
        ranked, on_order = candidate_service.rank_candidates(
            session,
            actor,
            order_id=order_id,
            filters=filters,
            hard_requirements=False,
            show_unmet=vis_mangler == "1",
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        results = _results(ranked, set(on_order))
    shown = ranked.total + ranked.unmet_total
    return render(
        request,
        "candidates/find.html",
        actor,
        status_code=422 if errors else 200,
        session=session,
        nav_active="search",
        order=order_out(order, actor),
        workplace=place_name(order.workplace_postal_code),
        can_add="add_candidate" in allowed,
        results=results,
        total=ranked.total,
        unmet_total=ranked.unmet_total,
        past_end=ranked.past_end,
        page=page,
        pages=page_count(shown),
        offset=(page - 1) * PAGE_SIZE,
        values=values,
        show_unmet=vis_mangler == "1",
        errors=errors,
        place_error=place_error,
        searched=filters is not None and place_error is None,
    )


def _as_params(values: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in values.items():
        out += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    return out


@router.get("/kandidater")
def free_text_search(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    q: Annotated[str, Query(max_length=2000)] = "",
    postnummer: Annotated[str, Query(max_length=10)] = "",
    side: Annotated[str, Query()] = "1",
) -> Response:
    """Free-text search in the CV bank (a-kasser see their own members only)."""
    filters, errors = _filters(request.query_params)
    postal = postnummer.strip() or None
    if postal is not None and not (len(postal) == 4 and postal.isdigit()):
        errors["postnummer"] = "Et postnummer har 4 cifre."
    elif postal is not None and geo.coordinates(postal) is None:
        errors["postnummer"] = f"Postnummeret {postal} findes ikke."
    page = page_number(side)
    results: list[dict[str, Any]] = []
    total = 0
    past_end = False
    searched = bool(q.strip()) and not errors and filters is not None
    target_orders = []
    if searched:
        ranked = get_client().search_free_text(
            actor,
            q.strip(),
            postal_code=postal,
            filters=filters,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            session=session,
        )
        results = _results(ranked, set())
        total, past_end = ranked.total, ranked.past_end
        target_orders = _orders_to_add_to(session, actor)
    return render(
        request,
        "candidates/search.html",
        actor,
        status_code=422 if errors else 200,
        session=session,
        nav_active="search",
        q=q,
        postnummer=postnummer,
        results=results,
        total=total,
        page=page,
        pages=page_count(total),
        past_end=past_end,
        offset=(page - 1) * PAGE_SIZE,
        values=_filter_values(request.query_params),
        errors=errors,
        searched=searched,
        target_orders=target_orders,
    )


def _orders_to_add_to(session: WebSession, actor: CurrentActor) -> list[Any]:
    """The user's own orders in process that the service lets them add candidates to."""
    mine, _ = order_service.list_orders(
        session,
        actor,
        filters=OrderFilter(view="mine", statuses=(OrderStatus.IN_PROCESS,), sort="deadline"),
        limit=50,
    )
    return [o for o in mine if "add_candidate" in order_actions.allowed_actions(session, actor, o)]


@router.post("/kandidater/tilfoej")
def add_from_search(
    request: Request, session: WebSession, actor: CurrentActor, form: PostedForm
) -> Response:
    """Put a CV found by free text on one of the user's orders."""
    values = form_values(form)
    back = values.get("tilbage") or "/kandidater"
    if not back.startswith("/kandidater"):
        back = "/kandidater"
    try:
        order_id = uuid.UUID(values.get("order_id", ""))
        body = CandidateIn.model_validate({"cv_id": values.get("cv_id", "")})
    except (ValueError, ValidationError):
        flash(request, "Kandidaten er ikke tilføjet. Vælg en jobordre.", "error")
        return redirect(back)
    candidate = candidate_service.add_candidate(session, actor, order_id=order_id, data=body)
    order = order_service.read_order(session, actor, order_id=order_id)
    flash(request, f"{candidate.name} er tilføjet som kandidat på »{order.title}«.")
    return redirect(back)


@router.post("/jobordrer/{order_id}/kandidater")
def add_candidate(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """Put a CV from the ranking on the order, found by the user's organisation."""
    values = form_values(form)
    back = values.get("tilbage") or f"/jobordrer/{order_id}/find-kandidater"
    if not back.startswith(f"/jobordrer/{order_id}"):
        back = f"/jobordrer/{order_id}/find-kandidater"
    try:
        body = CandidateIn.model_validate({"cv_id": values.get("cv_id", "")})
    except ValidationError as exc:
        flash(request, f"Kandidaten er ikke tilføjet. {first_error(exc)}", "error")
        return redirect(back)
    candidate = candidate_service.add_candidate(session, actor, order_id=order_id, data=body)
    message = f"{candidate.name} er tilføjet som kandidat, fundet af {actor.organisation_name}."
    if request.headers.get("HX-Request") == "true":
        return render(request, "candidates/_added.html", actor, message=message)
    flash(request, message)
    return redirect(back)
