"""One error family, rendered as RFC 9457 problem details."""

import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.context import request_id_var

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://jobbro.dk/problems/"


class AppError(Exception):
    """Base of every error a service raises on purpose."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str] = "bad-request"
    # What a client should do about it; the API reference and docs/integration.md list it.
    about: ClassVar[str] = "The request is malformed; fix it before sending it again."

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_BASE + cls.slug

    def __init__(
        self,
        detail: str,
        *,
        action: str | None = None,
        subject_type: str | None = None,
        subject_id: object = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        # What the audit log records about a refusal; never part of the response body.
        self.action = action
        self.subject_type = subject_type
        self.subject_id = None if subject_id is None else str(subject_id)

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        # The id the logs and the audit log carry for this request, for a support question.
        if (request_id := request_id_var.get()) is not None:
            body.setdefault("request_id", request_id)
        return body


class BadRequest(AppError):
    status, title, slug = 400, "Bad request", "bad-request"


class Unauthenticated(AppError):
    status, title, slug = 401, "Authentication required", "unauthenticated"
    about = "Send `Authorization: Bearer <API key>` or log in; the key may be unknown or revoked."


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"
    about = (
        "The caller's role or organisation may not do this (or a cookie-authenticated write "
        "lacks `X-CSRF-Token`); sending it again will not help."
    )


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"
    about = "No such resource, or none the caller may see."


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"
    about = "Conflicts with something that already exists."


class IdempotencyKeyReused(Conflict):
    """The Idempotency-Key was first used for a different request."""

    title, slug = "Idempotency-Key reused", "idempotency-key-reused"
    about = (
        "This `Idempotency-Key` was already used by your organisation for a different "
        "request (`idempotency_key` names it); use a new key for a new request."
    )


class IdempotencyKeyInFlight(Conflict):
    """A request with the same Idempotency-Key has not finished yet."""

    title, slug = "Idempotency-Key in use", "idempotency-key-in-flight"
    about = (
        "A request with this `Idempotency-Key` is still being processed; send the same "
        "request again in a moment to get its result."
    )


class DuplicateCandidate(Conflict):
    """The person is already a candidate on the order."""

    title, slug = "Already a candidate", "duplicate-candidate"
    about = "This person is already on the order; `candidate_id` (when present) names them."


class InvalidState(AppError):
    status, title, slug = 409, "Invalid state transition", "invalid-state"
    about = (
        "The order or candidate is in a state that does not allow this; `current_status` or "
        "`candidate_status` says which. Reload it and decide again."
    )


class StaleVersion(AppError):
    """A write based on an old version of a resource (optimistic locking)."""

    status, title, slug = 412, "Precondition failed", "stale-version"
    about = (
        "The order changed since the caller read it; `current_version` is its version now. "
        "Read it again, re-apply the change and send it with the new `If-Match`."
    )


class ValidationFailed(AppError):
    status, title, slug = 422, "Validation failed", "validation-failed"
    about = (
        "The input is invalid; `errors` (schema checks) or `field` (business rules) point "
        "at what to fix."
    )


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"
    about = (
        "The matching service or its embedding model is unavailable; try again later, with backoff."
    )


def problem_kinds() -> list[type[AppError]]:
    """Every kind of problem the API sends, base class first, for the reference and docs."""
    kinds: list[type[AppError]] = []
    pending: list[type[AppError]] = [AppError]
    while pending:
        cls = pending.pop(0)
        if cls.slug not in {k.slug for k in kinds}:
            kinds.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(kinds, key=lambda k: (k.status, k.slug))


class FieldError(BaseModel):
    """One failed schema check of the request."""

    loc: list[str | int] = Field(
        description="Where: `body`, `query`, `header` or `path`, then the field path"
    )
    msg: str
    type: str = Field(description="Pydantic's error type, e.g. `missing`, `string_too_long`")


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them.

    Besides the standard members a problem may carry the extension members below; which ones
    a kind of problem carries is listed with its `type` in the API documentation.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="A URI naming the kind of problem; `about:blank` for plain HTTP errors"
    )
    title: str
    status: int
    detail: str
    instance: str | None = Field(default=None, description="The request path")
    request_id: str | None = Field(
        default=None, description="The request's id (also the `X-Request-ID` header), for support"
    )
    errors: list[FieldError] | None = Field(
        default=None, description="validation-failed: every failed schema check"
    )
    field: str | None = Field(
        default=None, description="validation-failed: the field a business rule refused"
    )
    current_version: int | None = Field(
        default=None, description="stale-version: the order's version now"
    )
    current_status: str | None = Field(
        default=None, description="invalid-state: the order's status now"
    )
    candidate_status: str | None = Field(
        default=None, description="invalid-state: the candidate's state now"
    )
    candidate_id: uuid.UUID | None = Field(
        default=None, description="duplicate-candidate: the candidate already on the order"
    )
    idempotency_key: str | None = Field(
        default=None, description="idempotency-key-reused: the key that was reused"
    )


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem, "content": {PROBLEM_JSON: {}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response("Malformed request"),
    401: _problem_response("No or invalid credentials"),
    403: _problem_response("Not allowed for the caller's role or organisation"),
    404: _problem_response("No such resource visible to the caller"),
    409: _problem_response("Conflicts with the resource's current state"),
    412: _problem_response("The resource changed since the caller read it"),
    422: _problem_response("Invalid input"),
}
