"""Identity endpoints: who am I, organisations, API keys, audit log."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES
from shared.identity import service
from shared.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    AuditEventOut,
    AuditPage,
    Me,
    OrganisationOut,
    PasswordChange,
)
from shared.models import OrgKind, Outcome

router = APIRouter(prefix="/api", tags=["identity"], responses=PROBLEM_RESPONSES)


@router.get("/me", response_model=Me)
def me(actor: CurrentActor) -> Me:
    return Me(
        kind=actor.kind,
        id=actor.id,
        name=actor.name,
        email=actor.email,
        role=actor.role,
        organisation_id=actor.organisation_id,
        organisation_name=actor.organisation_name,
        organisation_kind=actor.organisation_kind,
    )


@router.post("/me/password", status_code=204)
def change_password(
    body: PasswordChange, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    """Change one's own password; every session of the person ends, this one too."""
    service.change_password(
        session, actor, current_password=body.current_password, new_password=body.new_password
    )
    request.session.clear()
    return Response(status_code=204)


@router.get("/organisations", response_model=list[OrganisationOut])
def organisations(
    session: SessionDep, actor: CurrentActor, kind: OrgKind | None = None
) -> list[OrganisationOut]:
    return [OrganisationOut.model_validate(o) for o in service.list_organisations(session, kind)]


@router.get("/apikeys", response_model=list[ApiKeyOut])
def list_keys(session: SessionDep, actor: CurrentActor) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(k) for k in service.list_api_keys(session, actor)]


@router.post("/apikeys", response_model=ApiKeyCreated, status_code=201)
def create_key(body: ApiKeyCreate, session: SessionDep, actor: CurrentActor) -> ApiKeyCreated:
    key, plain = service.issue_api_key(
        session, actor, name=body.name, scopes=body.scopes, expires_in_days=body.expires_in_days
    )
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), key=plain)


@router.post("/apikeys/{key_id}/revoke", response_model=ApiKeyOut)
def revoke_key(key_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ApiKeyOut:
    return ApiKeyOut.model_validate(service.revoke_api_key(session, actor, key_id))


@router.get("/audit", response_model=AuditPage)
def audit_log(
    session: SessionDep,
    actor: CurrentActor,
    outcome: Outcome | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AuditPage:
    rows, total = service.list_audit_events(
        session,
        actor,
        outcome=outcome,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        since=since,
        limit=limit,
        offset=offset,
    )
    return AuditPage(total=total, items=[AuditEventOut.model_validate(r) for r in rows])
