"""Demo data of the contact process: this week's invitation lists and one recommendation."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.contact.interviews import planning
from services.contact.members import unemployed_members
from services.contact.models import Recommendation
from services.contact.recommendations import service as recommendations
from services.contact.recommendations.schemas import RecommendationIn
from services.joborders.common.workdays import local_date
from shared.auth import actor_for_user
from shared.db import utcnow
from shared.models import Organisation, User

CASEWORKER = "lars@3f.dk"


def load(session: Session) -> dict[str, int]:
    """Build the invitation lists and, once, send a recommendation from 3F (idempotent)."""
    added = planning.build_lists(session, force=True)
    if not session.scalar(select(func.count()).select_from(Recommendation)):
        _recommend(session)
    return {
        "joint interviews listed": added,
        "recommendations": session.scalar(select(func.count()).select_from(Recommendation)) or 0,
    }


def _recommend(session: Session) -> None:
    user = session.scalar(select(User).where(User.email == CASEWORKER))
    if user is None:
        return
    centre = session.scalar(select(Organisation).where(Organisation.name == "Jobcenter Norddjurs"))
    member = next(
        (
            m
            for m in unemployed_members(session, user.organisation_id)
            if centre is not None and m.jobcentre_id == centre.id
        ),
        None,
    )
    if member is None:
        return
    start = local_date(utcnow()) + timedelta(days=35)
    recommendations.submit(
        session,
        actor_for_user(user),
        data=RecommendationIn(
            cv_id=member.cv_id,
            offer_kind="guidance",
            offer_title="Truckcertifikat B (AMU 47979)",
            start_date=start,
            end_date=start + timedelta(days=11),
            weekly_hours=37,
            price="0.00",
            provider_name="AMU Djursland",
            provider_address="Kystvejen 1, 8500 Grenaa",
            provider_email="kursus@amu-djursland.dk",
            provider_phone="86 32 00 00",
            provider_contact="Lone Berg",
            justification="Lagerjob i Grenaa kræver næsten altid truckcertifikat.",
            motivation="Vil gerne fra detailhandel til lager og logistik.",
            wants_trade_change=True,
            caseworker_phone="70 10 10 10",
        ),
    )
