"""Service functions for identity: callers pass the session and the acting actor."""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared import audit
from shared.actor import Actor
from shared.auth import actor_for_user, require_role, require_same_org, require_user
from shared.context import request_id_var
from shared.db import unit_of_work, utcnow
from shared.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from shared.geo import municipality_of
from shared.identity import scopes as key_scopes
from shared.identity import sessions, throttle
from shared.models import ApiKey, AuditEvent, Organisation, OrgKind, Outcome, Role, User
from shared.security import (
    hash_password,
    new_api_key,
    verify_password,
    verify_password_or_dummy,
)

MIN_PASSWORD_LENGTH = 8


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


def jobcentre_for_postal_code(session: Session, postal_code: str | None) -> Organisation | None:
    """The jobcentre of the municipality a postal code lies in, if Jobbro knows one."""
    code = municipality_of(postal_code) if postal_code else None
    if code is None:
        return None
    return session.scalar(
        select(Organisation)
        .where(
            Organisation.kind == OrgKind.JOBCENTRE,
            Organisation.municipality_code == code.zfill(3),
        )
        .order_by(Organisation.name)
        .limit(1)
    )


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
    _check_password(password)
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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def log_in(session: Session, *, email: str, password: str, address: str) -> tuple[Actor, str]:
    """Check a login and start a session; returns the actor and the session's cookie token.

    Refusals (wrong e-mail or password, or waiting after too many) are counted and
    audited under the account's organisation, so its administrator sees them. An
    unknown e-mail costs one argon2 verification like a known one (no enumeration).
    """
    email = email.strip().lower()
    account = throttle.account_key(email)
    user = session.scalar(select(User).where(User.email == email))
    try:
        throttle.check(session, account=account, address=address)
    except throttle.TooManyAttempts as exc:
        _audit_refused_login(user, email, f"throttled for {exc.retry_after} s")
        raise
    ok = verify_password_or_dummy(user.password_hash if user else None, password)
    if user is None or not user.active or not ok:
        throttle.record_failure(
            account=account,
            address=address,
            audit_event=_refused_login_event(user, email, "wrong e-mail or password"),
        )
        raise Unauthenticated("Wrong e-mail or password", action="auth.login")
    throttle.clear(session, account=account)
    actor = actor_for_user(user)
    token = sessions.start(session, user.id)
    audit.record(session, actor, "auth.login", subject_type="user", subject_id=user.id)
    return actor, token


def _refused_login_event(user: User | None, email: str, detail: str) -> AuditEvent:
    # Nobody is authenticated, yet the account's organisation owns the event: its
    # administrator reads refused logins of its people in its own audit log.
    return AuditEvent(
        actor_type="anonymous",
        organisation_id=user.organisation_id if user else None,
        action="auth.login",
        subject_type="user",
        subject_id=str(user.id) if user else email[:100],
        outcome=Outcome.DENY,
        request_id=request_id_var.get(),
        detail=detail,
    )


def _audit_refused_login(user: User | None, email: str, detail: str) -> None:
    with unit_of_work() as s:
        s.add(_refused_login_event(user, email, detail))


def log_out(session: Session, token: str) -> None:
    sessions.end(session, token, "logout")


def change_password(
    session: Session, actor: Actor, *, current_password: str, new_password: str
) -> int:
    """A person changes their own password; every session of theirs ends, this one too."""
    require_user(actor, action="auth.password")
    user = session.get(User, actor.id)
    if user is None or not verify_password(user.password_hash, current_password):
        raise ValidationFailed("The current password is wrong", field="current_password")
    return set_password(session, user, new_password, by=actor)


def set_password(session: Session, user: User, new_password: str, *, by: Actor | None) -> int:
    """Set a password (own change or an operator's reset) and end all the user's sessions."""
    _check_password(new_password)
    user.password_hash = hash_password(new_password)
    ended = sessions.end_all(session, user.id, "password_changed")
    audit.record(
        session,
        by,
        "auth.password",
        subject_type="user",
        subject_id=user.id,
        detail=f"{ended} session(s) ended",
    )
    return ended


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No user with e-mail {email}")
    return user


def create_api_key(
    session: Session,
    *,
    organisation: Organisation,
    name: str,
    scopes: Iterable[str] | None = None,
    expires_in_days: int | None = None,
) -> tuple[ApiKey, str]:
    """Create a key for a system client; the plain key is returned once and never stored.

    Without `scopes` the key gets what keys of its organisation's kind could do before
    scopes existed (LEGACY_SCOPES); the CLI and the API make the caller choose.
    """
    chosen = (
        key_scopes.LEGACY_SCOPES[organisation.kind]
        if scopes is None
        else key_scopes.validate_scopes(scopes, organisation.kind)
    )
    if expires_in_days is not None and expires_in_days < 1:
        raise ValidationFailed("A key expires at least one day ahead", field="expires_in_days")
    plain, prefix, secret_hash = new_api_key()
    key = ApiKey(
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        organisation=organisation,
        scopes=" ".join(sorted(chosen)),
        expires_at=None if expires_in_days is None else utcnow() + timedelta(days=expires_in_days),
    )
    session.add(key)
    session.flush()
    return key, plain


def issue_api_key(
    session: Session,
    actor: Actor,
    *,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int | None = None,
) -> tuple[ApiKey, str]:
    require_role(actor, Role.ADMINISTRATOR, action="apikey.create")
    org = session.get(Organisation, actor.organisation_id)
    assert org is not None
    key, plain = create_api_key(
        session, organisation=org, name=name, scopes=scopes, expires_in_days=expires_in_days
    )
    audit.record(
        session,
        actor,
        "apikey.create",
        subject_type="api_key",
        subject_id=key.id,
        detail=f"scopes: {key.scopes}",
    )
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
