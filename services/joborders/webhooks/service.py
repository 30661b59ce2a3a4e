"""Webhook subscriptions of system clients, and emitting order events to them.

Services call `emit` where a step happens, inside the step's transaction: each live
subscription whose organisation may see the order gets a delivery row, and a task in
the outbox sends it after commit (services/joborders/webhooks/delivery.py).
"""

import ipaddress
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import Session

from services.joborders.models import Candidate, JobOrder
from services.joborders.policy import access
from services.joborders.webhooks import signing
from services.joborders.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from services.joborders.webhooks.schemas import SubscriptionIn
from shared import audit
from shared.actor import Actor
from shared.auth import actor_for_api_key
from shared.db import unit_of_work, utcnow
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.models import ApiKey
from shared.settings import get_settings
from shared.tasks import send_after_commit

DELIVER_TASK = "webhooks.deliver"
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


# -- subscriptions -------------------------------------------------------------------------


def _require_system(actor: Actor, action: str) -> None:
    if actor.kind != "api_key" or actor.id is None:
        raise Forbidden(
            "Webhooks are for system clients: call with the system's API key", action=action
        )


def check_url(url: str) -> str:
    """HTTPS to a public host; plain http to this machine only in development and tests."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationFailed("The URL must be an absolute https:// URL", field="url")
    if parts.username or parts.password:
        raise ValidationFailed("The URL must not carry credentials", field="url")
    loopback = host in _LOOPBACK_NAMES or _is_ip(host, lambda ip: ip.is_loopback)
    local_env = get_settings().env in ("development", "test")
    if parts.scheme == "http" and not (loopback and local_env):
        raise ValidationFailed(
            "The URL must use https (plain http only to loopback in development)", field="url"
        )
    internal = _is_ip(host, lambda ip: ip.is_private or ip.is_link_local or ip.is_reserved)
    if not local_env and (loopback or internal):
        # Deliveries must not become a way to reach Jobbro's own network.
        raise ValidationFailed("The URL must point to a public host", field="url")
    return url


def _is_ip(host: str, test: Any) -> bool:
    try:
        return bool(test(ipaddress.ip_address(host.strip("[]"))))
    except ValueError:
        return False


def create_subscription(
    session: Session, actor: Actor, *, data: SubscriptionIn
) -> WebhookSubscription:
    """Register the system's endpoint; the answer is the only time the secret is shown."""
    _require_system(actor, "webhook.create")
    assert actor.id is not None
    sub = WebhookSubscription(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        api_key_id=actor.id,
        url=check_url(data.url),
        events=" ".join(dict.fromkeys(e.value for e in data.events)),
        description=data.description,
        secret=signing.new_secret(),
        created_at=utcnow(),
    )
    session.add(sub)
    audit.record(session, actor, "webhook.create", subject_type="webhook", subject_id=sub.id)
    return sub


def list_subscriptions(session: Session, actor: Actor) -> list[WebhookSubscription]:
    _require_system(actor, "webhook.list")
    stmt = (
        select(WebhookSubscription)
        .where(
            WebhookSubscription.organisation_id == actor.organisation_id,
            WebhookSubscription.deleted_at.is_(None),
        )
        .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    )
    return list(session.scalars(stmt))


def get_subscription(
    session: Session, actor: Actor, *, subscription_id: uuid.UUID
) -> WebhookSubscription:
    """One of the caller's organisation's subscriptions; another's is simply not found."""
    _require_system(actor, "webhook.read")
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None or sub.deleted_at is not None or sub.organisation_id != actor.organisation_id:
        raise NotFound("No such webhook subscription")
    return sub


def delete_subscription(session: Session, actor: Actor, *, subscription_id: uuid.UUID) -> None:
    """Stop deliveries; the delivery log stays readable for the organisation's audit."""
    sub = get_subscription(session, actor, subscription_id=subscription_id)
    sub.deleted_at = utcnow()
    audit.record(session, actor, "webhook.delete", subject_type="webhook", subject_id=sub.id)


def list_deliveries(
    session: Session,
    actor: Actor,
    *,
    subscription_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[WebhookDelivery]:
    """The subscription's deliveries, newest first, `limit + 1` to tell whether more follow."""
    sub = get_subscription(session, actor, subscription_id=subscription_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
    if after is not None:
        at, last_id = after
        stmt = stmt.where(
            or_(
                WebhookDelivery.created_at < at,
                and_(WebhookDelivery.created_at == at, WebhookDelivery.id < last_id),
            )
        )
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(session.scalars(stmt.limit(limit + 1)))


# -- emitting ------------------------------------------------------------------------------


def subscriber(session: Session, sub: WebhookSubscription) -> Actor | None:
    """The system the deliveries go to, while its subscription and its key are live."""
    if sub.deleted_at is not None:
        return None
    key = session.get(ApiKey, sub.api_key_id)
    if key is None or key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at <= utcnow():
        return None
    return actor_for_api_key(key)


def _facts(order: JobOrder, candidate: Candidate | None, detail: str | None) -> dict[str, Any]:
    """What the event says without personal data; the delivery adds what may be seen."""
    facts: dict[str, Any] = {
        "order": {"id": str(order.id), "title": order.title, "status": order.status.value}
    }
    if candidate is not None:
        facts["candidate_status"] = candidate.status.value
        if candidate.start_date is not None:
            facts["start_date"] = candidate.start_date.isoformat()
    if detail is not None:
        facts["detail"] = detail[:500]
    return facts


def emit(
    session: Session,
    order: JobOrder,
    event: WebhookEvent,
    *,
    candidate: Candidate | None = None,
    detail: str | None = None,
) -> int:
    """Queue `event` for every live subscription that wants it and may see the order."""
    subs = session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.deleted_at.is_(None),
            WebhookSubscription.events.contains(event.value),
        )
    )
    now = utcnow()
    queued = 0
    for sub in subs:
        if event not in sub.event_list:
            continue
        system = subscriber(session, sub)
        if system is None or not access.can_see(session, system, order):
            continue
        delivery = WebhookDelivery(
            id=uuid.uuid4(),
            subscription_id=sub.id,
            event=event,
            order_id=order.id,
            candidate_id=candidate.id if candidate is not None else None,
            occurred_at=now,
            data=_facts(order, candidate, detail),
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        send_after_commit(session, DELIVER_TASK, str(delivery.id))
        queued += 1
    return queued


@contextmanager
def on_refusal(session: Session, order_id: uuid.UUID) -> Iterator[None]:
    """`order.forward_refused` when the block (the JobAG call) raises.

    The refused request rolls back, so the event is emitted in a unit of work of its own
    once that rollback is done (on SQLite the request still holds the write lock before).
    """
    try:
        yield
    except Exception as exc:
        detail = f"JobAG refused the forward: {exc}"

        def _emit(_session: Session) -> None:
            with unit_of_work() as own:
                order = own.get(JobOrder, order_id)
                if order is not None:
                    emit(own, order, WebhookEvent.FORWARD_REFUSED, detail=detail)

        # The listener lives on this request's session only, which ends with the request.
        event.listen(session, "after_rollback", _emit, once=True)
        raise
