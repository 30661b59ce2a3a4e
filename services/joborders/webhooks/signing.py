"""Signing deliveries the Standard Webhooks way (https://www.standardwebhooks.com).

Each delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}`, keyed by
the subscription's secret (`whsec_` + base64 of 32 random bytes). The timestamp inside
the signed string lets a receiver refuse replays of an old delivery; the id lets it
drop a retry of one it already handled. Receivers can verify with any Standard
Webhooks library or with `verify` below (docs/integration.md shows the same in a few lines).
"""

import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "whsec_"
# A receiver should refuse deliveries signed longer ago than this (replays).
TOLERANCE_SECONDS = 5 * 60


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one delivery."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, body: bytes, *, now: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if now is None else now
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": "Jobbro-Webhooks/1",
    }


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: int | None = None) -> bool:
    """What a receiver does: a fresh timestamp and one matching `v1` signature."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lower["webhook-id"]
        timestamp = int(lower["webhook-timestamp"])
        offered = lower["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in offered)
