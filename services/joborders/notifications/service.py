"""In-app notifications (and e-mail when SMTP is configured) for mediators."""

import logging
import smtplib
import uuid
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.joborders.common import cursor
from services.joborders.common.upsert import insert_if_absent
from services.joborders.models import JobOrder, Notification
from services.joborders.orders.deadlines import overdue_condition, today
from shared.actor import Actor
from shared.audit import RefusedAsNotFound
from shared.auth import require_user
from shared.db import utcnow
from shared.models import Organisation, Role, User
from shared.settings import get_settings

log = logging.getLogger("jobbro.joborders.notifications")


def notify(
    session: Session,
    user: User,
    *,
    kind: str,
    dedupe_key: str,
    message: str,
    order: JobOrder | None = None,
) -> Notification | None:
    """Store a notification once per (user, dedupe_key) and e-mail it if SMTP is set up."""
    existing = session.scalar(
        select(Notification).where(
            Notification.user_id == user.id, Notification.dedupe_key == dedupe_key
        )
    )
    if existing is not None:
        return None
    note_id = uuid.uuid4()
    values = {
        "id": note_id,
        "user_id": user.id,
        "order_id": order.id if order is not None else None,
        "kind": kind,
        "dedupe_key": dedupe_key,
        "message": message,
        "created_at": utcnow(),
    }
    if not insert_if_absent(session, Notification, values):
        return None  # a concurrent run of the same task got there first
    note = session.get(Notification, note_id)
    assert note is not None
    if send_email(user.email, _subject(kind), message):
        note.emailed_at = utcnow()
    return note


def _subject(kind: str) -> str:
    return {
        "forwarded": "Jobbro: ny jobordre videreformidlet via JobAG",
        "overdue": "Jobbro: jobordre over behandlingstiden",
    }.get(kind, "Jobbro: besked")


def send_email(to: str, subject: str, body: str) -> bool:
    """Send one e-mail when JOBBRO_SMTP_HOST is set; False when not configured or failed."""
    settings = get_settings()
    if not settings.smtp_host:
        return False
    msg = EmailMessage()
    msg["From"] = settings.smtp_sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException):
        log.exception("could not e-mail %s", to)
        return False
    return True


def mediators_of(
    session: Session,
    organisation_id: uuid.UUID,
    roles: tuple[Role, ...] = (Role.MEDIATOR, Role.ADMINISTRATOR),
) -> list[User]:
    """Active users of an organisation in these roles (mediators and administrators)."""
    stmt = select(User).where(
        User.organisation_id == organisation_id,
        User.active.is_(True),
        User.role.in_(roles),
    )
    return list(session.scalars(stmt.order_by(User.email)))


def list_notifications(
    session: Session,
    actor: Actor,
    *,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> tuple[list[Notification], int, int]:
    """The caller's notifications, newest first; returns (page, total, unread).

    `after` is the (created_at, id) of the last notification of the previous page.
    """
    require_user(actor, action="notification.list")
    mine = select(Notification).where(Notification.user_id == actor.id)
    unread = mine.where(Notification.read_at.is_(None))
    stmt = unread if unread_only else mine
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    unread_count = session.scalar(select(func.count()).select_from(unread.subquery())) or 0
    if after is not None:
        stmt = stmt.where(
            cursor.after_condition(
                [(Notification.created_at, after[0], True), (Notification.id, after[1], False)]
            )
        )
    rows = session.scalars(
        stmt.order_by(Notification.created_at.desc(), Notification.id).limit(limit).offset(offset)
    )
    return list(rows), total, unread_count


def mark_read(session: Session, actor: Actor, *, notification_id: uuid.UUID) -> Notification:
    """Mark one of the caller's notifications read (again is harmless)."""
    require_user(actor, action="notification.read")
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != actor.id:
        # Another person's notification is a 404 like an unknown one, and audited as a refusal.
        raise RefusedAsNotFound(
            "No such notification",
            action="notification.read",
            subject_type="notification",
            subject_id=notification_id,
        )
    if note.read_at is None:
        note.read_at = utcnow()
    return note


def mark_all_read(session: Session, actor: Actor) -> int:
    """Mark all the caller's notifications read; returns how many changed."""
    require_user(actor, action="notification.read")
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def notify_forwarded_order(session: Session, *, order_id: uuid.UUID) -> int:
    """Tell the receiving jobcentre's mediators about a forwarded order; returns new messages."""
    sent = 0
    order = session.get(JobOrder, order_id)
    if order is None or order.forwarded_to_organisation_id is None:
        return 0
    origin = session.get(Organisation, order.origin_organisation_id)
    origin_name = origin.name if origin else "en a-kasse"
    message = (
        f"{origin_name} har videreformidlet jobordren »{order.title}« hos "
        f"{order.employer_name} via JobAG. Begrundelse: {order.forward_reason or '-'}"
    )
    for user in mediators_of(session, order.forwarded_to_organisation_id):
        note = notify(
            session,
            user,
            kind="forwarded",
            dedupe_key=f"forwarded:{order.id}",
            message=message,
            order=order,
        )
        sent += note is not None
    return sent


def settle_forwarded(session: Session, *, order_id: uuid.UUID) -> int:
    """Once a mediator took a forwarded order, the colleagues' "new order" messages are done."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.order_id == order_id,
            Notification.kind == "forwarded",
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def remind_overdue_owners(session: Session) -> int:
    """Remind each owner once per order that has passed its processing deadline untouched."""
    sent = 0
    overdue = session.scalars(select(JobOrder).where(overdue_condition(today())))
    for order in list(overdue.unique()):
        owner = session.get(User, order.owner_user_id)
        if owner is None or not owner.active:
            continue
        message = (
            f"Jobordren «{order.title}» hos {order.employer_name} har overskredet "
            f"behandlingsfristen {order.processing_deadline:%d.%m.%Y} uden handling."
        )
        note = notify(
            session,
            owner,
            kind="overdue",
            dedupe_key=f"overdue:{order.id}",
            message=message,
            order=order,
        )
        sent += note is not None
    return sent
