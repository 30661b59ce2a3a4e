"""Service functions for identity: callers pass the session and the acting actor."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared import audit
from shared.actor import Actor
from shared.auth import actor_for_user, require_role, require_same_org
from shared.db import utcnow
from shared.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from shared.models import ApiKey, AuditEvent, Organisation, OrgKind, Outcome, Role, User
from shared.security import hash_password, new_api_key, verify_password


def get_or_create_organisation(
    session: Session,
    *,
    name: str,
    kind: OrgKind,
    municipality_code: str | None = None,
    cvr: str | None = None,
    email: str | None = None,
) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(
            name=name, kind=kind, municipality_code=municipality_code, cvr=cvr, email=email
        )
        session.add(org)
        session.flush()
    return org


def find_organisation(session: Session, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        raise NotFound(f"No organisation named {name!r}")
    return org


def list_organisations(session: Session, kind: OrgKind | None = None) -> list[Organisation]:
    stmt = select(Organisation).order_by(Organisation.name)
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    return list(session.scalars(stmt))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    organisation: Organisation,
    role: Role,
) -> User:
    email = email.strip().lower()
    if len(password) < 8:
        raise ValidationFailed("A password needs at least 8 characters")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(f"A user with e-mail {email} already exists")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        organisation=organisation,
        role=role,
    )
    session.add(user)
    session.flush()
    return user


def authenticate_user(session: Session, *, email: str, password: str) -> Actor:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise Unauthenticated(
            "Wrong e-mail or password",
            action="auth.login",
            subject_type="user",
            subject_id=email.strip().lower()[:100],
        )
    actor = actor_for_user(user)
    audit.record(session, actor, "auth.login", subject_type="user", subject_id=user.id)
    return actor


def create_api_key(
    session: Session, *, organisation: Organisation, name: str
) -> tuple[ApiKey, str]:
    """Create a key for a system client; the plain key is returned once and never stored."""
    plain, prefix, secret_hash = new_api_key()
    key = ApiKey(name=name, prefix=prefix, secret_hash=secret_hash, organisation=organisation)
    session.add(key)
    session.flush()
    return key, plain


def issue_api_key(session: Session, actor: Actor, *, name: str) -> tuple[ApiKey, str]:
    require_role(actor, Role.ADMINISTRATOR, action="apikey.create")
    org = session.get(Organisation, actor.organisation_id)
    assert org is not None
    key, plain = create_api_key(session, organisation=org, name=name)
    audit.record(session, actor, "apikey.create", subject_type="api_key", subject_id=key.id)
    return key, plain


def list_api_keys(session: Session, actor: Actor) -> list[ApiKey]:
    require_role(actor, Role.ADMINISTRATOR, action="apikey.list")
    stmt = (
        select(ApiKey)
        .where(ApiKey.organisation_id == actor.organisation_id)
        .order_by(ApiKey.created_at)
    )
    return list(session.scalars(stmt))


def revoke_api_key(session: Session, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    require_role(actor, Role.ADMINISTRATOR, action="apikey.revoke")
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("No such API key")
    require_same_org(
        actor,
        key.organisation_id,
        action="apikey.revoke",
        subject_type="api_key",
        subject_id=key_id,
    )
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(session, actor, "apikey.revoke", subject_type="api_key", subject_id=key.id)
    return key


def list_audit_events(
    session: Session,
    actor: Actor,
    *,
    outcome: Outcome | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEvent], int]:
    """Administrators read their own organisation's audit trail."""
    require_role(actor, Role.ADMINISTRATOR, action="audit.read")
    stmt = select(AuditEvent).where(AuditEvent.organisation_id == actor.organisation_id)
    if outcome is not None:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(AuditEvent.at.desc(), AuditEvent.id).limit(limit).offset(offset)
    )
    audit.record(session, actor, "audit.read")
    return list(rows), total
