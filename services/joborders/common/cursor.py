"""Opaque paging cursors: the sort key of the last item seen, with its id as the tiebreak.

A page after a cursor holds the items that sort strictly after that (key, id), so a
list that changes between requests never repeats or skips an item that stayed put. The
cursor is base64url of JSON: clients must treat it as opaque.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, and_, or_
from starlette.requests import Request

from shared.errors import ValidationFailed


def encode(*values: Any) -> str:
    raw = [v.isoformat() if isinstance(v, date | datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(raw, separators=(",", ":")).encode()).decode()


def decode(cursor: str | None, *kinds: type) -> tuple[Any, ...] | None:
    """The values of a cursor, as the kinds given (int, str, date, datetime, UUID); 422 if bad."""
    if cursor is None:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError("wrong shape")
        return tuple(_parse(kind, value) for kind, value in zip(kinds, raw, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise ValidationFailed(
            "Not a cursor from this list; pass next_cursor as it was given", field="cursor"
        ) from exc


def peek(cursor: str | None) -> str | None:
    """The first value of a cursor (what it sorts by), to choose how to decode the rest."""
    if cursor is None:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(raw[0]) if isinstance(raw, list) and raw else ""
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        return ""


def after_condition(keys: Sequence[tuple[Any, Any, bool]]) -> ColumnElement[bool]:
    """SQL: the rows that sort strictly after these key values, as (column, value, descending).

    The last key must be unique (the id), so no two rows share a position.
    """
    clauses = []
    for i, (column, value, descending) in enumerate(keys):
        ties = [c == v for c, v, _ in keys[:i]]
        clauses.append(and_(*ties, column < value if descending else column > value))
    return or_(*clauses)


class PageLinks(BaseModel):
    """How to ask for the next page of a list: stable under inserts, unlike an offset."""

    # Always in the answer (null on the last page), so generated clients need no "unset".
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page"
    )
    next: str | None = Field(
        default=None, description="The next page's URL (path and query); null on the last page"
    )


def _parse(kind: type, value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("not a string")
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive time")
        return parsed
    if kind is date:
        return date.fromisoformat(value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is int:
        return int(value)
    return value


def next_link(request: Request, cursor: str | None) -> str | None:
    """The request's own path and query with `cursor` replaced: the next page's URL."""
    if cursor is None:
        return None
    params = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "offset")
    ]
    params.append(("cursor", cursor))
    return f"{request.url.path}?{urlencode(params)}"
