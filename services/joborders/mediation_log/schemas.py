"""API shapes of mediation-log events: one shape per event type, told apart by `type`."""

import enum
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from services.joborders.candidates.reasons import NotHiredReason, NotInterestedReason
from services.joborders.common.cursor import PageLinks
from services.joborders.models import (
    CandidateSource,
    CandidateStatus,
    Channel,
    ContactOutcome,
    EventType,
    OrderStatus,
    OwnerChangeKind,
)
from shared.actor import ActorKind


class ActorType(enum.StrEnum):
    """Who acted: a person, an organisation's system (API key) or Jobbro itself."""

    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"


class EventOut(BaseModel):
    """Any event with its data as stored; the API answers with `LogEvent` instead."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    type: EventType
    actor_type: ActorKind
    actor_id: uuid.UUID | None
    actor_name: str
    organisation_id: uuid.UUID | None
    candidate_id: uuid.UUID | None
    data: dict[str, Any]
    # False when the event is about another a-kasse's member: its notes and reasons are
    # left out, as the candidate list leaves them out.
    details_visible: bool = True


# Free text and people's names default to null: a reader who may not see them gets them
# left out, and the shape stays the same.
class _Data(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class CreatedData(_Data):
    channel: Channel
    owner_user_id: uuid.UUID


class FieldsChangedData(_Data):
    fields: list[str] = Field(description="The names of the fields that changed")


class ForwardedData(_Data):
    via: Literal["JobAG"] = "JobAG"
    to_organisation_id: uuid.UUID
    to_name: str | None = None
    reason: str | None = None
    jobag_reference: str | None = None


class SharedData(_Data):
    organisation_id: uuid.UUID
    name: str | None = None
    jobag_reference: str | None = None


class OwnerChangedData(_Data):
    kind: OwnerChangeKind
    from_user_id: uuid.UUID | None = None
    to_user_id: uuid.UUID
    to_name: str | None = None
    reason: str | None = None


class StatusChangedData(_Data):
    from_: OrderStatus = Field(alias="from")
    to: OrderStatus
    reason: str | None = None


class CandidateAddedData(_Data):
    source: CandidateSource
    found_by: str | None = Field(default=None, description="The organisation that found them")


class ContactedData(_Data):
    outcome: ContactOutcome
    note: str | None = None
    reason_code: NotInterestedReason | None = Field(
        default=None, description="Why not interested (a closed list)"
    )


class EmptyData(_Data):
    pass


class OutcomeData(_Data):
    start_date: date | None = None
    note: str | None = None
    reason_code: NotHiredReason | None = Field(
        default=None, description="Why not hired (a closed list)"
    )


class OutcomeReversedData(_Data):
    reversed: Literal[CandidateStatus.HIRED, CandidateStatus.NOT_HIRED]
    start_date: date | None = None
    reason: str | None = None


class ReasonData(_Data):
    reason: str | None = None


class _Event(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int = Field(description="1, 2, 3, … per order; the log is read in this order")
    at: datetime
    actor_type: ActorType
    actor_id: uuid.UUID | None
    actor_name: str
    organisation_id: uuid.UUID | None
    candidate_id: uuid.UUID | None
    details_visible: bool = Field(
        default=True,
        description="False when the event is about another a-kasse's member: its notes and "
        "reasons are left out, as the candidate list leaves them out",
    )


class CreatedEvent(_Event):
    type: Literal[EventType.CREATED]
    data: CreatedData


class UpdatedEvent(_Event):
    type: Literal[EventType.UPDATED]
    data: FieldsChangedData


class EmployerContactChangedEvent(_Event):
    type: Literal[EventType.EMPLOYER_CONTACT_CHANGED]
    data: FieldsChangedData


class ForwardedEvent(_Event):
    type: Literal[EventType.FORWARDED]
    data: ForwardedData


class SharedEvent(_Event):
    type: Literal[EventType.SHARED]
    data: SharedData


class OwnerChangedEvent(_Event):
    type: Literal[EventType.OWNER_CHANGED]
    data: OwnerChangedData


class StatusChangedEvent(_Event):
    type: Literal[EventType.STATUS_CHANGED]
    data: StatusChangedData


class ClosedEvent(_Event):
    """Logged beside `status_changed` when the order reaches a closed status."""

    type: Literal[EventType.CLOSED]
    data: StatusChangedData


class CandidateAddedEvent(_Event):
    type: Literal[EventType.CANDIDATE_ADDED]
    data: CandidateAddedData


class ContactedEvent(_Event):
    type: Literal[EventType.CONTACTED]
    data: ContactedData


class ReferredEvent(_Event):
    type: Literal[EventType.REFERRED]
    data: EmptyData


class HiredEvent(_Event):
    type: Literal[EventType.HIRED]
    data: OutcomeData


class NotHiredEvent(_Event):
    type: Literal[EventType.NOT_HIRED]
    data: OutcomeData


class OutcomeReversedEvent(_Event):
    type: Literal[EventType.OUTCOME_REVERSED]
    data: OutcomeReversedData


class CandidateArchivedEvent(_Event):
    type: Literal[EventType.CANDIDATE_ARCHIVED]
    data: ReasonData


AnyEvent = Annotated[
    CreatedEvent
    | UpdatedEvent
    | EmployerContactChangedEvent
    | ForwardedEvent
    | SharedEvent
    | OwnerChangedEvent
    | StatusChangedEvent
    | ClosedEvent
    | CandidateAddedEvent
    | ContactedEvent
    | ReferredEvent
    | HiredEvent
    | NotHiredEvent
    | OutcomeReversedEvent
    | CandidateArchivedEvent,
    Field(discriminator="type"),
]


class LogEvent(RootModel[AnyEvent]):
    """One mediation-log event; `type` says which shape `data` has."""

    model_config = ConfigDict(from_attributes=True)


class LogPage(PageLinks):
    """A page of the mediation log, oldest first."""

    items: list[LogEvent]
