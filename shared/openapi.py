"""The OpenAPI description integrators generate clients from, made to match the server.

FastAPI derives paths and schemas from the routers; this module adds, in one place, what it
cannot know: how callers authenticate, which problems each operation can answer with (as
`application/problem+json`), the headers the server sends and reads, short stable operation
ids, one tag per area, enums for closed value sets, examples, servers and contact.

Every operation has an entry in `OPERATIONS`; a route without one fails the API tests, so a
new endpoint gets a deliberate name instead of a path-derived one.
"""

import copy
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field

from shared.errors import (
    PROBLEM_JSON,
    AppError,
    BadRequest,
    DuplicateCandidate,
    Forbidden,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidState,
    NotFound,
    Problem,
    ServiceUnavailable,
    StaleVersion,
    Unauthenticated,
    ValidationFailed,
    problem_kinds,
)

BEARER = "bearerApiKey"
COOKIE = "sessionCookie"
API_SECURITY: list[dict[str, list[str]]] = [{BEARER: []}, {COOKIE: []}]

CONTACT = {"name": "Jobbro", "url": "https://jobbro.dk"}
# The project carries no open-source licence; the description says so rather than guess one.
LICENSE = {"name": "Proprietary"}
SERVERS = [{"url": "/", "description": "This Jobbro installation"}]

TAGS: list[dict[str, str]] = [
    {"name": "orders", "description": "Job orders: register, read, edit, status, ownership, "
     "JobAG forwarding, sharing with a-kasser and the mediation log"},
    {"name": "candidates", "description": "Ranked matches and the candidate pipeline on an order"},
    {"name": "notes", "description": "Free notes on an order and on its candidates"},
    {"name": "indicators", "description": "STAR's measures for the caller's organisation"},
    {"name": "notifications", "description": "The logged-in person's notifications"},
    {"name": "webhooks", "description": "A system client's endpoints for order events, "
     "signed deliveries and their log"},
    {"name": "identity", "description": "Who am I, organisations, API keys and the audit log"},
    {"name": "cv-bank", "description": "CV ingest from the CV source and CV reads for staff"},
    {"name": "matching", "description": "Candidate ranking and the state of the search index"},
    {"name": "occupations", "description": "Danish job titles to ESCO occupations"},
    {"name": "health", "description": "Liveness and readiness, without credentials"},
    {"name": "contact", "description": "The joint contact process: early-offer "
     "recommendations and joint job interviews between a-kasse and jobcentre"},
]  # fmt: skip

# Closed value sets the schemas type as plain strings; the values are what the code emits.
ORDER_STATUSES = ("draft", "in_process", "inactivated", "closed_filled", "closed_expired")
ORDER_ACTIONS = (
    "view", "edit", "edit_employer_contact", "hand_over", "take_over", "forward",
    "take_forwarded", "share", "search_candidates", "add_candidate",
    *(f"status:{s}" for s in ORDER_STATUSES),
)  # fmt: skip
CANDIDATE_ACTIONS = ("contact", "refer", "record_outcome", "reverse_outcome", "archive")
ACTOR_KINDS = ("user", "api_key", "system")


@dataclass(frozen=True)
class Op:
    """How one operation is described beyond what FastAPI derives."""

    operation_id: str
    tag: str
    # Problems besides the derived ones (401/403 when secured, 404 with a path id,
    # 400/412 with If-Match, 422 with input), as the error classes the service raises.
    raises: tuple[type[AppError], ...] = ()
    # Derived problems this operation cannot answer with.
    never: tuple[int, ...] = ()
    etag: bool = False
    location: bool = False


class UnparsableBody:
    """Starlette's own answer to a body that is not JSON: an `about:blank` problem."""

    status = 400
    title = "There was an error parsing the body"
    slug = "unparsable-body"

    @classmethod
    def type_uri(cls) -> str:
        return "about:blank"


Kind = type[AppError] | type[UnparsableBody]

_CONFLICT = (InvalidState,)
_IDEMPOTENT = (IdempotencyKeyReused, IdempotencyKeyInFlight)

OPERATIONS: dict[str, Op] = {
    "GET /healthz": Op("getLiveness", "health"),
    "GET /readyz": Op("getReadiness", "health"),
    "GET /api/me": Op("getMe", "identity", never=(403,)),
    "POST /api/me/password": Op("changePassword", "identity"),
    "GET /api/organisations": Op("listOrganisations", "identity", never=(403,)),
    "GET /api/apikeys": Op("listApiKeys", "identity"),
    "POST /api/apikeys": Op("createApiKey", "identity"),
    "POST /api/apikeys/{key_id}/revoke": Op("revokeApiKey", "identity"),
    "GET /api/audit": Op("listAuditEvents", "identity"),
    "POST /api/orders": Op("createOrder", "orders", _IDEMPOTENT, etag=True, location=True),
    "GET /api/orders": Op("listOrders", "orders"),
    "GET /api/orders/{order_id}": Op("getOrder", "orders", etag=True),
    "PATCH /api/orders/{order_id}": Op("updateOrder", "orders", _CONFLICT, etag=True),
    "PUT /api/orders/{order_id}/employer-contact": Op("changeEmployerContact", "orders", etag=True),
    "POST /api/orders/{order_id}/status": Op("changeOrderStatus", "orders", _CONFLICT, etag=True),
    "GET /api/orders/{order_id}/actions": Op("getAllowedActions", "orders"),
    "POST /api/orders/{order_id}/owners": Op("changeOwner", "orders", etag=True),
    "POST /api/orders/{order_id}/owner": Op("changeOwnerOldPath", "orders", etag=True),
    "GET /api/orders/{order_id}/owners": Op("listOwnerChanges", "orders"),
    "POST /api/orders/{order_id}/forward": Op(
        "forwardOrder", "orders", (*_CONFLICT, *_IDEMPOTENT), etag=True
    ),
    "POST /api/orders/{order_id}/take": Op("takeForwardedOrder", "orders", _CONFLICT, etag=True),
    "POST /api/orders/{order_id}/shares": Op("shareOrder", "orders", _CONFLICT),
    "GET /api/orders/{order_id}/shares": Op("listShares", "orders"),
    "GET /api/orders/{order_id}/log": Op("getMediationLog", "orders"),
    "GET /api/orders/{order_id}/candidates": Op("listCandidates", "candidates"),
    "POST /api/orders/{order_id}/candidates": Op(
        "proposeCandidate",
        "candidates",
        (*_CONFLICT, *_IDEMPOTENT, DuplicateCandidate, ServiceUnavailable),
    ),
    "GET /api/orders/{order_id}/matches": Op(
        "listMatches", "candidates", (ServiceUnavailable, InvalidState)
    ),
    "POST /api/orders/{order_id}/candidates/{candidate_id}/contact": Op(
        "recordContact", "candidates", _CONFLICT
    ),
    "POST /api/orders/{order_id}/candidates/{candidate_id}/refer": Op(
        "referCandidate", "candidates", _CONFLICT
    ),
    "POST /api/orders/{order_id}/candidates/{candidate_id}/outcome": Op(
        "recordOutcome", "candidates", _CONFLICT
    ),
    "POST /api/orders/{order_id}/candidates/{candidate_id}/reverse": Op(
        "reverseOutcome", "candidates", _CONFLICT
    ),
    "POST /api/orders/{order_id}/candidates/{candidate_id}/archive": Op(
        "archiveCandidate", "candidates", _CONFLICT
    ),
    # Candidate follow-up (docs/candidate-followup.md).
    "GET /api/orders/{order_id}/candidates/{candidate_id}/history": Op(
        "getCandidateHistory", "candidates", (ServiceUnavailable,)
    ),
    "GET /api/cvs/{cv_id}/order-history": Op(
        "getCvOrderHistory", "candidates", (ServiceUnavailable,)
    ),
    "GET /api/orders/{order_id}/candidates/{candidate_id}/contact-details": Op(
        "getCandidateContactDetails", "candidates", (ServiceUnavailable,)
    ),
    "GET /api/orders/{order_id}/notes": Op("listOrderNotes", "notes"),
    "POST /api/orders/{order_id}/notes": Op("addOrderNote", "notes", _IDEMPOTENT),
    "GET /api/orders/{order_id}/candidates/{candidate_id}/notes": Op("listCandidateNotes", "notes"),
    "POST /api/orders/{order_id}/candidates/{candidate_id}/notes": Op(
        "addCandidateNote", "notes", _IDEMPOTENT
    ),
    "GET /api/matching/cvs/{cv_id}/contact": Op("getCvContact", "cv-bank"),
    "GET /api/indicators/orders": Op("getOrderIndicators", "indicators"),
    "GET /api/notifications": Op("listNotifications", "notifications"),
    "POST /api/notifications/{notification_id}/read": Op("markNotificationRead", "notifications"),
    "POST /api/notifications/read-all": Op("markAllNotificationsRead", "notifications"),
    "PUT /api/matching/cvs/by-external-id/{external_id}": Op(
        "upsertCv", "cv-bank", (ServiceUnavailable,), never=(404,)
    ),
    "DELETE /api/matching/cvs/by-external-id/{external_id}": Op("deleteCv", "cv-bank"),
    "POST /api/matching/cvs/bulk": Op("bulkUpsertCvs", "cv-bank", (ServiceUnavailable,)),
    "GET /api/matching/cvs/{cv_id}": Op("getCv", "cv-bank"),
    "GET /api/matching/cvs/{cv_id}/summary": Op("getCvSummary", "cv-bank"),
    "POST /api/matching/search/order": Op("searchForOrder", "matching", (ServiceUnavailable,)),
    "POST /api/matching/search/text": Op("searchByText", "matching", (ServiceUnavailable,)),
    "GET /api/matching/index": Op("getIndexStatus", "matching"),
    "GET /api/occupations/normalize": Op(
        "normalizeTitle", "occupations", (ServiceUnavailable,), never=(403,)
    ),
    "POST /api/webhooks": Op("createWebhook", "webhooks", location=True),
    "GET /api/webhooks": Op("listWebhooks", "webhooks"),
    "GET /api/webhooks/{subscription_id}": Op("getWebhook", "webhooks"),
    "DELETE /api/webhooks/{subscription_id}": Op("deleteWebhook", "webhooks"),
    "GET /api/webhooks/{subscription_id}/deliveries": Op("listWebhookDeliveries", "webhooks"),
    "GET /api/occupations/by-uri": Op("getOccupation", "occupations", (NotFound,), never=(403,)),
    "POST /api/recommendations": Op("createRecommendation", "contact", (*_IDEMPOTENT, NotFound)),
    "GET /api/recommendations": Op("listRecommendations", "contact"),
    "GET /api/recommendations/{recommendation_id}": Op("getRecommendation", "contact"),
    "PUT /api/recommendations/{recommendation_id}": Op("amendRecommendation", "contact", _CONFLICT),
    "POST /api/recommendations/{recommendation_id}/decision": Op(
        "decideRecommendation", "contact", _CONFLICT
    ),
    "GET /api/interviews": Op("listInterviews", "contact"),
    "POST /api/interview-lists": Op("buildInterviewLists", "contact"),
    "GET /api/interviews/{interview_id}": Op("getInterview", "contact"),
    "POST /api/interviews/{interview_id}/proposal": Op("proposeTimes", "contact", _CONFLICT),
    "POST /api/interviews/{interview_id}/confirmation": Op(
        "confirmInterview", "contact", _CONFLICT
    ),
    "POST /api/interviews/{interview_id}/move": Op("moveInterview", "contact", _CONFLICT),
    "POST /api/interviews/{interview_id}/cancellation": Op("cancelInterview", "contact", _CONFLICT),
    "POST /api/interviews/{interview_id}/held": Op("markInterviewHeld", "contact", _CONFLICT),
}

_DERIVED_DESCRIPTIONS = {
    400: "The body is not JSON, or `If-Match` is malformed or disagrees with the body's `version`",
    401: "No, malformed, unknown or revoked credentials",
    403: "Not allowed for the caller's role or organisation",
    404: "No such resource visible to the caller",
    409: "Conflicts with the current state or with an earlier request",
    412: "The order changed since the caller read it",
    422: "Invalid input",
    503: "The matching service or its embedding model is unavailable",
}
_DERIVED_KINDS: dict[int, tuple[type[AppError], ...]] = {
    401: (Unauthenticated,),
    403: (Forbidden,),
    404: (NotFound,),
    412: (StaleVersion,),
    422: (ValidationFailed,),
}
_WRITE_METHODS = {"post", "put", "patch", "delete"}


class Liveness(BaseModel):
    status: Literal["ok"]


class ReadinessChecks(BaseModel):
    database: str = Field(description="`ok` or `error: <reason>`")
    broker: str | None = Field(
        default=None, description="`ok` or `error: unreachable`; only with a task broker"
    )


class Readiness(BaseModel):
    """Whether this process can serve: its database and, if configured, its task broker."""

    status: Literal["ok", "unavailable"]
    checks: ReadinessChecks


# -- the hook ------------------------------------------------------------------------------


def install(app: FastAPI) -> None:
    """Serve the described document at /openapi.json and give /docs an Authorize button."""
    app.servers = SERVERS
    app.contact = CONTACT
    app.license_info = LICENSE
    app.openapi_tags = TAGS
    app.swagger_ui_parameters = {**(app.swagger_ui_parameters or {}), "persistAuthorization": True}
    generate = app.openapi
    described: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not described:
            described.update(describe(copy.deepcopy(generate())))
            app.openapi_schema = described
        return described

    app.openapi = openapi  # type: ignore[method-assign]


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to FastAPI's document what the server does beyond its routes' signatures."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    components["securitySchemes"] = _security_schemes()
    components["headers"] = _headers()
    _add_models(schemas, Problem, Liveness, Readiness)
    # Only the app that serves the subscriptions describes what they receive.
    if any(p.startswith("/api/webhooks") for p in schema.get("paths", {})) and WEBHOOKS:
        _add_models(schemas, *(w.payload for w in WEBHOOKS.values()))
        schema["webhooks"] = {name: _webhook(w) for name, w in WEBHOOKS.items()}
    schema["info"]["description"] = schema["info"].get("description", "") + "\n\n" + _problems_doc()
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            _describe_operation(path, method, operation)
    _enums(schemas)
    _old_names(schemas)
    _examples(schema)
    _ndjson(schema)
    _drop_unused(schema)
    return schema


# -- what Jobbro sends: webhooks -----------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    payload: type[BaseModel]
    summary: str
    description: str
    headers: dict[str, str]


# Filled by the services that send webhooks (shared code does not import services).
WEBHOOKS: dict[str, Webhook] = {}


def register_webhook(name: str, webhook: Webhook) -> None:
    """Describe a request Jobbro sends to subscribers, in the document's `webhooks`."""
    WEBHOOKS[name] = webhook


def _webhook(webhook: Webhook) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "receive" + webhook.payload.__name__,
            "summary": webhook.summary,
            "description": webhook.description,
            "tags": ["webhooks"],
            "security": [],
            "parameters": [
                {
                    "name": name,
                    "in": "header",
                    "required": True,
                    "description": about,
                    "schema": {"type": "string"},
                }
                for name, about in webhook.headers.items()
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(webhook.payload.__name__)}},
            },
            "responses": {
                "200": {"description": "Received; any 2xx will do"},
                "503": {"description": "Any other answer (or none in 10 s): sent again later"},
            },
        }
    }


_NDJSON_EXAMPLE = (
    '{"external_id": "jobnet-4711", "name": "Ali Hassan", "headline": "Lagermedarbejder", '
    '"professional_competences": ["truckkørsel"], "postal_code": "8500"}\n'
    '{"external_id": "jobnet-4712", "name": "Eva Lund", "headline": "Smed", '
    '"certificates": ["Svejsecertifikat"], "postal_code": "8400"}\n'
)


def _ndjson(schema: dict[str, Any]) -> None:
    """The bulk CV upsert is NDJSON, which generators skip: say what a line is."""
    operation = schema["paths"].get("/api/matching/cvs/bulk", {}).get("post")
    if not operation:
        return
    media = operation["requestBody"]["content"].get("application/x-ndjson")
    if media is None:
        return
    media["example"] = _NDJSON_EXAMPLE
    # Kept `format: binary`: the body is a stream of lines, not one JSON value.
    media["schema"] = {
        **media.get("schema", {}),
        "description": "One JSON object per line: a `CvBody` plus its `external_id`",
    }
    operation["description"] = (
        operation.get("description", "")
        + "\n\nEach line is a `CvBody` (as `upsertCv` takes) with the CV's `external_id` added. "
        "Send it with a plain HTTP client: `curl -H 'Content-Type: application/x-ndjson' "
        "--data-binary @cvs.ndjson …/api/matching/cvs/bulk`."
    )


def _describe_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    key = f"{method.upper()} {path}"
    op = OPERATIONS.get(key)
    if op is None:
        # Left with FastAPI's name, which the API tests refuse.
        return
    operation["operationId"] = op.operation_id
    operation["tags"] = [op.tag]
    secured = path.startswith("/api/")
    operation["security"] = API_SECURITY if secured else []
    _plain_headers(operation)
    responses = operation.setdefault("responses", {})
    for status in [s for s in responses if s[0] in "45"]:
        del responses[status]
    for status, kinds in sorted(_problems(path, method, operation, op, secured).items()):
        responses[str(status)] = _problem_response(status, kinds)
    success = next(s for s in responses if s.startswith("2"))
    headers = responses[success].setdefault("headers", {})
    if op.etag:
        headers["ETag"] = {"$ref": "#/components/headers/ETag"}
    if op.location:
        headers["Location"] = {"$ref": "#/components/headers/Location"}
    if not headers:
        del responses[success]["headers"]
    if path == "/healthz":
        responses["200"]["content"]["application/json"]["schema"] = _ref("Liveness")
    elif path == "/readyz":
        ready = {"application/json": {"schema": _ref("Readiness")}}
        responses["200"]["content"] = ready
        responses["503"] = {
            "description": "The database or broker is unreachable",
            "content": ready,
        }


def _problems(
    path: str, method: str, operation: dict[str, Any], op: Op, secured: bool
) -> dict[int, list[Kind]]:
    params = operation.get("parameters", [])
    reads_if_match = any(p["in"] == "header" and p["name"] == "If-Match" for p in params)
    statuses: dict[int, list[Kind]] = {}

    def add(status: int, *kinds: Kind) -> None:
        listed = statuses.setdefault(status, [])
        listed.extend(k for k in kinds if k not in listed)

    if secured:
        add(401, *_DERIVED_KINDS[401])
        add(403, *_DERIVED_KINDS[403])
    if "{" in path:
        add(404, *_DERIVED_KINDS[404])
    if "application/json" in operation.get("requestBody", {}).get("content", {}):
        add(400, UnparsableBody)
    if reads_if_match:
        add(400, BadRequest)
        add(412, *_DERIVED_KINDS[412])
    if params or "requestBody" in operation:
        add(422, *_DERIVED_KINDS[422])
    if secured and method in _WRITE_METHODS:
        # A cookie-authenticated write without its CSRF token is refused whatever the role.
        add(403, Forbidden)
    for kind in op.raises:
        add(kind.status, kind)
    for status in op.never:
        statuses.pop(status, None)
    return statuses


def _problem_response(status: int, kinds: list[Kind]) -> dict[str, Any]:
    types = ", ".join(f"`{k.type_uri()}`" for k in kinds)
    description = _DERIVED_DESCRIPTIONS.get(status, kinds[0].title)
    return {
        "description": f"{description} (problem type {types})",
        "content": {
            PROBLEM_JSON: {
                "schema": _ref("Problem"),
                "examples": {kind.slug: {"value": _example_problem(kind)} for kind in kinds},
            }
        },
    }


_EXAMPLE_DETAILS: dict[str, tuple[str, dict[str, Any]]] = {
    "bad-request": ('If-Match must carry the order version, e.g. If-Match: "3"', {}),
    "unauthenticated": ("Unknown API key", {}),
    "forbidden": ("Only the mediation owner may change the order's status", {}),
    "not-found": ("No such job order", {}),
    "invalid-state": (
        "The order is closed (closed_filled); it cannot be edited",
        {"current_status": "closed_filled"},
    ),
    "idempotency-key-reused": (
        "This Idempotency-Key was already used for a different request",
        {"idempotency_key": "akasse-case-4711-create"},
    ),
    "idempotency-key-in-flight": (
        "A request with this Idempotency-Key is still being processed",
        {},
    ),
    "duplicate-candidate": (
        "This person is already on the order",
        {"candidate_id": "6f1c2b9e-3d0a-4c47-9a51-2b7d8e0f4a13"},
    ),
    "stale-version": (
        "The order changed since you read it (you sent version 3, it is now 4); "
        "reload it and try again",
        {"current_version": 4},
    ),
    "validation-failed": (
        "Invalid input: body.title",
        {"errors": [{"loc": ["body", "title"], "msg": "Field required", "type": "missing"}]},
    ),
    "unavailable": ("The matching service is unreachable", {}),
}


def _example_problem(kind: Kind) -> dict[str, Any]:
    detail, extra = _EXAMPLE_DETAILS.get(kind.slug, (kind.title, {}))
    return {
        "type": kind.type_uri(),
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": "/api/orders/0b6f7c2e-5a7d-4d0e-8f7e-3f1a9c2d4b10",
        "request_id": "4f3c2a1b9e8d7c6b5a4f3e2d1c0b9a8f",
        **extra,
    }


def _problems_doc() -> str:
    lines = [
        "## Errors",
        "",
        "Every error is an RFC 9457 problem (`application/problem+json`). Its `type` names the",
        "kind of problem; a client branches on `type`, not on `detail`:",
        "",
        "| status | type | meaning |",
        "|---|---|---|",
    ]
    for kind in problem_kinds():
        lines.append(f"| {kind.status} | `{kind.type_uri()}` | {kind.about} |")
    lines.append(
        "| any | `about:blank` | A plain HTTP error (a body that is not JSON, unknown path, "
        "method not allowed, server error); `title` says which. |"
    )
    return "\n".join(lines)


def _plain_headers(operation: dict[str, Any]) -> None:
    """Optional headers are a string or absent, never null, whatever pydantic says."""
    for param in operation.get("parameters", []):
        if param["in"] != "header":
            continue
        schema = param.get("schema", {})
        options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
        if len(options) == 1:
            merged = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            param["schema"] = {**merged, **options[0]}
        if param["name"] == "Idempotency-Key":
            param["example"] = "akasse-case-4711-create"
        elif param["name"] == "If-Match":
            param["example"] = '"3"'


def _security_schemes() -> dict[str, Any]:
    return {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "jb_<prefix>_<secret>",
            "description": "An organisation's API key (a system client such as an a-kasse's "
            "case system). An administrator issues it under *API-nøgler* or `POST /api/apikeys`.",
        },
        COOKIE: {
            "type": "apiKey",
            "in": "cookie",
            "name": "jobbro_session",
            "description": "The web UI's login session. Writes with it must also send the "
            "session's CSRF token in `X-CSRF-Token`.",
        },
    }


def _headers() -> dict[str, Any]:
    return {
        "ETag": {
            "description": 'The order\'s version as a strong entity tag, e.g. `"4"`; send it '
            "back in `If-Match` to change the order.",
            "schema": {"type": "string"},
            "example": '"4"',
        },
        "Location": {
            "description": "The new order's URL",
            "schema": {"type": "string", "format": "uri-reference"},
            "example": "/api/orders/0b6f7c2e-5a7d-4d0e-8f7e-3f1a9c2d4b10",
        },
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _add_models(schemas: dict[str, Any], *models: type[BaseModel]) -> None:
    for model in models:
        generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(generated.pop("$defs", {}))
        schemas[model.__name__] = generated


def _enums(schemas: dict[str, Any]) -> None:
    """Type closed value sets the schemas leave as plain strings."""

    def enum(values: tuple[str, ...]) -> dict[str, Any]:
        return {"type": "string", "enum": list(values)}

    patches: dict[tuple[str, str], dict[str, Any]] = {
        ("Me", "kind"): enum(("user", "api_key")),
        ("AuditEventOut", "actor_type"): _ref("ActorType"),
        ("CandidateOut", "allowed_actions"): {"type": "array", "items": enum(CANDIDATE_ACTIONS)},
        ("AllowedActions", "order"): {"type": "array", "items": enum(ORDER_ACTIONS)},
        ("AllowedActions", "candidates"): {
            "type": "object",
            "propertyNames": {"format": "uuid"},
            "additionalProperties": {"type": "array", "items": enum(CANDIDATE_ACTIONS)},
        },
    }
    schemas["ActorType"] = {
        **enum(ACTOR_KINDS),
        "title": "ActorType",
        "description": "Who acted: a person, an organisation's system (API key) or Jobbro itself",
    }
    for (name, prop), patch in patches.items():
        props = schemas.get(name, {}).get("properties", {})
        if prop in props:
            title = props[prop].get("title")
            props[prop] = {**patch, **({"title": title} if title else {})}


# (schema, old name, new name): request fields renamed for consistency; the server still
# accepts the old name for now, so the description lists it as deprecated.
OLD_NAMES = (("OrderQuery", "postal_code", "workplace_postal_code"),)


def _old_names(schemas: dict[str, Any]) -> None:
    for name, old, new in OLD_NAMES:
        props = schemas.get(name, {}).get("properties", {})
        if new in props:
            props[old] = {
                **props[new],
                "title": old,
                "deprecated": True,
                "description": f"Old name of `{new}`; send `{new}` instead (not both)",
            }


def _examples(schema: dict[str, Any]) -> None:
    for key, example in REQUEST_EXAMPLES.items():
        method, path = key.split(" ", 1)
        operation = schema["paths"].get(path, {}).get(method.lower())
        if operation and "requestBody" in operation:
            content = operation["requestBody"]["content"]
            for media in content.values():
                media["example"] = example


REQUEST_EXAMPLES: dict[str, Any] = {
    "POST /api/orders": {
        "employer_name": "Djurs Logistik A/S",
        "employer_cvr": "12345678",
        "contact_name": "Hanne Sørensen",
        "contact_email": "hanne@djurslogistik.dk",
        "title": "Lagermedarbejder",
        "description": "Pluk og pak, varemodtagelse; truckcertifikat er et plus.",
        "skills": ["lagerarbejde", "pluk og pak"],
        "certificates": ["Truckcertifikat B"],
        "positions": 2,
        "weekly_hours": 37,
        "workplace_postal_code": "8500",
        "channel": "phone",
        "owner_email": "lars@3f.dk",
    },
    "POST /api/orders/{order_id}/forward": {
        "reason": "Vi har ingen egnede medlemmer; videresendes til jobcentret",
    },
    "POST /api/orders/{order_id}/candidates": {
        "cv_id": "6f1c2b9e-3d0a-4c47-9a51-2b7d8e0f4a13",
        "source": "matching",
        "note": "Har selv henvendt sig om stillingen",
    },
    "POST /api/orders/{order_id}/candidates/{candidate_id}/contact": {
        "outcome": "interested",
        "note": "Kan starte 1. marts",
    },
    "POST /api/orders/{order_id}/status": {
        "status": "inactivated",
        "reason": "Arbejdsgiver venter",
    },
    "PATCH /api/orders/{order_id}": {"positions": 3},
    "POST /api/webhooks": {
        "url": "https://sag.3f.dk/jobbro/events",
        "events": ["order.taken", "candidate.referred", "candidate.hired", "order.closed"],
        "description": "3F sagssystem",
    },
}


def _drop_unused(schema: dict[str, Any]) -> None:
    """Remove components nothing refers to any more (FastAPI's 422 shapes, for one)."""
    schemas = schema["components"]["schemas"]
    while True:
        text = _json(schema)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del schemas[name]


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
