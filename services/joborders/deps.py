"""Request headers the job-order API reads: If-Match and Idempotency-Key."""

from typing import Annotated

from fastapi import Header

from shared.errors import BadRequest, ValidationFailed

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="A retried request with the same key returns the first result",
    ),
]
IfMatchHeader = Annotated[
    str | None,
    Header(alias="If-Match", max_length=40, description='The order version you edited, e.g. "3"'),
]


def parse_if_match(value: str | None) -> int | None:
    """The version in an If-Match header (`3`, `"3"` or `W/"3"`)."""
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadRequest('If-Match must carry the order version, e.g. If-Match: "3"')
    return int(raw)


def expected_version(header: str | None, body: int | None, *, required: bool = True) -> int | None:
    """The version the caller edited, from If-Match or the body; both must agree."""
    from_header = parse_if_match(header)
    if from_header is not None and body is not None and from_header != body:
        raise BadRequest("If-Match and the version field disagree")
    version = from_header if from_header is not None else body
    if version is None and required:
        raise ValidationFailed(
            "Send the order version you edited, in If-Match or the version field",
            field="version",
        )
    return version
