"""How other services reach matching: in-process by default, over HTTP when split."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import httpx
from sqlalchemy.orm import Session

from services.matching.acting import ACTOR_HEADER, sign_actor
from services.matching.contract import (
    CvSummary,
    FreeTextSearch,
    OrderQuery,
    OrderSearch,
    RankedPage,
    SearchFilters,
)
from services.matching.cvbank.schemas import ContactOut, CvOut
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
    """What other services and the web pages may ask of the matching service.

    `session` is the caller's unit of work: the in-process client reads and writes
    its audit row there, so a request stays one transaction. Without one (a CLI
    command, a demo seed) it runs its own. The HTTP client ignores it: the remote
    service has its own transaction per call.
    """

    def get_cv_summary(
        self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None
    ) -> CvSummary:
        """One CV as the actor may see it; raises NotFound or Forbidden; audits the read."""
        ...

    def get_cv(self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None) -> CvOut:
        """The whole CV with its case facts, if the actor may see it; audits the read."""
        ...

    def get_cv_contact(
        self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None
    ) -> ContactOut:
        """The CV's phone and e-mail, asked only after the caller checked the contact rule."""
        ...

    def rank_for_order(
        self,
        actor: Actor,
        order: OrderQuery,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        *,
        session: Session | None = None,
    ) -> RankedPage:
        """Candidates the actor may see, best first, with reasons; audits the search."""
        ...

    def search_free_text(
        self,
        actor: Actor,
        text: str,
        *,
        postal_code: str | None = None,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        session: Session | None = None,
    ) -> RankedPage:
        """CVs the actor may see for a free-text query, best first; audits the search."""
        ...


@contextmanager
def _joined(session: Session | None) -> Iterator[Session]:
    """The caller's session if it has one, else a unit of work of our own."""
    if session is not None:
        yield session
        return
    with unit_of_work() as own:
        yield own


class InProcessMatchingClient:
    """Calls the service functions directly, inside the caller's unit of work."""

    def get_cv_summary(
        self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None
    ) -> CvSummary:
        from services.matching.cvbank import service

        with _joined(session) as s:
            return service.get_cv_summary(s, actor, cv_id)

    def get_cv(self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None) -> CvOut:
        from services.matching.cvbank import service

        with _joined(session) as s:
            return service.get_cv(s, actor, cv_id)

    def get_cv_contact(
        self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None
    ) -> ContactOut:
        from services.matching.cvbank import contact

        with _joined(session) as s:
            return contact.get_cv_contact(s, actor, cv_id)

    def rank_for_order(
        self,
        actor: Actor,
        order: OrderQuery,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        *,
        session: Session | None = None,
    ) -> RankedPage:
        from services.matching.search import service

        with _joined(session) as s:
            return service.search_for_order(
                s, actor, order, filters=filters, limit=limit, offset=offset
            )

    def search_free_text(
        self,
        actor: Actor,
        text: str,
        *,
        postal_code: str | None = None,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        session: Session | None = None,
    ) -> RankedPage:
        from services.matching.search import service

        with _joined(session) as s:
            return service.search_free_text(
                s,
                actor,
                text,
                postal_code=postal_code,
                filters=filters,
                limit=limit,
                offset=offset,
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

    Every call carries a signed, short-lived assertion of the acting person or system
    (`services.matching.acting`), so the remote service applies *their* visibility and
    audits them, with the service named beside them. Without the shared secret it refuses
    to call: the key's own visibility would show other a-kasser's members.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        actor_secret: str,
        timeout: httpx.Timeout | float = 15.0,
        *,
        http: httpx.Client | None = None,
    ) -> None:
        self._api_key = api_key
        self._actor_secret = actor_secret
        # `http` lets a test put the matching app itself behind the client.
        self._http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def _call(self, method: str, path: str, actor: Actor, **kwargs: Any) -> Any:
        if not self._actor_secret:
            raise ServiceUnavailable(
                "JOBBRO_MATCHING_ACTOR_SECRET is not set: the matching service cannot "
                "tell whom the call is for"
            )
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            ACTOR_HEADER: sign_actor(actor, api_key=self._api_key, secret=self._actor_secret),
        }
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

    def get_cv_summary(
        self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None
    ) -> CvSummary:
        return CvSummary.model_validate(
            self._call("GET", f"/api/matching/cvs/{cv_id}/summary", actor)
        )

    def get_cv(self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None) -> CvOut:
        return CvOut.model_validate(self._call("GET", f"/api/matching/cvs/{cv_id}", actor))

    def get_cv_contact(
        self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None
    ) -> ContactOut:
        return ContactOut.model_validate(
            self._call("GET", f"/api/matching/cvs/{cv_id}/contact", actor)
        )

    def rank_for_order(
        self,
        actor: Actor,
        order: OrderQuery,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        *,
        session: Session | None = None,
    ) -> RankedPage:
        body = OrderSearch(order=order, filters=filters, limit=limit, offset=offset)
        data = self._call(
            "POST", "/api/matching/search/order", actor, json=body.model_dump(mode="json")
        )
        return RankedPage.model_validate(data)

    def search_free_text(
        self,
        actor: Actor,
        text: str,
        *,
        postal_code: str | None = None,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        session: Session | None = None,
    ) -> RankedPage:
        body = FreeTextSearch(
            text=text, postal_code=postal_code, filters=filters, limit=limit, offset=offset
        )
        data = self._call(
            "POST", "/api/matching/search/text", actor, json=body.model_dump(mode="json")
        )
        return RankedPage.model_validate(data)


def get_matching_client() -> MatchingClient:
    """In-process when `JOBBRO_MATCHING_URL` is empty, else the HTTP client."""
    settings = get_settings()
    if not settings.matching_url:
        return InProcessMatchingClient()
    # Bounded: connecting, and each read or write; a timeout is a 503 for the caller.
    timeout = httpx.Timeout(
        settings.matching_timeout_seconds, connect=settings.matching_connect_timeout_seconds
    )
    return HttpMatchingClient(
        settings.matching_url,
        settings.matching_api_key,
        settings.matching_actor_secret,
        timeout,
    )
