"""The matrix's contact-process cases: each belongs to one a-kasse and one jobcentre.

A case is visible to its two parties only, so its strings are secrets of the pair: the
a-kasse A / jobcentre D case is foreign to everyone the matrix logs in as but a-kasse A,
and the a-kasse B / jobcentre C case to everyone but a-kasse B and jobcentre C.
"""

import uuid
from datetime import date, timedelta

from services.contact.models import (
    InterviewStatus,
    JointInterview,
    OfferKind,
    Recommendation,
    RecommendationStatus,
)
from services.matching.models import Cv
from shared import db


def case(
    *, cv_id: uuid.UUID, akasse: uuid.UUID, jobcentre: uuid.UUID, marker: str
) -> tuple[uuid.UUID, uuid.UUID, list[str]]:
    """A recommendation and a joint interview of one member; returns their ids and secrets.

    The secrets are what the case adds (its notes); the ids are not among them, since a
    credential that probed a case finds the id it sent in its own audit log.
    """
    motivation, wishes = f"motivation-{marker}", f"oensker-{marker}"
    start = date(2030, 1, 7)
    with db.unit_of_work() as s:
        cv = s.get(Cv, cv_id)
        assert cv is not None
        person = cv.name
        rec = Recommendation(
            id=uuid.uuid4(),
            cv_id=cv_id,
            person_name=person,
            akasse_organisation_id=akasse,
            jobcentre_organisation_id=jobcentre,
            created_by_name="Sagsbehandler",
            status=RecommendationStatus.SENT,
            offer_kind=OfferKind.GUIDANCE,
            offer_title="Truckcertifikat",
            start_date=start,
            end_date=start + timedelta(days=11),
            weekly_hours=37,
            price=8500,
            provider_name="AMU",
            provider_address="Kystvejen 1, 8500 Grenaa",
            provider_email="amu@example.dk",
            provider_phone="86320000",
            justification="Lagerjob kræver certifikat",
            motivation=motivation,
            caseworker_name="Sagsbehandler",
            caseworker_email="sb@example.dk",
            caseworker_phone="70101010",
        )
        interview = JointInterview(
            id=uuid.uuid4(),
            cv_id=cv_id,
            person_name=person,
            akasse_organisation_id=akasse,
            jobcentre_organisation_id=jobcentre,
            period_start=date(2026, 10, 1),
            number=1,
            recommended_date=date(2026, 11, 1),
            latest_date=date(2027, 2, 1),
            listed_on=date(2026, 11, 1),
            reply_due=date(2030, 1, 1),
            status=InterviewStatus.AWAITING_AKASSE,
            jobseeker_wishes=wishes,
        )
        s.add_all([rec, interview])
    return rec.id, interview.id, [motivation, wishes]
