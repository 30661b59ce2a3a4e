"""Outgoing beskedmodul messages: written with the change, sent once by a retried task."""

import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.contact.beskedmodul import get_beskedmodul
from services.contact.models import OutgoingMessage
from shared.db import utcnow
from shared.models import Organisation
from shared.tasks import send_after_commit

log = logging.getLogger("jobbro.contact.messages")

SEND_TASK = "contact.send_message"


def queue(
    session: Session,
    *,
    subject_type: str,
    subject_id: uuid.UUID,
    kind: str,
    sender_organisation_id: uuid.UUID,
    recipient: str,
    payload: dict[str, Any],
) -> OutgoingMessage:
    """Write the message and its send task in the caller's transaction."""
    message = OutgoingMessage(
        id=uuid.uuid4(),
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        sender_organisation_id=sender_organisation_id,
        recipient=recipient,
        payload=payload,
    )
    session.add(message)
    send_after_commit(session, SEND_TASK, str(message.id))
    return message


def send(session: Session, message_id: uuid.UUID) -> OutgoingMessage | None:
    """Hand one message to beskedmodulet; returns it when this call sent it, else None.

    Raises when the channel fails, so the task is retried.

    The row is locked while sending, so two runs of the task (at-least-once delivery)
    send it once; the adapter gets the row id as key, so even a crash between the
    adapter's answer and the commit gives the same reference on the next try.
    """
    message = session.scalar(
        select(OutgoingMessage).where(OutgoingMessage.id == message_id).with_for_update()
    )
    if message is None or message.sent_at is not None:
        return None
    message.attempts += 1
    sender = session.get(Organisation, message.sender_organisation_id)
    try:
        external_id = get_beskedmodul().send(
            key=message.id,
            kind=message.kind,
            sender=sender.name if sender else "",
            recipient=message.recipient,
            payload=message.payload,
        )
    except Exception as exc:
        log.warning("beskedmodul refused message %s: %s", message.id, type(exc).__name__)
        raise
    message.external_id = external_id
    message.sent_at = utcnow()
    message.last_error = None
    return message


def messages_of(session: Session, subject_id: uuid.UUID) -> list[OutgoingMessage]:
    return list(
        session.scalars(
            select(OutgoingMessage)
            .where(OutgoingMessage.subject_id == subject_id)
            .order_by(OutgoingMessage.created_at, OutgoingMessage.id)
        )
    )
