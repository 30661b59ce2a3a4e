"""Bulk CV ingest: NDJSON streamed line by line, each line applied fully or not at all."""

import json
import logging
import uuid
from collections.abc import Iterable, Iterator

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.matching import policy
from services.matching.cvbank.schemas import (
    BulkLineError,
    BulkResult,
    CvBody,
    CvContent,
    CvIn,
)
from services.matching.cvbank.service import apply_cv, queue_embedding, resolve_occupations
from services.matching.models import Cv
from shared import audit
from shared.actor import Actor
from shared.errors import AppError, ValidationFailed

log = logging.getLogger(__name__)

BULK_CHUNK = 200
MAX_NDJSON_LINE = 200_000


def _problem(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts)


class _BulkRun:
    """One bulk upsert: lines are parsed one by one and applied in chunks of BULK_CHUNK."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.result = BulkResult(lines=0, created=0, updated=0, unchanged=0, failed=0, errors=[])
        self.to_embed: list[uuid.UUID] = []
        self.pending: list[tuple[int, CvIn]] = []

    def fail(self, line_no: int, external_id: str | None, problem: str) -> None:
        self.result.failed += 1
        if len(self.result.errors) < 1000:
            self.result.errors.append(
                BulkLineError(line=line_no, external_id=external_id, problem=problem)
            )

    def feed(self, line_no: int, raw: bytes) -> None:
        self.result.lines = line_no
        if not raw.strip():
            return
        if len(raw) > MAX_NDJSON_LINE:
            self.fail(line_no, None, f"line longer than {MAX_NDJSON_LINE} bytes")
            return
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            self.fail(line_no, None, f"not JSON: {exc}")
            return
        except RecursionError:
            # A line nested thousands deep exhausts the parser's stack: that line fails,
            # the rest of the stream goes on.
            self.fail(line_no, None, "not JSON: nested too deeply")
            return
        ext = data.get("external_id") if isinstance(data, dict) else None
        try:
            self.pending.append((line_no, CvIn.model_validate(data)))
        except ValidationError as exc:
            self.fail(line_no, ext if isinstance(ext, str) else None, _problem(exc))
            return
        if len(self.pending) >= BULK_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        session, result = self.session, self.result
        ids = [cv_in.external_id for _, cv_in in self.pending]
        existing = {
            cv.external_id: cv for cv in session.scalars(select(Cv).where(Cv.external_id.in_(ids)))
        }
        # The same external id twice in one chunk: the later line sees the earlier one.
        olds = [existing.get(i) for i in ids]
        contents = [
            CvContent.model_validate(c.model_dump(exclude={"case_facts", "contact", "external_id"}))
            for _, c in self.pending
        ]
        occupations = resolve_occupations(contents, olds)
        for (line_no, cv_in), occs in zip(self.pending, occupations, strict=True):
            old = existing.get(cv_in.external_id)
            try:
                with session.begin_nested():
                    body = CvBody.model_validate(cv_in.model_dump(exclude={"external_id"}))
                    applied = apply_cv(session, cv_in.external_id, body, occs, old)
            except AppError as exc:
                self.fail(line_no, cv_in.external_id, exc.detail)
                continue
            except Exception as exc:  # one bad line must not stop the stream
                log.warning("bulk line %d failed: %s", line_no, exc)
                self.fail(line_no, cv_in.external_id, f"could not store: {type(exc).__name__}")
                continue
            existing[cv_in.external_id] = applied.cv
            if applied.created:
                result.created += 1
            elif applied.changed:
                result.updated += 1
            else:
                result.unchanged += 1
            if applied.needs_embedding:
                self.to_embed.append(applied.cv.id)
        self.pending.clear()


def bulk_upsert(session: Session, actor: Actor, *, lines: Iterable[bytes]) -> BulkResult:
    """Upsert NDJSON lines; each line applies fully or not at all, errors are per line."""
    policy.require_cv_source(actor, action="cv.bulk_upsert")
    run = _BulkRun(session)
    for line_no, raw in enumerate(lines, start=1):
        run.feed(line_no, raw)
    run.flush()
    audit.record(
        session,
        actor,
        "cv.bulk_upsert",
        subject_type="cv",
        detail=json.dumps(run.result.model_dump(exclude={"errors"})),
    )
    queue_embedding(session, list(dict.fromkeys(run.to_embed)))
    return run.result


def iter_ndjson(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Split a byte stream into lines without holding more than one line in memory."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        yield from complete
        if len(buffer) > MAX_NDJSON_LINE:
            raise ValidationFailed(f"An NDJSON line is longer than {MAX_NDJSON_LINE} bytes")
    if buffer:
        yield buffer
