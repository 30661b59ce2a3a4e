"""Where a real JobAG/DFDG exchange plugs in: one adapter interface, in-process by default."""

import uuid
from typing import Protocol

from shared.db import utcnow


class JobAgAdapter(Protocol):
    """Registers order hand-overs with the national job-order exchange."""

    def forward_order(
        self, *, order_id: uuid.UUID, from_organisation: str, to_organisation: str, reason: str
    ) -> str:
        """Register an a-kasse's forwarding of an order to a jobcentre; returns the reference."""
        ...

    def share_order(
        self, *, order_id: uuid.UUID, from_organisation: str, to_organisation: str
    ) -> str:
        """Register a jobcentre's sharing of an order with an a-kasse; returns JobAG's reference."""
        ...


class InProcessJobAg:
    """Records the exchange inside Jobbro only: the reference says so."""

    def forward_order(
        self, *, order_id: uuid.UUID, from_organisation: str, to_organisation: str, reason: str
    ) -> str:
        """A local reference; the forwarding itself is the row Jobbro writes."""
        return f"jobbro-local:forward:{order_id}:{utcnow():%Y%m%dT%H%M%S}"

    def share_order(
        self, *, order_id: uuid.UUID, from_organisation: str, to_organisation: str
    ) -> str:
        """A local reference for a share."""
        return f"jobbro-local:share:{order_id}:{utcnow():%Y%m%dT%H%M%S}"


_adapter: JobAgAdapter = InProcessJobAg()


def get_jobag() -> JobAgAdapter:
    """The configured JobAG adapter."""
    return _adapter


def set_jobag(adapter: JobAgAdapter | None) -> None:
    """Install another adapter (a real exchange, or a test double); None restores the default."""
    global _adapter
    _adapter = adapter if adapter is not None else InProcessJobAg()
