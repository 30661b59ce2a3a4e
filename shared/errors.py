"""One error family, rendered as RFC 9457 problem details."""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    """Base of every error a service raises on purpose."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str] = "bad-request"

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
            "type": f"https://jobbro.dk/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(AppError):
    status, title, slug = 400, "Bad request", "bad-request"


class Unauthenticated(AppError):
    status, title, slug = 401, "Authentication required", "unauthenticated"


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class InvalidState(AppError):
    status, title, slug = 409, "Invalid state transition", "invalid-state"


class StaleVersion(AppError):
    """A write based on an old version of a resource (optimistic locking)."""

    status, title, slug = 412, "Precondition failed", "stale-version"


class ValidationFailed(AppError):
    status, title, slug = 422, "Validation failed", "validation-failed"


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


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
