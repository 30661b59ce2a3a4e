"""Who is acting: a logged-in user, an organisation's system client, or Jobbro itself."""

import uuid
from dataclasses import dataclass
from typing import Literal

from shared.models import Organisation, OrgKind, Role

ActorKind = Literal["user", "api_key", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: uuid.UUID | None
    name: str
    organisation_id: uuid.UUID
    organisation_name: str
    organisation_kind: OrgKind
    # A system client acts for its organisation without a personal role.
    role: Role | None = None
    email: str | None = None
    # What an API key may do (shared/identity/scopes.py); people and Jobbro itself have none.
    scopes: frozenset[str] = frozenset()

    @property
    def is_jobcentre(self) -> bool:
        return self.organisation_kind is OrgKind.JOBCENTRE

    @property
    def is_akasse(self) -> bool:
        return self.organisation_kind is OrgKind.AKASSE

    @property
    def is_administrator(self) -> bool:
        return self.role is Role.ADMINISTRATOR


def system_actor(organisation: Organisation, name: str) -> Actor:
    """Jobbro itself acting for `organisation`: a command, the demo loader, an evaluation."""
    return Actor(
        kind="system",
        id=None,
        name=name,
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        organisation_kind=organisation.kind,
    )
