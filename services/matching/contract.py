"""The matching service's contract: the types the job-order service and the UI use.

Everything another service sends to matching or reads back from it is defined here,
so the HTTP client, the in-process client and the API share one definition.
"""

import re
import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

DRIVING_LICENCES = (
    "AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE", "TM",
)  # fmt: skip
LanguageLevel = Literal["basic", "good", "fluent", "native"]
WorkingTime = Literal["day", "evening", "night", "weekend", "shifts"]
ReasonKind = Literal[
    "title",
    "occupation",
    "related_occupation",
    "skill",
    "certificate",
    "driving_licence",
    "language",
    "education",
    "hours",
    "availability",
    "distance",
]


def _iso_date_only(value: object) -> object:
    # Lax pydantic reads 0 as 1970-01-01; a date must be an ISO string or a date.
    if isinstance(value, int | float | bool):
        raise ValueError("a date must be written YYYY-MM-DD")
    return value


# Dates a person, an order or a CV can sensibly carry. Year 1 or 9999 is a typo, and
# date arithmetic near the ends of the calendar overflows (indicators, deadlines).
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)


def check_date_range(value: date) -> date:
    """Refuse dates outside DATE_MIN..DATE_MAX."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(f"a date must lie between {DATE_MIN} and {DATE_MAX}")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only), AfterValidator(check_date_range)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Text2000 = Annotated[str, Field(max_length=2000)]
PostalCode = Annotated[str, Field(pattern=r"^\d{4}$")]

# Danish and English language names the product understands; anything else stays as written.
_LANGUAGE_CODES = {
    "dansk": "da", "danish": "da", "engelsk": "en", "english": "en", "tysk": "de",
    "german": "de", "svensk": "sv", "swedish": "sv", "norsk": "no", "norwegian": "no",
    "polsk": "pl", "polish": "pl", "fransk": "fr", "french": "fr", "spansk": "es",
    "spanish": "es", "arabisk": "ar", "arabic": "ar", "ukrainsk": "uk", "ukrainian": "uk",
    "rumænsk": "ro", "romanian": "ro", "litauisk": "lt", "lithuanian": "lt", "tyrkisk": "tr",
    "turkish": "tr", "italiensk": "it", "italian": "it", "russisk": "ru", "russian": "ru",
}  # fmt: skip


# A language is named in words: letters, spaces, hyphens, apostrophes, brackets.
_LANGUAGE_NAME = re.compile(r"^[^\W\d_]+(?:[\s'’().\-]+[^\W\d_]*)*$")

# The Danish name of each code above (the first name listed for it is the Danish one).
LANGUAGE_NAMES_DA = {code: name for name, code in reversed(list(_LANGUAGE_CODES.items()))}


def normalize_language(value: str) -> str:
    """An ISO 639-1 code for a known language name or code, else the name in lower case."""
    v = value.strip().casefold()
    if not _LANGUAGE_NAME.match(v):
        raise ValueError(f"{value!r} is not a language name")
    return _LANGUAGE_CODES.get(v, v)


def check_language(value: str) -> str:
    """Validate a language name as written (orders keep the mediator's wording)."""
    normalize_language(value)
    return value.strip()


def check_certificate(value: str) -> str:
    """A certificate is one line of printable text."""
    if not value.isprintable():
        raise ValueError("a certificate is one line of printable text")
    return value


def normalize_licence(value: str) -> str:
    """Upper-case driving-licence category, accepting 'b', 'B-kørekort' or 'kørekort B'."""
    v = re.sub(r"(?i)kørekort|licen[cs]e|[\s\-:/]", "", value).upper()
    if v not in DRIVING_LICENCES:
        raise ValueError(f"unknown driving licence category {value!r}")
    return v


# One validator per kind of requirement, shared by orders, searches and CVs, so a value
# an order accepts is one the ranking understands (no 500 on its matches page).
DrivingLicence = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    AfterValidator(normalize_licence),
]  # fmt: skip
LanguageName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40),
    AfterValidator(check_language),
]  # fmt: skip
Certificate = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(check_certificate),
]  # fmt: skip
# A concept of ESCO (or another http(s) vocabulary), never a script or data URI.
OccupationUri = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^https?://[^\s<>\"]+$")
]

# -- Danish for people: the texts in `RankedCandidate.missing` and the UI's reasons ------

MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
             "september", "oktober", "november", "december")  # fmt: skip


def danish_date(value: date) -> str:
    """A date as Danes write it in a sentence: 1. marts 2027."""
    return f"{value.day}. {MONTHS_DA[value.month - 1]} {value.year}"


def place_name(postal_code: str | None) -> str:
    """'8500 Grenaa': a postal code with its town, as a person reads it."""
    if not postal_code:
        return ""
    from shared import geo

    name = geo.postal_name(postal_code)
    return f"{postal_code} {name}" if name else postal_code


class StrictModel(BaseModel):
    """Unknown fields are refused so a typo never silently drops data."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CaseFactsOut(BaseModel):
    akasse_organisation_id: uuid.UUID | None
    unemployed_since: date | None


class CvSummary(BaseModel):
    """What a mediator sees of a CV in a list."""

    id: uuid.UUID
    name: str
    headline: str
    postal_code: str | None
    akasse_organisation_id: uuid.UUID | None
    external_id: str | None = None


class OrderQuery(StrictModel):
    """A job order as the ranking sees it: the job's requirements and place."""

    # `workplace_postal_code` is the name the orders API uses; `postal_code`, the old
    # name here, is still accepted (deprecated in the API description).
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    title: Text200
    occupation_uri: str | None = Field(default=None, max_length=200)
    description: Annotated[str, Field(max_length=10_000)] = ""
    skills: list[Text200] = Field(default_factory=list, max_length=50)
    certificates: list[Text200] = Field(default_factory=list, max_length=20)
    driving_licences: list[str] = Field(default_factory=list, max_length=15)
    languages: list[Annotated[str, Field(min_length=2, max_length=40)]] = Field(
        default_factory=list, max_length=10
    )
    education: list[Text200] = Field(default_factory=list, max_length=10)
    postal_code: PostalCode | None = Field(default=None, alias="workplace_postal_code")
    weekly_hours: float | None = Field(default=None, ge=1, le=80, strict=True)
    start_date: IsoDate | None = None
    # The order model has no required/wanted flag per requirement, so its driving licences
    # and certificates are required: True (the default) leaves out candidates without them;
    # False lets them only score.
    hard_requirements: bool = Field(default=True, strict=True)
    # With hard requirements: also list the candidates who lack one, after all who meet
    # them, each marked `meets_requirements = False` ("mangler krav" in the UI).
    show_unmet: bool = Field(default=False, strict=True)

    @field_validator("driving_licences")
    @classmethod
    def _licences(cls, v: list[str]) -> list[str]:
        return sorted({normalize_licence(x) for x in v})

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: list[str]) -> list[str]:
        return [normalize_language(x) for x in v]


class SearchFilters(StrictModel):
    """Filters on top of ranking; every one narrows the result set."""

    max_distance_km: float | None = Field(default=None, ge=0, le=1000, strict=True)
    driving_licences: list[str] = Field(default_factory=list, max_length=15)
    certificates: list[Text200] = Field(default_factory=list, max_length=20)
    languages: list[Annotated[str, Field(min_length=2, max_length=40)]] = Field(
        default_factory=list, max_length=10
    )
    min_weekly_hours: float | None = Field(default=None, ge=0, le=80, strict=True)
    max_weekly_hours: float | None = Field(default=None, ge=0, le=80, strict=True)
    available_by: IsoDate | None = None

    @field_validator("driving_licences")
    @classmethod
    def _licences(cls, v: list[str]) -> list[str]:
        return sorted({normalize_licence(x) for x in v})

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: list[str]) -> list[str]:
        return [normalize_language(x) for x in v]

    @model_validator(mode="after")
    def _hours(self) -> "SearchFilters":
        lo, hi = self.min_weekly_hours, self.max_weekly_hours
        if lo is not None and hi is not None and hi < lo:
            raise ValueError("max_weekly_hours is below min_weekly_hours")
        return self


class OrderSearch(StrictModel):
    """Body of a search by job order."""

    order: OrderQuery
    filters: SearchFilters | None = None
    limit: int = Field(default=20, ge=1, le=200, strict=True)
    offset: int = Field(default=0, ge=0, le=10_000, strict=True)


class FreeTextSearch(StrictModel):
    """Body of a free-text search; `postal_code` is the place distances are measured from."""

    text: Annotated[str, Field(min_length=1, max_length=2000)]
    postal_code: PostalCode | None = None
    filters: SearchFilters | None = None
    limit: int = Field(default=20, ge=1, le=200, strict=True)
    offset: int = Field(default=0, ge=0, le=10_000, strict=True)


class Reason(BaseModel):
    """One matched requirement and where in the CV it was found."""

    kind: ReasonKind
    requirement: str
    field: str
    text: str


class RankedCv(BaseModel):
    """A CV in a search result: no case facts (a-kasse membership is not the caller's business
    there; the CV page and `GET /cvs/{id}/summary` show it to staff allowed to see it)."""

    id: uuid.UUID
    name: str
    headline: str
    postal_code: str | None
    external_id: str | None = None


class RankedCandidate(BaseModel):
    cv: RankedCv
    score: float
    score_parts: dict[str, float]
    matched: list[Reason]
    # Danish, for people: each requirement the CV does not meet.
    missing: list[str]
    distance_km: float | None
    # False only for candidates shown below the list because they lack a required
    # licence or certificate (`OrderQuery.show_unmet`).
    meets_requirements: bool = True


class RankedPage(BaseModel):
    """`total` counts the relevant candidates (above the relevance floor) that pass the
    filters and required requirements; `unmet_total` those shown below with `show_unmet`."""

    total: int
    items: list[RankedCandidate]
    unmet_total: int = 0
    # The offset is at or past the end of a non-empty result.
    past_end: bool = False
