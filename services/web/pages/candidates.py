"""Find kandidater (for an order and by free text) and add a candidate."""

import uuid
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
from services.matching.contract import RankedPage, SearchFilters
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
from services.web.templating import render
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


def _results(page: RankedPage, on_order: set[uuid.UUID]) -> list[dict[str, Any]]:
    # The CV summary also carries a-kasse membership; it is deliberately not passed on,
    # so the ranking page can never show it.
    return [
        {
            "cv_id": item.cv.id,
            "name": item.cv.name,
            "headline": item.cv.headline,
            "postal_code": item.cv.postal_code,
            "score": item.score,
            "score_parts": item.score_parts,
            "matched": item.matched,
            "missing": item.missing,
            "distance_km": item.distance_km,
            "on_order": item.cv.id in on_order,
        }
        for item in page.items
    ]


@router.get("/jobordrer/{order_id}/find-kandidater")
def find_for_order(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    side: Annotated[str, Query()] = "1",
    ufravigelige: Annotated[str, Query()] = "",
) -> Response:
    """Ranked candidates for the order with reasons, filters and 'tilføj som kandidat'."""
    order = order_service.read_order(session, actor, order_id=order_id)
    allowed = set(order_actions.allowed_actions(session, actor, order))
    filters, errors = _filters(request.query_params)
    page = page_number(side)
    results: list[dict[str, Any]] = []
    total = 0
    if filters is not None:
        ranked, on_order = candidate_service.rank_candidates(
            session,
            actor,
            order_id=order_id,
            filters=filters,
            hard_requirements=ufravigelige == "1",
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        results = _results(ranked, set(on_order))
        total = ranked.total
    return render(
        request,
        "candidates/find.html",
        actor,
        status_code=422 if errors else 200,
        session=session,
        nav_active="search",
        order=order_out(order, actor),
        can_add="add_candidate" in allowed,
        results=results,
        total=total,
        page=page,
        pages=page_count(total),
        offset=(page - 1) * PAGE_SIZE,
        values=_filter_values(request.query_params),
        hard=ufravigelige == "1",
        errors=errors,
        searched=filters is not None,
    )


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
    page = page_number(side)
    results: list[dict[str, Any]] = []
    total = 0
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
        total = ranked.total
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
