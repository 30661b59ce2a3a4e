"""How other services reach matching: in-process by default, over HTTP when split."""

import uuid
from typing import Any, Protocol

import httpx

from services.matching.contract import CvSummary, OrderQuery, OrderSearch, RankedPage, SearchFilters
from shared.actor import Actor
from shared.db import unit_of_work
from shared.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from shared.settings import get_settings


class MatchingClient(Protocol):
    """What the job-order service may ask of the matching service."""

    def get_cv_summary(self, actor: Actor, cv_id: uuid.UUID) -> CvSummary:
        """One CV as the actor may see it; raises NotFound or Forbidden; audits the read."""
        ...

    def rank_for_order(
        self,
        actor: Actor,
        order: OrderQuery,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> RankedPage:
        """Candidates the actor may see, best first, with reasons; audits the search."""
        ...


class InProcessMatchingClient:
    """Calls the service functions directly, each call in its own unit of work."""

    def get_cv_summary(self, actor: Actor, cv_id: uuid.UUID) -> CvSummary:
        from services.matching import service as matching_service

        with unit_of_work() as session:
            return matching_service.get_cv_summary(session, actor, cv_id)

    def rank_for_order(
        self,
        actor: Actor,
        order: OrderQuery,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> RankedPage:
        from services.matching import service as matching_service

        with unit_of_work() as session:
            return matching_service.search_for_order(
                session, actor, order, filters=filters, limit=limit, offset=offset
            )


_ERRORS: dict[int, type[AppError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
}


class HttpMatchingClient:
    """Calls a separately deployed matching API with the installation's system key.

    The remote service applies the key's organisation's visibility rules and audits
    under the key; the acting person is sent along for the audit trail only.
    """

    def __init__(self, base_url: str, api_key: str, timeout: float = 10.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )

    def _call(self, method: str, path: str, actor: Actor, **kwargs: Any) -> Any:
        headers = {"X-Jobbro-Acting-For": f"{actor.name} ({actor.organisation_name})"}
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(f"The matching service is unreachable: {exc}") from exc
        if response.status_code >= 400:
            try:
                detail = str(response.json().get("detail", response.text))
            except ValueError:
                detail = response.text
            raise _ERRORS.get(response.status_code, ServiceUnavailable)(detail)
        return response.json()

    def get_cv_summary(self, actor: Actor, cv_id: uuid.UUID) -> CvSummary:
        return CvSummary.model_validate(
            self._call("GET", f"/api/matching/cvs/{cv_id}/summary", actor)
        )

    def rank_for_order(
        self,
        actor: Actor,
        order: OrderQuery,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> RankedPage:
        body = OrderSearch(order=order, filters=filters, limit=limit, offset=offset)
        data = self._call(
            "POST", "/api/matching/search/order", actor, json=body.model_dump(mode="json")
        )
        return RankedPage.model_validate(data)


def get_matching_client() -> MatchingClient:
    """In-process when `JOBBRO_MATCHING_URL` is empty, else the HTTP client."""
    settings = get_settings()
    if not settings.matching_url:
        return InProcessMatchingClient()
    return HttpMatchingClient(settings.matching_url, settings.matching_api_key)
