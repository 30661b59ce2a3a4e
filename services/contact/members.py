"""The member a contact-process case is about: name, a-kasse, unemployment start, jobcentre.

Read straight from the CV bank's case facts: this is case work, the one use those facts
have besides visibility. Ranking never reads them (services/matching/policy.py).
"""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.matching.models import Cv, CvCaseFacts
from shared.identity.service import jobcentre_for_postal_code


@dataclass(frozen=True)
class Member:
    cv_id: uuid.UUID
    name: str
    postal_code: str | None
    akasse_id: uuid.UUID | None
    unemployed_since: date | None
    jobcentre_id: uuid.UUID | None


def jobcentre_of_postal_code(session: Session, postal_code: str | None) -> uuid.UUID | None:
    """The jobcentre of the municipality the postal code lies in (the member's case)."""
    org = jobcentre_for_postal_code(session, postal_code)
    return org.id if org is not None else None


def member(session: Session, cv_id: uuid.UUID) -> Member | None:
    row = session.execute(
        select(Cv, CvCaseFacts)
        .outerjoin(CvCaseFacts, CvCaseFacts.cv_id == Cv.id)
        .where(Cv.id == cv_id)
    ).first()
    if row is None:
        return None
    cv, facts = row
    return Member(
        cv_id=cv.id,
        name=cv.name,
        postal_code=cv.postal_code,
        akasse_id=facts.akasse_organisation_id if facts else None,
        unemployed_since=facts.unemployed_since if facts else None,
        jobcentre_id=jobcentre_of_postal_code(session, cv.postal_code),
    )


def unemployed_members(session: Session, akasse_id: uuid.UUID | None = None) -> list[Member]:
    """Members with an unemployment start, of one a-kasse or of all."""
    stmt = select(Cv.id, Cv.name, Cv.postal_code, CvCaseFacts).join(
        CvCaseFacts, CvCaseFacts.cv_id == Cv.id
    )
    stmt = stmt.where(
        CvCaseFacts.unemployed_since.is_not(None),
        CvCaseFacts.akasse_organisation_id.is_not(None),
    )
    if akasse_id is not None:
        stmt = stmt.where(CvCaseFacts.akasse_organisation_id == akasse_id)
    centres: dict[str | None, uuid.UUID | None] = {}
    members = []
    for cv_id, name, postal_code, facts in session.execute(stmt.order_by(Cv.id)):
        if postal_code not in centres:
            centres[postal_code] = jobcentre_of_postal_code(session, postal_code)
        members.append(
            Member(
                cv_id=cv_id,
                name=name,
                postal_code=postal_code,
                akasse_id=facts.akasse_organisation_id,
                unemployed_since=facts.unemployed_since,
                jobcentre_id=centres[postal_code],
            )
        )
    return members
