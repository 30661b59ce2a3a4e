"""Joint job interviews: the a-kasse proposes times, the jobcentre calls, either may cancel.

Every change is a step in the interview's history and a notification to the other
party; the invitation and each change go to the member through beskedmodulet.
"""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.contact import history, messages, policy
from services.contact.interviews.planning import SUBJECT
from services.contact.interviews.schemas import CancelIn, ConfirmIn, MoveIn, ProposalIn
from services.contact.models import OPEN_INTERVIEW, InterviewStatus, JointInterview
from services.contact.notify import tell
from services.joborders.common.workdays import COPENHAGEN, aware, local_date
from shared import audit
from shared.actor import Actor
from shared.db import utcnow
from shared.errors import InvalidState, ValidationFailed
from shared.models import Organisation

FORM_DA = {"in_person": "personligt fremmøde", "phone": "telefon", "video": "video"}


def _when(moment: datetime) -> str:
    return f"{aware(moment).astimezone(COPENHAGEN):%d.%m.%Y kl. %H.%M}"


def _visible(
    session: Session, actor: Actor, interview_id: uuid.UUID, action: str, *, lock: bool = False
) -> JointInterview:
    return policy.case_or_404(
        session, actor, JointInterview, interview_id, action=action, subject=SUBJECT, lock=lock
    )


def _changed(
    session: Session,
    actor: Actor,
    interview: JointInterview,
    *,
    action: str,
    step: str,
    detail: dict[str, str | None],
    tell_org: uuid.UUID,
    message: str,
) -> JointInterview:
    """Every change: a new version, a step in the history, the other side told, audited."""
    interview.version += 1
    history.log_step(
        session, actor, subject_type=SUBJECT, subject_id=interview.id, kind=step, detail=detail
    )
    tell(
        session,
        tell_org,
        kind="interview",
        dedupe_key=f"interview:{interview.id}:v{interview.version}",
        message=message,
    )
    audit.record(session, actor, action, subject_type=SUBJECT, subject_id=interview.id)
    return interview


def get(session: Session, actor: Actor, interview_id: uuid.UUID) -> JointInterview:
    interview = _visible(session, actor, interview_id, "interview.read")
    audit.record(session, actor, "interview.read", subject_type=SUBJECT, subject_id=interview.id)
    return interview


def list_interviews(
    session: Session,
    actor: Actor,
    *,
    status: InterviewStatus | None = None,
    partner_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[JointInterview], int]:
    """The caller's side of the invitation lists, the most urgent first.

    `partner_id` narrows a jobcentre's view to one a-kasse (its list for that a-kasse),
    or an a-kasse's to one jobcentre.
    """
    policy.require_staff(actor, action="interview.list")
    mine = (JointInterview.akasse_organisation_id == actor.organisation_id) | (
        JointInterview.jobcentre_organisation_id == actor.organisation_id
    )
    stmt = select(JointInterview).where(mine)
    if status is not None:
        stmt = stmt.where(JointInterview.status == status)
    if partner_id is not None:
        stmt = stmt.where(
            (JointInterview.akasse_organisation_id == partner_id)
            | (JointInterview.jobcentre_organisation_id == partner_id)
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(
        session.scalars(
            stmt.order_by(
                JointInterview.status.in_(tuple(OPEN_INTERVIEW)).desc(),
                JointInterview.latest_date,
                JointInterview.id,
            )
            .limit(limit)
            .offset(offset)
        )
    )
    audit.record(session, actor, "interview.list", subject_type=SUBJECT, detail=f"{len(rows)}")
    return rows, total


def _other_side(interview: JointInterview, actor: Actor) -> uuid.UUID:
    if actor.organisation_id == interview.akasse_organisation_id:
        return interview.jobcentre_organisation_id
    return interview.akasse_organisation_id


def _require_open(interview: JointInterview, *allowed: InterviewStatus) -> None:
    if interview.status not in allowed:
        raise InvalidState(
            "The interview is not in a state that allows this",
            current_status=interview.status.value,
        )


def _in_future(moment: datetime, field: str) -> None:
    if aware(moment) <= utcnow():
        raise ValidationFailed("The time lies in the past", field=field)


def propose(
    session: Session, actor: Actor, interview_id: uuid.UUID, *, data: ProposalIn
) -> JointInterview:
    """The a-kasse proposes the times it can attend (again, until the jobcentre confirms)."""
    action = "interview.propose"
    policy.require_staff(actor, action=action)
    interview = _visible(session, actor, interview_id, action, lock=True)
    policy.require_side(actor, interview.akasse_organisation_id, action=action, who="a-kasse")
    _require_open(
        interview,
        InterviewStatus.AWAITING_AKASSE,
        InterviewStatus.PROPOSED,
        InterviewStatus.JOBCENTRE_PICKS,
    )
    for i, moment in enumerate(data.times):
        _in_future(moment, f"times[{i}]")
    interview.proposed_times = [aware(t).isoformat() for t in sorted(data.times)]
    interview.proposed_by_name = actor.name
    if data.jobseeker_wishes is not None:
        interview.jobseeker_wishes = data.jobseeker_wishes or None
    interview.status = InterviewStatus.PROPOSED
    times = ", ".join(_when(t) for t in sorted(data.times))
    return _changed(
        session,
        actor,
        interview,
        action=action,
        step="proposed",
        detail={"times": times},
        tell_org=interview.jobcentre_organisation_id,
        message=(
            f"A-kassen foreslår tider til den fælles jobsamtale med {interview.person_name}: "
            f"{times}"
        ),
    )


def _invite(session: Session, interview: JointInterview, kind: str, note: str) -> None:
    """The member and the a-kasse get the invitation (or the change) through beskedmodulet."""
    akasse = session.get(Organisation, interview.akasse_organisation_id)
    payload = {
        "interview_id": str(interview.id),
        "person": interview.person_name,
        "number": str(interview.number),
        "meeting_at": interview.meeting_at.isoformat() if interview.meeting_at else None,
        "meeting_form": interview.meeting_form.value if interview.meeting_form else None,
        "jobseeker_wishes": interview.jobseeker_wishes,
        "note": note,
    }
    for recipient in (f"borger:{interview.cv_id}", (akasse.email or akasse.name) if akasse else ""):
        messages.queue(
            session,
            subject_type=SUBJECT,
            subject_id=interview.id,
            kind=kind,
            sender_organisation_id=interview.jobcentre_organisation_id,
            recipient=recipient,
            payload=payload,
        )


def confirm(
    session: Session, actor: Actor, interview_id: uuid.UUID, *, data: ConfirmIn
) -> JointInterview:
    """The jobcentre fixes the time and calls the member and the a-kasse."""
    action = "interview.confirm"
    policy.require_staff(actor, action=action)
    interview = _visible(session, actor, interview_id, action, lock=True)
    policy.require_side(actor, interview.jobcentre_organisation_id, action=action, who="jobcentre")
    _require_open(interview, InterviewStatus.PROPOSED, InterviewStatus.JOBCENTRE_PICKS)
    _in_future(data.meeting_at, "meeting_at")
    proposed = {aware(datetime.fromisoformat(t)) for t in interview.proposed_times}
    if interview.status is InterviewStatus.PROPOSED and aware(data.meeting_at) not in proposed:
        raise ValidationFailed(
            "Pick one of the times the a-kasse proposed, or ask it for others",
            field="meeting_at",
        )
    interview.meeting_at = aware(data.meeting_at)
    interview.meeting_form = data.meeting_form
    interview.status = InterviewStatus.CONFIRMED
    when = _when(interview.meeting_at)
    _invite(session, interview, "invitation", f"Indkaldelse til fælles jobsamtale {when}")
    return _changed(
        session,
        actor,
        interview,
        action=action,
        step="confirmed",
        detail={"meeting_at": when, "form": FORM_DA[data.meeting_form.value]},
        tell_org=interview.akasse_organisation_id,
        message=f"Fælles jobsamtale med {interview.person_name} er fastlagt: {when}.",
    )


def move(
    session: Session, actor: Actor, interview_id: uuid.UUID, *, data: MoveIn
) -> JointInterview:
    """Either party moves a confirmed interview, with a reason; the other is told."""
    action = "interview.move"
    policy.require_staff(actor, action=action)
    interview = _visible(session, actor, interview_id, action, lock=True)
    _require_open(interview, InterviewStatus.CONFIRMED)
    _in_future(data.meeting_at, "meeting_at")
    before = _when(interview.meeting_at) if interview.meeting_at else "-"
    interview.meeting_at = aware(data.meeting_at)
    when = _when(interview.meeting_at)
    _invite(session, interview, "change", f"Samtalen er flyttet fra {before} til {when}")
    return _changed(
        session,
        actor,
        interview,
        action=action,
        step="moved",
        detail={"from": before, "to": when, "reason": data.reason},
        tell_org=_other_side(interview, actor),
        message=(
            f"{actor.organisation_name} har flyttet den fælles jobsamtale med "
            f"{interview.person_name} fra {before} til {when}. Begrundelse: {data.reason}"
        ),
    )


def cancel(
    session: Session, actor: Actor, interview_id: uuid.UUID, *, data: CancelIn
) -> JointInterview:
    """Either party cancels, with a reason; a cancellation on the day is marked as such."""
    action = "interview.cancel"
    policy.require_staff(actor, action=action)
    interview = _visible(session, actor, interview_id, action, lock=True)
    _require_open(interview, *OPEN_INTERVIEW)
    same_day = interview.meeting_at is not None and local_date(interview.meeting_at) == local_date(
        utcnow()
    )
    was_called = interview.status is InterviewStatus.CONFIRMED
    interview.status = InterviewStatus.CANCELLED
    interview.cancelled_reason = data.reason
    if was_called:
        _invite(session, interview, "cancellation", f"Samtalen er aflyst: {data.reason}")
    return _changed(
        session,
        actor,
        interview,
        action=action,
        step="cancelled_same_day" if same_day else "cancelled",
        detail={"reason": data.reason},
        tell_org=_other_side(interview, actor),
        message=(
            f"{'Afbud samme dag: ' if same_day else ''}{actor.organisation_name} har aflyst den "
            f"fælles jobsamtale med {interview.person_name}. Begrundelse: {data.reason}"
        ),
    )


def mark_held(session: Session, actor: Actor, interview_id: uuid.UUID) -> JointInterview:
    """The jobcentre records that the interview took place."""
    action = "interview.held"
    policy.require_staff(actor, action=action)
    interview = _visible(session, actor, interview_id, action, lock=True)
    policy.require_side(actor, interview.jobcentre_organisation_id, action=action, who="jobcentre")
    _require_open(interview, InterviewStatus.CONFIRMED)
    assert interview.meeting_at is not None
    if aware(interview.meeting_at) > utcnow():
        raise InvalidState(
            "The interview has not taken place yet", current_status=interview.status.value
        )
    interview.status = InterviewStatus.HELD
    interview.version += 1
    history.log_step(session, actor, subject_type=SUBJECT, subject_id=interview.id, kind="held")
    audit.record(session, actor, action, subject_type=SUBJECT, subject_id=interview.id)
    return interview
