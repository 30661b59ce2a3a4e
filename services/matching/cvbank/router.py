"""CV bank API: CV ingest for the CV source and CV reads for staff."""

import uuid
from collections.abc import Iterator
from typing import Annotated

import anyio.from_thread
from fastapi import APIRouter, Path, Request, Response

from services.matching import policy
from services.matching.acting import ACTOR_HEADER, ActingActor
from services.matching.contract import CvSummary
from services.matching.cvbank import contact, ingest, service
from services.matching.cvbank.schemas import BulkResult, ContactOut, CvBody, CvOut, UpsertResult
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES, Forbidden, ValidationFailed

router = APIRouter(prefix="/api/matching", tags=["matching"], responses=PROBLEM_RESPONSES)

ExternalId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[\w.:\-]+$")]
NDJSON = "application/x-ndjson"


@router.put("/cvs/by-external-id/{external_id}", response_model=UpsertResult)
def upsert_cv(
    external_id: ExternalId, body: CvBody, session: SessionDep, actor: CurrentActor
) -> UpsertResult:
    """Create or replace one CV from the CV source (idempotent)."""
    return service.upsert_cv(session, actor, external_id=external_id, body=body)


@router.delete("/cvs/by-external-id/{external_id}", status_code=204)
def delete_cv(external_id: ExternalId, session: SessionDep, actor: CurrentActor) -> Response:
    """Remove one CV and its case facts."""
    service.delete_cv(session, actor, external_id=external_id)
    return Response(status_code=204)


@router.post(
    "/cvs/bulk",
    response_model=BulkResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {NDJSON: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def bulk_upsert(request: Request, session: SessionDep, actor: CurrentActor) -> BulkResult:
    """Upsert CVs sent as NDJSON (one CV per line); each line applies fully or not at all."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != NDJSON:
        raise ValidationFailed(f"Send the CVs as {NDJSON}, one JSON object per line")
    policy.require_cv_source(actor, action="cv.bulk_upsert")
    chunks = _sync_stream(request)
    return ingest.bulk_upsert(session, actor, lines=ingest.iter_ndjson(chunks))


def _sync_stream(request: Request) -> Iterator[bytes]:
    """The request body chunk by chunk, read from this worker thread as it arrives."""
    stream = request.stream()
    while True:
        try:
            chunk = anyio.from_thread.run(stream.__anext__)
        except StopAsyncIteration:
            return
        if chunk:
            yield chunk


@router.get("/cvs/{cv_id:uuid}", response_model=CvOut)
def get_cv(cv_id: uuid.UUID, session: SessionDep, actor: ActingActor) -> CvOut:
    """The whole CV with its case facts, for staff who may see it (audited)."""
    return service.get_cv(session, actor, cv_id)


@router.get("/cvs/{cv_id:uuid}/summary", response_model=CvSummary)
def get_cv_summary(cv_id: uuid.UUID, session: SessionDep, actor: ActingActor) -> CvSummary:
    """A CV's name, headline and place, for staff who may see it (audited)."""
    return service.get_cv_summary(session, actor, cv_id)


@router.get("/cvs/{cv_id:uuid}/contact", response_model=ContactOut)
def get_cv_contact(
    cv_id: uuid.UUID, request: Request, session: SessionDep, actor: ActingActor
) -> ContactOut:
    """A CV's phone and e-mail, for the job-order service acting for a person (audited).

    Only the job-order service knows who may contact the person on an order, so nobody
    reads contact details here directly: the call must act for someone.
    """
    if not request.headers.get(ACTOR_HEADER):
        raise Forbidden(
            "Contact details are read through the candidate on an order, by those who may "
            "contact the candidate",
            action="cv.contact.read",
            subject_type="cv",
            subject_id=cv_id,
        )
    return contact.get_cv_contact(session, actor, cv_id)
