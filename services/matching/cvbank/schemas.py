"""API shapes of the CV bank: the CV document, ingest bodies and results, CV reads."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.matching.contract import (
    CaseFactsOut,
    IsoDate,
    LanguageLevel,
    PostalCode,
    StrictModel,
    Text200,
    Text2000,
    WorkingTime,
    normalize_language,
    normalize_licence,
)


class DesiredJob(StrictModel):
    title: Text200
    occupation_uri: str | None = Field(default=None, max_length=200)


class Experience(StrictModel):
    title: Text200
    occupation_uri: str | None = Field(default=None, max_length=200)
    employer: str = Field(default="", max_length=200)
    start: IsoDate | None = None
    end: IsoDate | None = None
    tasks: Text2000 = ""

    @model_validator(mode="after")
    def _period(self) -> "Experience":
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        return self


class Education(StrictModel):
    title: Text200
    institution: str = Field(default="", max_length=200)
    completed_year: int | None = Field(default=None, ge=1940, le=2100, strict=True)


class Course(StrictModel):
    title: Text200
    year: int | None = Field(default=None, ge=1940, le=2100, strict=True)


class LanguageSkill(StrictModel):
    language: Annotated[str, Field(min_length=2, max_length=40)]
    level: LanguageLevel = "good"

    @field_validator("language")
    @classmethod
    def _norm(cls, v: str) -> str:
        return normalize_language(v)


class CaseFactsIn(StrictModel):
    """Facts beside the CV; shown to authorised staff, never used for ranking."""

    akasse_organisation_id: uuid.UUID | None = None
    unemployed_since: IsoDate | None = None


class CvContent(StrictModel):
    """A Jobnet-style CV's content: everything ranking may see, and nothing else."""

    name: Text200
    headline: str = Field(default="", max_length=200)
    summary: Text2000 = ""
    desired_jobs: list[DesiredJob] = Field(default_factory=list, max_length=20)
    professional_competences: list[Text200] = Field(default_factory=list, max_length=100)
    personal_competences: list[Text200] = Field(default_factory=list, max_length=50)
    experience: list[Experience] = Field(default_factory=list, max_length=50)
    education: list[Education] = Field(default_factory=list, max_length=30)
    courses: list[Course] = Field(default_factory=list, max_length=50)
    certificates: list[Text200] = Field(default_factory=list, max_length=50)
    languages: list[LanguageSkill] = Field(default_factory=list, max_length=20)
    driving_licences: list[str] = Field(default_factory=list, max_length=15)
    weekly_hours: float | None = Field(default=None, ge=1, le=80, strict=True)
    working_time: list[WorkingTime] = Field(default_factory=list, max_length=5)
    postal_code: PostalCode | None = None
    max_commute_km: float | None = Field(default=None, ge=0, le=1000, strict=True)
    available_from: IsoDate | None = None
    searchable: bool = Field(default=True, strict=True)

    @field_validator("driving_licences")
    @classmethod
    def _licences(cls, v: list[str]) -> list[str]:
        return sorted({normalize_licence(x) for x in v})


# A Danish or foreign phone number as people write it: digits, spaces, an optional +.
Phone = Annotated[str, Field(min_length=8, max_length=40, pattern=r"^\+?[0-9](?:[0-9 \-]*[0-9])$")]
Email = Annotated[str, Field(min_length=3, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class ContactIn(StrictModel):
    """How to reach the person, from the CV source; kept apart from the CV content.

    Never embedded, never in search results or the CV read: shown only to staff who may
    contact the candidate on an order (the job-order service's contact rule).
    """

    phone: Phone | None = None
    email: Email | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str | None) -> str | None:
        return v.lower() if v else v


class ContactOut(BaseModel):
    phone: str | None = None
    email: str | None = None


class CvBody(CvContent):
    """A CV as the CV source sends it for one external id: content, case facts, contact."""

    case_facts: CaseFactsIn | None = None
    contact: ContactIn | None = None

    def content(self) -> CvContent:
        """The CV content alone: what ranking may see, without case facts or contact."""
        return CvContent.model_validate(self.model_dump(exclude={"case_facts", "contact"}))


class CvIn(CvBody):
    """One NDJSON line of a bulk upsert: the CV with its id in the source."""

    external_id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.:\-]+$")]


class CvOut(CvContent):
    """A whole CV with its case facts, for authorised staff."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    external_id: str
    case_facts: CaseFactsOut | None = None
    occupation_uri: str | None = None
    isco_group: str | None = None
    indexed: bool = False
    created_at: datetime
    updated_at: datetime


class UpsertResult(BaseModel):
    id: uuid.UUID
    external_id: str
    created: bool
    text_changed: bool


class BulkLineError(BaseModel):
    line: int
    external_id: str | None
    problem: str


class BulkResult(BaseModel):
    lines: int
    created: int
    updated: int
    unchanged: int
    failed: int
    errors: list[BulkLineError]
