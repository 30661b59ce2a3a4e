"""Webhook tasks: send one delivery (from the outbox) and retry the due ones (from beat)."""

import uuid

from services.joborders.webhooks import delivery
from shared.tasks import celery_app


@celery_app.task(name="webhooks.deliver", acks_late=True)
def deliver(delivery_id: str) -> str | None:
    """Send one delivery; a failure is recorded on the row and retried by `retry_due`."""
    status = delivery.attempt(uuid.UUID(delivery_id))
    return None if status is None else status.value


@celery_app.task(name="webhooks.retry_due", acks_late=False, ignore_result=True)
def retry_due() -> int:
    """Retry the deliveries whose backoff is over (beat runs this every half minute)."""
    return delivery.retry_due()
