"""Invitation lists for joint job interviews, and the fallback when an a-kasse is silent.

The guidance's procedure (section 3.2): "1. Jobcenteret udarbejder en indkaldelse pr.
a-kasse og udstiller eller sender den til relevant a-kasse. 2. A-kassen melder tilbage
med forslag til mødetider. 3. Jobcenter indkalder herefter den ledige og a-kassen til
samtale." How often lists are made, how far ahead they reach, the reply deadline and
the fallback are the pair's terms (services/contact/terms.py).
"""

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.contact import history
from services.contact.members import Member, unemployed_members
from services.contact.models import (
    InterviewListRun,
    InterviewStatus,
    JointInterview,
    OutgoingMessage,
)
from services.contact.notify import tell
from services.contact.terms import ContactTerms, Slot, add_months, terms_for
from services.joborders.common.workdays import COPENHAGEN, add_working_days, local_date
from shared.db import utcnow

SUBJECT = "interview"


def windows_of(member: Member, terms: ContactTerms) -> list[tuple[int, date, date]]:
    """(number, recommended date, latest date) of each joint interview of the period."""
    assert member.unemployed_since is not None
    start = member.unemployed_since
    return [
        (w.number, add_months(start, w.from_month), add_months(start, w.to_month))
        for w in terms.windows
    ]


def _due(member: Member, terms: ContactTerms, today: date) -> list[tuple[int, date, date]]:
    """The interviews that fall inside the list's horizon and are not yet past."""
    horizon = today + timedelta(days=terms.horizon_days)
    return [
        (number, recommended, latest)
        for number, recommended, latest in windows_of(member, terms)
        if recommended <= horizon and latest >= today
    ]


def build_lists(session: Session, today: date | None = None, *, force: bool = False) -> int:
    """Add the members due for a joint interview to each pair's invitation list.

    Runs daily from the schedule; a pair's list is rebuilt only when its agreed interval
    has passed (or `force`), and a member's interview is listed once per period.
    """
    today = today or local_date(utcnow())
    by_pair: dict[tuple[uuid.UUID, uuid.UUID], list[Member]] = defaultdict(list)
    for m in unemployed_members(session):
        if m.jobcentre_id is not None and m.akasse_id is not None:
            by_pair[(m.jobcentre_id, m.akasse_id)].append(m)
    added_total = 0
    for (jobcentre_id, akasse_id), pair_members in by_pair.items():
        terms = terms_for(session, jobcentre_id, akasse_id)
        run = session.scalar(
            select(InterviewListRun).where(
                InterviewListRun.jobcentre_organisation_id == jobcentre_id,
                InterviewListRun.akasse_organisation_id == akasse_id,
            )
        )
        if (
            run is not None
            and not force
            and run.built_on + timedelta(days=terms.list_interval_days) > today
        ):
            continue
        added = _add_to_list(session, pair_members, terms, today, jobcentre_id, akasse_id)
        if run is None:
            session.add(
                InterviewListRun(
                    jobcentre_organisation_id=jobcentre_id,
                    akasse_organisation_id=akasse_id,
                    built_on=today,
                    added=added,
                )
            )
        else:
            run.built_on, run.added = today, added
        if added:
            tell(
                session,
                akasse_id,
                kind="interview",
                dedupe_key=f"interview-list:{jobcentre_id}:{today.isoformat()}",
                message=(
                    f"Ny indkaldeliste: {added} fælles jobsamtale{'r' if added != 1 else ''}. "
                    "Meld mødetider tilbage inden "
                    f"{add_working_days(today, terms.reply_working_days):%d.%m.%Y}."
                ),
            )
        added_total += added
    return added_total


def _add_to_list(
    session: Session,
    pair_members: list[Member],
    terms: ContactTerms,
    today: date,
    jobcentre_id: uuid.UUID,
    akasse_id: uuid.UUID,
) -> int:
    existing = {
        (cv_id, period, number)
        for cv_id, period, number in session.execute(
            select(JointInterview.cv_id, JointInterview.period_start, JointInterview.number).where(
                JointInterview.akasse_organisation_id == akasse_id
            )
        )
    }
    reply_due = add_working_days(today, terms.reply_working_days)
    added = 0
    for m in pair_members:
        assert m.unemployed_since is not None
        for number, recommended, latest in _due(m, terms, today):
            if (m.cv_id, m.unemployed_since, number) in existing:
                continue
            interview = JointInterview(
                id=uuid.uuid4(),
                cv_id=m.cv_id,
                person_name=m.name,
                akasse_organisation_id=akasse_id,
                jobcentre_organisation_id=jobcentre_id,
                period_start=m.unemployed_since,
                number=number,
                recommended_date=max(recommended, today),
                latest_date=latest,
                listed_on=today,
                reply_due=reply_due,
                status=InterviewStatus.AWAITING_AKASSE,
            )
            session.add(interview)
            history.log_step(
                session,
                None,
                subject_type=SUBJECT,
                subject_id=interview.id,
                kind="listed",
                detail={"reply_due": reply_due.isoformat()},
            )
            added += 1
    return added


def next_slot(slots: tuple[Slot, ...], after: date) -> datetime | None:
    """The first agreed slot on or after a date, as an aware moment."""
    if not slots:
        return None
    for offset in range(0, 14):
        day = after + timedelta(days=offset)
        for slot in sorted(slots, key=lambda s: (s.weekday, s.at)):
            if slot.weekday == day.weekday():
                local = datetime.combine(day, slot.at, tzinfo=COPENHAGEN)
                return local.astimezone(UTC)
    return None


def apply_reply_deadlines(session: Session, today: date | None = None) -> int:
    """Where the a-kasse did not answer by the deadline, the agreed fallback applies."""
    today = today or local_date(utcnow())
    late = session.scalars(
        select(JointInterview).where(
            JointInterview.status == InterviewStatus.AWAITING_AKASSE,
            JointInterview.reply_due < today,
        )
    )
    applied = 0
    for interview in list(late):
        terms = terms_for(
            session, interview.jobcentre_organisation_id, interview.akasse_organisation_id
        )
        slot = (
            next_slot(terms.slots, max(interview.recommended_date, today))
            if terms.fallback == "first_agreed_slot"
            else None
        )
        if slot is not None:
            interview.status = InterviewStatus.PROPOSED
            interview.proposed_times = [slot.isoformat()]
            interview.proposed_by_name = "Aftalt tidsslot (ingen svar fra a-kassen)"
            what = f"det første aftalte tidsslot, {slot.astimezone(COPENHAGEN):%d.%m.%Y kl. %H.%M}"
        else:
            interview.status = InterviewStatus.JOBCENTRE_PICKS
            what = "jobcentret vælger en tid og giver a-kassen besked"
        interview.version += 1
        history.log_step(
            session,
            None,
            subject_type=SUBJECT,
            subject_id=interview.id,
            kind="no_reply",
            detail={"fallback": terms.fallback, "slot": slot.isoformat() if slot else None},
        )
        message = (
            f"Ingen mødetider fra a-kassen for den fælles jobsamtale med {interview.person_name} "
            f"inden fristen {interview.reply_due:%d.%m.%Y}: {what}."
        )
        for org in (interview.jobcentre_organisation_id, interview.akasse_organisation_id):
            tell(
                session,
                org,
                kind="interview",
                dedupe_key=f"interview:{interview.id}:no-reply",
                message=message,
            )
        applied += 1
    return applied


def on_sent(session: Session, message: OutgoingMessage) -> None:
    """Beskedmodulet took an invitation or a change: the history shows its id."""
    history.log_step(
        session,
        None,
        subject_type=message.subject_type,
        subject_id=message.subject_id,
        kind=f"{message.kind}_sent",
        detail={"message_id": message.external_id, "recipient": message.recipient},
        actor_name="Beskedmodulet",
    )
