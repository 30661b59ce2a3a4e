"""API shapes for identity and audit."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    scopes: list[str] = Field(
        min_length=1,
        max_length=10,
        description="What the key may do: cv-source, cvs:read, orders, statistics:read",
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="The key stops working after this many days"
    )


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    organisation_id: uuid.UUID
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


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
