"""API shapes for identity and audit."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.models import OrgKind, Outcome, Role


class Me(BaseModel):
    kind: str
    id: uuid.UUID | None
    name: str
    email: str | None
    role: Role | None
    organisation_id: uuid.UUID
    organisation_name: str
    organisation_kind: OrgKind


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    organisation_id: uuid.UUID
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret key; shown only in this response")


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    actor_name: str | None
    organisation_id: uuid.UUID | None
    action: str
    subject_type: str | None
    subject_id: str | None
    outcome: Outcome
    request_id: str | None
    detail: str | None


class AuditPage(BaseModel):
    total: int
    items: list[AuditEventOut]


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: OrgKind
    municipality_code: str | None
