"""Arranging contact-process tests: a jobcentre, two a-kasser, members with case facts."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.matching.models import Cv, CvCaseFacts, vector_id_for
from shared import db
from shared.models import OrgKind, Role
from tests.joborders.helpers import Person, organisation, person


@dataclass(frozen=True)
class Case:
    """Jobcenter Norddjurs (707, 8500 Grenaa) with its a-kasse partners and outsiders."""

    centre: uuid.UUID
    akasse: uuid.UUID
    akasse2: uuid.UUID
    other_centre: uuid.UUID
    mediator: Person
    caseworker: Person
    caseworker2: Person
    outsider: Person


def case() -> Case:
    centre = organisation(OrgKind.JOBCENTRE, municipality_code="707")
    akasse = organisation(OrgKind.AKASSE)
    akasse2 = organisation(OrgKind.AKASSE)
    other = organisation(OrgKind.JOBCENTRE, municipality_code="751")
    return Case(
        centre=centre,
        akasse=akasse,
        akasse2=akasse2,
        other_centre=other,
        mediator=person(centre),
        caseworker=person(akasse, Role.CASEWORKER),
        caseworker2=person(akasse2, Role.CASEWORKER),
        outsider=person(other),
    )


def member(
    akasse: uuid.UUID | None,
    *,
    name: str = "Mette Sørensen",
    postal_code: str = "8500",
    unemployed_since: date | None = None,
) -> uuid.UUID:
    """A CV with case facts, written straight to the bank (no embedding needed here)."""
    cv_id = uuid.uuid4()
    with db.unit_of_work() as s:
        s.add(
            Cv(
                id=cv_id,
                external_id=f"jobnet-{cv_id.hex[:10]}",
                vector_id=vector_id_for(cv_id),
                name=name,
                headline="Lagermedarbejder",
                postal_code=postal_code,
                document={},
                occupations=[],
                text_hash="-",
            )
        )
        s.flush()
        s.add(
            CvCaseFacts(
                cv_id=cv_id, akasse_organisation_id=akasse, unemployed_since=unemployed_since
            )
        )
    return cv_id


def recommendation_body(cv_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cv_id": str(cv_id),
        "offer_kind": "guidance",
        "offer_title": "Truckcertifikat B",
        "start_date": "2030-01-07",
        "end_date": "2030-01-18",
        "weekly_hours": 37,
        "price": "8500.00",
        "provider_name": "AMU Djursland",
        "provider_address": "Kystvejen 1, 8500 Grenaa",
        "provider_email": "kursus@amu-djursland.dk",
        "provider_phone": "86 32 00 00",
        "provider_contact": "Lone Berg",
        "justification": "Mange lagerjob i Grenaa kræver truckcertifikat.",
        "motivation": "Vil gerne skifte fra butik til lager.",
        "wants_trade_change": True,
        "caseworker_phone": "70 10 10 10",
    }
    body.update(overrides)
    return body
