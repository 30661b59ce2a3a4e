"""Sending deliveries: signed, outside any transaction, retried with exponential backoff.

The outbox hands each new delivery to `attempt` right after the event's commit; what
fails waits `base * 2^attempts` (capped) and `retry_due` (run by beat and the in-process
scheduler) tries again, until `max_attempts`. A claim (a conditional UPDATE that moves
`next_attempt_at` a lease ahead) lets one sender at a time work on a delivery, and a
delivered row is never sent again. A sender that dies after the receiver answered but
before recording it sends once more after the lease: receivers dedupe on `webhook-id`.

Visibility is checked again when sending, and personal data is added only then: a
system whose organisation lost sight of the order, or whose key was revoked, gets
nothing (the delivery is `withheld`).
"""

import ipaddress
import json
import logging
import socket
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.joborders.models import Candidate, JobOrder
from services.joborders.policy import access, disclosure
from services.joborders.webhooks import signing
from services.joborders.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from services.joborders.webhooks.schemas import (
    PayloadCandidate,
    PayloadData,
    PayloadOrder,
    WebhookPayload,
)
from shared import audit
from shared.actor import Actor
from shared.db import unit_of_work, utcnow
from shared.settings import get_settings

log = logging.getLogger("jobbro.webhooks")


class WebhookSettings(BaseSettings):
    """Delivery settings (`JOBBRO_WEBHOOKS_*`)."""

    model_config = SettingsConfigDict(env_prefix="JOBBRO_WEBHOOKS_", extra="ignore")

    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    retry_base_seconds: int = Field(default=10, ge=1)
    retry_max_seconds: int = Field(default=3600, ge=1)
    # 10 s doubling to an hour, 16 tries: about nine hours of trying.
    max_attempts: int = Field(default=16, ge=1, le=100)
    lease_seconds: int = Field(default=120, ge=1)
    batch: int = Field(default=100, ge=1, le=10_000)


@lru_cache
def get_webhook_settings() -> WebhookSettings:
    return WebhookSettings()


def backoff(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed try."""
    s = get_webhook_settings()
    return int(min(s.retry_base_seconds * 2 ** min(attempts - 1, 20), s.retry_max_seconds))


@dataclass(frozen=True)
class _Send:
    url: str
    secret: str
    body: bytes
    discloses: uuid.UUID | None
    system: Actor


def attempt(delivery_id: uuid.UUID, *, now: datetime | None = None) -> DeliveryStatus | None:
    """Try one delivery now if it is due and nobody else is at it; its status afterwards."""
    now = now or utcnow()
    with unit_of_work() as session:
        send = _claim(session, delivery_id, now)
        if not isinstance(send, _Send):
            return send
    code, error = _post(send, delivery_id)
    return _record(delivery_id, send, code, error, now)


def retry_due(*, now: datetime | None = None) -> int:
    """Try every pending delivery whose wait is over; returns how many were delivered."""
    now = now or utcnow()
    with unit_of_work() as session:
        due = list(
            session.scalars(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(get_webhook_settings().batch)
            )
        )
    return sum(attempt(d, now=now) is DeliveryStatus.DELIVERED for d in due)


def _claim(
    session: Session, delivery_id: uuid.UUID, now: datetime
) -> "_Send | DeliveryStatus | None":
    claimed = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=get_webhook_settings().lease_seconds))
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if claimed is None:
        return None  # delivered, given up, or another sender holds it
    delivery = session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    sub = session.get(WebhookSubscription, delivery.subscription_id)
    order = session.get(JobOrder, delivery.order_id)
    from services.joborders.webhooks.service import subscriber

    system = subscriber(session, sub) if sub is not None else None
    if system is None or order is None:
        return _withhold(delivery, "The subscription ended or its API key was revoked")
    if not access.can_see(session, system, order):
        return _withhold(delivery, "The organisation may no longer see the order")
    candidate = session.get(Candidate, delivery.candidate_id) if delivery.candidate_id else None
    payload, discloses = _payload(system, order, candidate, delivery)
    assert sub is not None
    return _Send(sub.url, sub.secret, payload, discloses, system)


def _withhold(delivery: WebhookDelivery, why: str) -> DeliveryStatus:
    delivery.status = DeliveryStatus.WITHHELD
    delivery.last_error = why
    delivery.next_attempt_at = None
    return DeliveryStatus.WITHHELD


def _payload(
    system: Actor, order: JobOrder, candidate: Candidate | None, delivery: WebhookDelivery
) -> tuple[bytes, uuid.UUID | None]:
    facts = delivery.data or {}
    person = None
    discloses = None
    if candidate is not None:
        visible = disclosure.sees_candidate_details(system, order, candidate)
        start = facts.get("start_date")
        person = PayloadCandidate(
            id=candidate.id,
            status=facts.get("candidate_status", candidate.status.value),
            details_visible=visible,
            cv_id=candidate.cv_id if visible else None,
            name=candidate.name if visible else None,
            start_date=date.fromisoformat(start) if start else None,
        )
        discloses = candidate.id if visible else None
    payload = WebhookPayload(
        type=delivery.event,
        timestamp=delivery.occurred_at,
        data=PayloadData(
            order=PayloadOrder.model_validate(facts["order"]),
            candidate=person,
            detail=facts.get("detail"),
        ),
    )
    body = json.dumps(payload.model_dump(mode="json"), separators=(",", ":")).encode()
    return body, discloses


def _internal_address(url: str) -> str | None:
    """Outside development: refuse a host that resolves into a private network now.

    Registration checks literal addresses; a name can point anywhere later, so the
    name is resolved again before each try (not proof against a rebinding resolver,
    which the production network's egress rules must stop).
    """
    if get_settings().env in ("development", "test"):
        return None
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return f"cannot resolve {host}: {exc}"[:500]
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            return f"{host} resolves to an internal address; not sent"
    return None


def _post(send: _Send, delivery_id: uuid.UUID) -> tuple[int | None, str | None]:
    if (refused := _internal_address(send.url)) is not None:
        return None, refused
    headers = signing.headers(send.secret, str(delivery_id), send.body)
    try:
        response = httpx.post(
            send.url,
            content=send.body,
            headers=headers,
            timeout=get_webhook_settings().timeout_seconds,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def _record(
    delivery_id: uuid.UUID, send: _Send, code: int | None, error: str | None, now: datetime
) -> DeliveryStatus:
    settings = get_webhook_settings()
    with unit_of_work() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = code
        delivery.last_error = error
        if error is None:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = utcnow()
            delivery.next_attempt_at = None
            if send.discloses is not None:
                # A candidate's name and CV left Jobbro for this organisation's system.
                audit.record(
                    session,
                    send.system,
                    "webhook.deliver",
                    subject_type="candidate",
                    subject_id=send.discloses,
                    detail=str(delivery_id),
                )
        elif delivery.attempts >= settings.max_attempts:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff(delivery.attempts))
        log.info("webhook %s attempt %d: %s", delivery_id, delivery.attempts, error or "delivered")
        return delivery.status
