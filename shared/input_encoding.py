"""Text that is not UTF-8 is refused at the door: a 422, never a 500 or stored junk.

Starlette decodes form fields leniently: `%FF` in a urlencoded body becomes U+FFFD, a
raw byte becomes a Latin-1 letter and an undecodable multipart field is read as
Latin-1. The service would then store that junk as if the user had typed it. JSON with
invalid bytes answers a 400 that the API does not describe, and an escaped lone
surrogate (`"\\ud800"`) parses fine and fails in the database driver (a 500).

`Utf8Guard` reads the bodies of form posts and JSON requests before anything parses
them and answers a 422 problem (API) or the Danish error page (browser) naming the
field. NDJSON is left to the bulk endpoint, which streams it and fails a bad line only.
"""

import re
from typing import Any
from urllib.parse import unquote_to_bytes

import python_multipart as multipart
from python_multipart.multipart import parse_options_header
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import ValidationFailed

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# Bodies larger than this are left to the parsers' own limits (no form of ours is near it).
MAX_CHECKED_BODY = 8 * 1024 * 1024
# A \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or a low one without a high
# one before it; an escaped backslash (an even run) does not start an escape.
_LONE_SURROGATE = re.compile(
    rb"(?<!\\)(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})(?<!\\)(?:\\\\)*\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _urlencoded_problem(body: bytes) -> str | None:
    """The first field whose name or value is not percent-encoded UTF-8, if any."""
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        label = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
        # Raw bytes above 0x7f are not form encoding (browsers percent-encode them) and
        # would be read as Latin-1; percent-encoded bytes must form UTF-8.
        for part in (name, value):
            if not part.isascii() or not _is_utf8(unquote_to_bytes(part.replace(b"+", b" "))):
                return label or "?"
    return None


def _multipart_problem(content_type: str, body: bytes) -> str | None:
    """The first non-file part whose name or text is not UTF-8, if any."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        return None  # the form parser answers that one itself
    parts: list[dict[str, Any]] = []
    header: dict[str, bytes] = {"name": b"", "value": b""}

    def on_part_begin() -> None:
        parts.append({"headers": {}, "data": b""})

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        parts[-1]["headers"][header["name"].lower()] = header["value"]
        header["name"] = header["value"] = b""

    parser = multipart.MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # malformed multipart: the form parser answers that one itself
        return None
    for part in parts:
        disposition = part["headers"].get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        if b"filename" in options:
            continue  # a file is bytes, not text
        name = options.get(b"name", b"")
        if not _is_utf8(name) or not _is_utf8(part["data"]):
            return name.decode("utf-8", "replace") or "?"
    return None


def _json_problem(body: bytes) -> bool:
    return not _is_utf8(body) or _LONE_SURROGATE.search(body) is not None


def encoding_problem(content_type: str, body: bytes) -> tuple[str, str] | None:
    """(field, what is wrong) when a body's text is not UTF-8; None when it is."""
    media = content_type.split(";")[0].strip().lower()
    if media == FORM:
        field = _urlencoded_problem(body)
    elif media == MULTIPART:
        field = _multipart_problem(content_type, body)
    elif media == "application/json" or media.endswith("+json"):
        field = "body" if _json_problem(body) else None
    else:
        return None
    if field is None:
        return None
    return field, f"The text of {field!r} is not valid UTF-8; nothing was saved"


class Utf8Guard:
    """ASGI middleware: refuse form and JSON bodies whose text is not UTF-8 (see above)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        content_type = ""
        for key, value in scope["headers"]:
            if key == b"content-type":
                content_type = value.decode("latin-1")
        media = content_type.split(";")[0].strip().lower()
        if media not in (FORM, MULTIPART, "application/json") and not media.endswith("+json"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay(message, receive), send)
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = encoding_problem(content_type, body) if size <= MAX_CHECKED_BODY else None
        if problem is None:
            message = {"type": "http.request", "body": body, "more_body": False}
            await self.app(scope, _replay(message, receive), send)
            return
        from shared.web import problem_response  # the spine imports this module

        field, detail = problem
        request = Request(scope)
        error = ValidationFailed(
            detail,
            action="input.encoding",
            field=field,
            errors=[{"loc": ["body", field], "msg": detail, "type": "invalid_utf8"}],
        )
        response = problem_response(request, error)
        await response(scope, receive, send)


def _replay(first: Message, receive: Receive) -> Receive:
    """Hand over the buffered body once, then listen to the client as before (disconnects)."""
    pending = [first]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
