"""Early-offer recommendations: the a-kasse composes and sends, the jobcentre decides.

The agreement: "Indstilling om et tidligt tilbud afgives i beskedmodulet" and
"Jobcentret ser på indstillingen hurtigst muligt; resultatet meddeles den ledige og
a-kassen". Jobbro is how the a-kasse composes the message and both sides follow it; the
message itself goes through the beskedmodul adapter, from the outbox.
"""

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.contact import history, members, messages, policy
from services.contact.models import (
    DECIDED,
    OfferKind,
    OutgoingMessage,
    Recommendation,
    RecommendationStatus,
)
from services.contact.notify import tell
from services.contact.recommendations.schemas import DecisionIn, RecommendationIn
from services.contact.terms import terms_for
from services.joborders.common import idempotency
from services.joborders.common.workdays import add_working_days, local_date
from shared import audit
from shared.actor import Actor
from shared.audit import RefusedAsNotFound
from shared.db import utcnow
from shared.errors import Forbidden, InvalidState, ValidationFailed
from shared.models import Organisation, OrgKind

SUBJECT = "recommendation"
OFFER_DA = {
    OfferKind.GUIDANCE: "vejledning og opkvalificering",
    OfferKind.INTERNSHIP: "virksomhedspraktik",
    OfferKind.WAGE_SUBSIDY: "ansættelse med løntilskud",
}
DECISION_DA = {
    "granted": "bevilget",
    "refused": "afslået",
    "more_information": "jobcentret beder om flere oplysninger",
}


def _payload(rec: Recommendation) -> dict[str, str | None]:
    """The message beskedmodulet carries: every field the agreement asks for."""
    return {
        "recommendation_id": str(rec.id),
        "person": rec.person_name,
        "offer_kind": rec.offer_kind.value,
        "offer_title": rec.offer_title,
        "start_date": rec.start_date.isoformat(),
        "end_date": rec.end_date.isoformat(),
        "weekly_hours": f"{rec.weekly_hours:g}",
        "price": None if rec.price is None else str(rec.price),
        "provider": f"{rec.provider_name}, {rec.provider_address}",
        "provider_email": rec.provider_email,
        "provider_phone": rec.provider_phone,
        "provider_contact": rec.provider_contact,
        "justification": rec.justification,
        "motivation": rec.motivation,
        "wants_trade_change": "ja" if rec.wants_trade_change else "nej",
        "caseworker": f"{rec.caseworker_name}, {rec.caseworker_email}, {rec.caseworker_phone}",
    }


def _apply(rec: Recommendation, data: RecommendationIn, actor: Actor) -> None:
    caseworker_name = data.caseworker_name or (actor.name if actor.kind == "user" else None)
    caseworker_email = data.caseworker_email or actor.email
    if not caseworker_name:
        raise ValidationFailed("caseworker_name is required", field="caseworker_name")
    if not caseworker_email:
        raise ValidationFailed("caseworker_email is required", field="caseworker_email")
    if data.start_date < local_date(utcnow()):
        raise ValidationFailed("start_date lies in the past", field="start_date")
    for name in (
        "offer_kind",
        "offer_title",
        "start_date",
        "end_date",
        "weekly_hours",
        "provider_name",
        "provider_address",
        "provider_email",
        "provider_phone",
        "provider_contact",
        "justification",
        "motivation",
        "wants_trade_change",
        "caseworker_phone",
    ):
        setattr(rec, name, getattr(data, name))
    rec.price = data.price
    rec.caseworker_name = caseworker_name
    rec.caseworker_email = caseworker_email


def _send(session: Session, rec: Recommendation, jobcentre: Organisation) -> None:
    messages.queue(
        session,
        subject_type=SUBJECT,
        subject_id=rec.id,
        kind="recommendation",
        sender_organisation_id=rec.akasse_organisation_id,
        recipient=jobcentre.email or jobcentre.name,
        payload=_payload(rec),
    )


def submit(
    session: Session,
    actor: Actor,
    *,
    data: RecommendationIn,
    idempotency_key: str | None = None,
) -> Recommendation:
    """The a-kasse sends a recommendation for one of its members."""
    action = "recommendation.create"
    policy.require_staff(actor, action=action)
    if actor.organisation_kind is not OrgKind.AKASSE:
        raise Forbidden("Only an a-kasse recommends an early offer", action=action)
    claim, earlier = idempotency.claim(
        session, actor, key=idempotency_key, operation=action, payload=data.model_dump(mode="json")
    )
    if earlier is not None:
        return _get(session, earlier)
    person = members.member(session, data.cv_id)
    if person is None or person.akasse_id != actor.organisation_id:
        # Another fund's member is as unknown to this a-kasse as a made-up id.
        raise RefusedAsNotFound(
            "No such member", action=action, subject_type="cv", subject_id=data.cv_id
        )
    if person.jobcentre_id is None:
        raise ValidationFailed(
            "The member's jobcentre cannot be found from the CV's postal code", field="cv_id"
        )
    jobcentre = session.get(Organisation, person.jobcentre_id)
    assert jobcentre is not None
    rec = Recommendation(
        id=uuid.uuid4(),
        cv_id=person.cv_id,
        person_name=person.name,
        akasse_organisation_id=actor.organisation_id,
        jobcentre_organisation_id=jobcentre.id,
        created_by_name=actor.name,
        status=RecommendationStatus.SUBMITTED,
    )
    _apply(rec, data, actor)
    session.add(rec)
    session.flush()
    history.log_step(
        session, actor, subject_type=SUBJECT, subject_id=rec.id, kind="submitted", detail={}
    )
    _send(session, rec, jobcentre)
    audit.record(session, actor, action, subject_type=SUBJECT, subject_id=rec.id)
    claim.complete(rec.id)
    return rec


def _get(session: Session, rec_id: uuid.UUID) -> Recommendation:
    rec = session.get(Recommendation, rec_id)
    assert rec is not None
    return rec


def _visible(
    session: Session, actor: Actor, rec_id: uuid.UUID, action: str, *, lock: bool = False
) -> Recommendation:
    return policy.case_or_404(
        session, actor, Recommendation, rec_id, action=action, subject=SUBJECT, lock=lock
    )


def get(session: Session, actor: Actor, rec_id: uuid.UUID) -> Recommendation:
    """One recommendation, for its two parties; the read is audited."""
    rec = _visible(session, actor, rec_id, "recommendation.read")
    audit.record(session, actor, "recommendation.read", subject_type=SUBJECT, subject_id=rec.id)
    return rec


def list_recommendations(
    session: Session,
    actor: Actor,
    *,
    status: RecommendationStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Recommendation], int]:
    """The a-kasse's sent recommendations, or the jobcentre's incoming queue.

    The queue puts what waits for the jobcentre first, the oldest clock first.
    """
    policy.require_staff(actor, action="recommendation.list")
    mine = (Recommendation.akasse_organisation_id == actor.organisation_id) | (
        Recommendation.jobcentre_organisation_id == actor.organisation_id
    )
    stmt = select(Recommendation).where(mine)
    if status is not None:
        stmt = stmt.where(Recommendation.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    waiting = Recommendation.status.in_((RecommendationStatus.SUBMITTED, RecommendationStatus.SENT))
    rows = list(
        session.scalars(
            stmt.order_by(
                waiting.desc(),
                Recommendation.decision_due.asc().nulls_last(),
                Recommendation.created_at.desc(),
                Recommendation.id,
            )
            .limit(limit)
            .offset(offset)
        )
    )
    audit.record(
        session,
        actor,
        "recommendation.list",
        subject_type=SUBJECT,
        detail=f"{len(rows)} shown",
    )
    return rows, total


def decide(
    session: Session, actor: Actor, rec_id: uuid.UUID, *, data: DecisionIn
) -> Recommendation:
    """The jobcentre grants, refuses or asks for more; the a-kasse and the member are told."""
    action = "recommendation.decide"
    policy.require_staff(actor, action=action)
    rec = _visible(session, actor, rec_id, action, lock=True)
    policy.require_side(actor, rec.jobcentre_organisation_id, action=action, who="jobcentre")
    if rec.status in DECIDED:
        raise InvalidState(
            "The recommendation has already been decided", current_status=rec.status.value
        )
    if rec.status is not RecommendationStatus.SENT:
        raise InvalidState(
            "The recommendation is not waiting for the jobcentre",
            current_status=rec.status.value,
        )
    if data.decision != "granted" and not data.reason:
        raise ValidationFailed("A reason is required", field="reason")
    if data.decision == "granted" and rec.company_directed and not data.vitas_reference:
        raise ValidationFailed(
            "Granting a company-directed offer needs the VITAS reference",
            field="vitas_reference",
        )
    rec.status = RecommendationStatus(data.decision)
    rec.decided_at = utcnow()
    rec.decided_by_name = actor.name
    rec.decision_reason = data.reason
    rec.vitas_reference = data.vitas_reference if data.decision == "granted" else None
    rec.version += 1
    detail = {"decision": data.decision, "reason": data.reason, "vitas": rec.vitas_reference}
    history.log_step(
        session, actor, subject_type=SUBJECT, subject_id=rec.id, kind="decided", detail=detail
    )
    akasse = session.get(Organisation, rec.akasse_organisation_id)
    assert akasse is not None
    payload = {
        "recommendation_id": str(rec.id),
        "person": rec.person_name,
        "decision": data.decision,
        "reason": data.reason,
        "vitas_reference": rec.vitas_reference,
    }
    # "Resultatet meddeles den ledige og a-kassen": the result to both; a request for more
    # information goes to the a-kasse, which composed the recommendation.
    recipients = [akasse.email or akasse.name]
    if rec.status in DECIDED:
        recipients.append(f"borger:{rec.cv_id}")
    for recipient in recipients:
        messages.queue(
            session,
            subject_type=SUBJECT,
            subject_id=rec.id,
            kind="decision",
            sender_organisation_id=rec.jobcentre_organisation_id,
            recipient=recipient,
            payload=payload,
        )
    tell(
        session,
        rec.akasse_organisation_id,
        kind="recommendation",
        dedupe_key=f"recommendation:{rec.id}:v{rec.version}",
        message=(
            f"Indstillingen om {OFFER_DA[rec.offer_kind]} »{rec.offer_title}« for "
            f"{rec.person_name}: {DECISION_DA[data.decision]}."
            + (f" Begrundelse: {data.reason}" if data.reason else "")
        ),
    )
    audit.record(
        session, actor, action, subject_type=SUBJECT, subject_id=rec.id, detail=data.decision
    )
    return rec


def amend(
    session: Session, actor: Actor, rec_id: uuid.UUID, *, data: RecommendationIn
) -> Recommendation:
    """The a-kasse answers a request for more information with an amended recommendation."""
    action = "recommendation.amend"
    policy.require_staff(actor, action=action)
    rec = _visible(session, actor, rec_id, action, lock=True)
    policy.require_side(actor, rec.akasse_organisation_id, action=action, who="a-kasse")
    if rec.status is not RecommendationStatus.MORE_INFORMATION:
        raise InvalidState(
            "Only a recommendation the jobcentre asked more about can be amended",
            current_status=rec.status.value,
        )
    if data.cv_id != rec.cv_id:
        raise ValidationFailed("A recommendation stays with its member", field="cv_id")
    _apply(rec, data, actor)
    rec.status = RecommendationStatus.SUBMITTED
    rec.decided_at = rec.decided_by_name = rec.decision_reason = None
    rec.version += 1
    history.log_step(session, actor, subject_type=SUBJECT, subject_id=rec.id, kind="amended")
    jobcentre = session.get(Organisation, rec.jobcentre_organisation_id)
    assert jobcentre is not None
    _send(session, rec, jobcentre)
    audit.record(session, actor, action, subject_type=SUBJECT, subject_id=rec.id)
    return rec


def on_sent(session: Session, message: OutgoingMessage) -> None:
    """Beskedmodulet took a message: a recommendation now waits for the jobcentre."""
    rec = session.get(Recommendation, message.subject_id)
    if rec is None:
        return
    history.log_step(
        session,
        None,
        subject_type=SUBJECT,
        subject_id=rec.id,
        kind=f"{message.kind}_sent",
        detail={"message_id": message.external_id, "recipient": message.recipient},
        actor_name="Beskedmodulet",
    )
    if message.kind != "recommendation" or rec.status is not RecommendationStatus.SUBMITTED:
        return
    terms = terms_for(session, rec.jobcentre_organisation_id, rec.akasse_organisation_id)
    rec.status = RecommendationStatus.SENT
    rec.sent_at = message.sent_at
    rec.decision_due = add_working_days(local_date(utcnow()), terms.recommendation_working_days)
    tell(
        session,
        rec.jobcentre_organisation_id,
        kind="recommendation",
        dedupe_key=f"recommendation:{rec.id}:v{rec.version}:in",
        message=(
            f"Ny indstilling om {OFFER_DA[rec.offer_kind]} »{rec.offer_title}« for "
            f"{rec.person_name}. Svar senest {rec.decision_due:%d.%m.%Y}."
        ),
    )


def overdue(session: Session, today: date) -> list[Recommendation]:
    """Recommendations whose clock has run out without a decision."""
    return list(
        session.scalars(
            select(Recommendation).where(
                Recommendation.status == RecommendationStatus.SENT,
                Recommendation.decision_due < today,
            )
        )
    )
