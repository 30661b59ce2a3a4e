"""Celery tasks of the contact process: they take ids or nothing and may safely run twice."""

import uuid

from sqlalchemy.exc import OperationalError

from services.contact import messages
from services.contact.beskedmodul import BeskedmodulUnavailable
from services.contact.interviews import planning
from services.contact.recommendations import service as recommendations
from shared.db import unit_of_work
from shared.tasks import celery_app

_RETRY = {
    "autoretry_for": (OperationalError, BeskedmodulUnavailable),
    "max_retries": 8,
    "retry_backoff": True,
}


@celery_app.task(name=messages.SEND_TASK, acks_late=True, **_RETRY)
def send_message(message_id: str) -> bool:
    """Hand one outgoing message to beskedmodulet; True when this run sent it."""
    with unit_of_work() as session:
        sent = messages.send(session, uuid.UUID(message_id))
        if sent is None:
            return False
        if sent.subject_type == recommendations.SUBJECT:
            recommendations.on_sent(session, sent)
        else:
            planning.on_sent(session, sent)
        return True


@celery_app.task(name="contact.build_interview_lists", acks_late=True, **_RETRY)
def build_interview_lists() -> int:
    """Add the members due for a joint interview to each pair's list; returns how many."""
    with unit_of_work() as session:
        return planning.build_lists(session)


@celery_app.task(name="contact.apply_reply_deadlines", acks_late=True, **_RETRY)
def apply_reply_deadlines() -> int:
    """Apply the agreed fallback where an a-kasse did not answer in time; returns how many."""
    with unit_of_work() as session:
        return planning.apply_reply_deadlines(session)
