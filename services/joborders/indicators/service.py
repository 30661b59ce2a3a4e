"""STAR's job-order measures per organisation and period."""

import statistics
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from services.joborders.candidates.progress import was_referred
from services.joborders.common.workdays import COPENHAGEN, aware
from services.joborders.indicators.schemas import Indicators
from services.joborders.models import Candidate, CandidateStatus, JobOrder
from services.joborders.orders.deadlines import overdue_condition, today
from services.matching.contract import DATE_MAX, DATE_MIN
from shared import audit
from shared.actor import Actor
from shared.errors import ValidationFailed


def _start(day: date) -> datetime:
    # Stored timestamps are UTC (SQLite keeps them without a zone), so compare in UTC.
    return datetime.combine(day, time.min, tzinfo=COPENHAGEN).astimezone(UTC)


def indicators(session: Session, actor: Actor, *, date_from: date, date_to: date) -> Indicators:
    """Orders the caller's organisation coordinates, received from `date_from` to `date_to`."""
    for day in (date_from, date_to):
        # Year 1 or 9999 overflows the period arithmetic; the UI form reaches here too.
        if not DATE_MIN <= day <= DATE_MAX:
            raise ValidationFailed(f"Dates lie between {DATE_MIN} and {DATE_MAX}")
    if date_to < date_from:
        raise ValidationFailed("date_to lies before date_from")
    if (date_to - date_from).days > 3700:
        raise ValidationFailed("A period is at most ten years")
    org: uuid.UUID = actor.organisation_id
    in_period = (
        JobOrder.coordinator_organisation_id == org,
        JobOrder.received_at >= _start(date_from),
        JobOrder.received_at < _start(date_to + timedelta(days=1)),
    )
    # A referral of an unemployed candidate, archived or not: STAR counts what happened.
    referred = exists().where(
        Candidate.order_id == JobOrder.id,
        was_referred(),
        Candidate.unemployed.is_(True),
    )
    hired = exists().where(
        Candidate.order_id == JobOrder.id,
        Candidate.status == CandidateStatus.HIRED,
        was_referred(),
        Candidate.unemployed.is_(True),
        Candidate.archived_at.is_(None),
    )
    orders, positions = session.execute(
        select(func.count(JobOrder.id), func.coalesce(func.sum(JobOrder.positions), 0)).where(
            *in_period
        )
    ).one()
    with_referral = session.scalar(select(func.count()).where(*in_period, referred)) or 0
    with_hire = session.scalar(select(func.count()).where(*in_period, referred, hired)) or 0
    overdue_now = (
        session.scalar(
            select(func.count()).where(
                JobOrder.coordinator_organisation_id == org, overdue_condition(today())
            )
        )
        or 0
    )
    spans = session.execute(
        select(JobOrder.received_at, JobOrder.first_action_at).where(
            *in_period, JobOrder.first_action_at.is_not(None)
        )
    ).all()
    hours = [(aware(b) - aware(a)).total_seconds() / 3600 for a, b in spans if b is not None]
    audit.record(session, actor, "order.indicators", detail=f"{date_from}..{date_to}")
    return Indicators(
        organisation_id=org,
        date_from=date_from,
        date_to=date_to,
        orders=orders,
        positions=int(positions),
        orders_with_referral=with_referral,
        share_with_referral=round(with_referral / orders, 4) if orders else None,
        orders_with_hire_after_referral=with_hire,
        share_with_hire=round(with_hire / with_referral, 4) if with_referral else None,
        overdue_now=overdue_now,
        median_processing_hours=round(statistics.median(hours), 2) if hours else None,
    )
