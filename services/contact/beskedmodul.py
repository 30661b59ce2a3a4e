"""Where the real beskedmodul plugs in: one adapter interface, in-process by default.

The agreement names beskedmodulet as the one channel for early-offer recommendations;
Jobbro composes and follows the messages, the adapter hands them over. `key` is the
outgoing message's id, so a retried send of the same message yields the same reference.
"""

import uuid
from typing import Any, Protocol


class BeskedmodulUnavailable(Exception):
    """The channel did not take the message; the send is retried from the outbox."""


class BeskedmodulAdapter(Protocol):
    def send(
        self, *, key: uuid.UUID, kind: str, sender: str, recipient: str, payload: dict[str, Any]
    ) -> str:
        """Deliver one message; returns beskedmodulet's message id."""
        ...


class InProcessBeskedmodul:
    """Records the message inside Jobbro only: the reference says so."""

    def send(
        self, *, key: uuid.UUID, kind: str, sender: str, recipient: str, payload: dict[str, Any]
    ) -> str:
        return f"jobbro-local:beskedmodul:{kind}:{key}"


_adapter: BeskedmodulAdapter = InProcessBeskedmodul()


def get_beskedmodul() -> BeskedmodulAdapter:
    return _adapter


def set_beskedmodul(adapter: BeskedmodulAdapter | None) -> None:
    """Install another adapter (a real channel, or a test double); None restores the default."""
    global _adapter
    _adapter = adapter if adapter is not None else InProcessBeskedmodul()
