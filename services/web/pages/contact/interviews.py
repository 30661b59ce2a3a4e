"""Fælles jobsamtaler: invitation lists, proposed times, confirmation, moves, cancellations."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from services.contact import history, messages
from services.contact.interviews import planning, service
from services.contact.interviews.schemas import CancelIn, ConfirmIn, MoveIn, ProposalIn
from services.contact.models import InterviewStatus
from services.web.common import (
    PostedForm,
    WebSession,
    flash,
    form_values,
    page_count,
    page_number,
    redirect,
)
from services.web.forms import blank_to_none, first_error
from services.web.pages.contact import labels
from services.web.pages.contact.recommendations import common
from services.web.templating import render
from shared.auth import CurrentActor, require_org_kind
from shared.errors import AppError
from shared.models import Organisation, OrgKind

router = APIRouter(include_in_schema=False)
BASE = "/samarbejde/samtaler"


def _context(**context: Any) -> dict[str, Any]:
    return common(
        INTERVIEW_STATUS_DA=labels.INTERVIEW_STATUS_DA,
        MEETING_FORM_DA=labels.MEETING_FORM_DA,
        local_input=labels.local_input,
        **context,
    )


@router.get(BASE)
def interview_list(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    status: Annotated[str, Query()] = "",
    part: Annotated[str, Query()] = "",
    side: Annotated[str, Query()] = "1",
) -> Response:
    """The invitation lists of the caller's side, one partner at a time when chosen."""
    page = page_number(side)
    wanted = status if status in labels.INTERVIEW_STATUS_DA else None
    try:
        partner = uuid.UUID(part) if part else None
    except ValueError:
        partner = None
    rows, total = service.list_interviews(
        session,
        actor,
        status=InterviewStatus(wanted) if wanted else None,
        partner_id=partner,
        limit=20,
        offset=(page - 1) * 20,
    )
    partner_ids = {r.akasse_organisation_id for r in rows} | {
        r.jobcentre_organisation_id for r in rows
    }
    names = {
        o.id: o.name for o in session.query(Organisation).filter(Organisation.id.in_(partner_ids))
    }
    partners = sorted(
        ((str(o_id), name) for o_id, name in names.items() if o_id != actor.organisation_id),
        key=lambda p: p[1],
    )
    return render(
        request,
        "contact/interviews.html",
        actor,
        session=session,
        **_context(
            tab="int",
            items=rows,
            total=total,
            page=page,
            pages=page_count(total),
            status=wanted,
            part=str(partner) if partner else "",
            partners=partners,
            names=names,
        ),
    )


@router.post(f"{BASE}/lister")
def build_lists(request: Request, session: WebSession, actor: CurrentActor) -> Response:
    """The jobcentre builds the invitation lists now instead of at the weekly run."""
    require_org_kind(actor, OrgKind.JOBCENTRE, action="interview.build_lists")
    added = planning.build_lists(session, force=True)
    flash(request, f"Indkaldelisterne er opdateret: {added} nye fælles jobsamtaler.")
    return redirect(BASE)


@router.get(f"{BASE}/{{interview_id}}")
def interview_page(
    request: Request, session: WebSession, actor: CurrentActor, interview_id: uuid.UUID
) -> Response:
    interview = service.get(session, actor, interview_id)
    akasse = session.get(Organisation, interview.akasse_organisation_id)
    jobcentre = session.get(Organisation, interview.jobcentre_organisation_id)
    return render(
        request,
        "contact/interview.html",
        actor,
        session=session,
        **_context(
            tab="int",
            interview=interview,
            akasse_name=akasse.name if akasse else "",
            jobcentre_name=jobcentre.name if jobcentre else "",
            steps=history.steps(session, interview.id),
            messages=messages.messages_of(session, interview.id),
            is_jobcentre=actor.organisation_id == interview.jobcentre_organisation_id,
            is_akasse=actor.organisation_id == interview.akasse_organisation_id,
            form_options=list(labels.MEETING_FORM_DA.items()),
        ),
    )


def _act(
    request: Request,
    interview_id: uuid.UUID,
    at: str,
    schema: type[BaseModel],
    data: dict[str, Any],
    run: Any,
    done: str,
) -> Response:
    back = f"{BASE}/{interview_id}"
    try:
        body = schema.model_validate(data)
    except ValidationError as exc:
        flash(request, f"Intet er gemt. {first_error(exc)}", "error", at=at)
        return redirect(f"{back}#{at}")
    try:
        run(body)
    except AppError as exc:
        if exc.status not in (409, 422):
            raise
        message = {
            "meeting_at": "Vælg et af de tidspunkter, a-kassen har foreslået, i fremtiden.",
        }.get(str(exc.extra.get("field") or ""), "")
        if exc.status == 409:
            message = "Samtalen er ændret imens. Se forløbet nedenfor."
        elif not message:
            message = "Tidspunktet ligger i fortiden."
        flash(request, f"Intet er gemt. {message}", "error", at=at)
        return redirect(f"{back}#{at}")
    flash(request, done)
    return redirect(back)


@router.post(f"{BASE}/{{interview_id}}/tider")
def propose(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    interview_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    values = form_values(form)
    times = [labels.from_local_input(values.get(f"time{i}")) for i in range(1, 4)]
    data = {
        "times": [t for t in times if t is not None],
        "jobseeker_wishes": blank_to_none(values.get("jobseeker_wishes")),
    }
    return _act(
        request,
        interview_id,
        "propose",
        ProposalIn,
        data,
        lambda body: service.propose(session, actor, interview_id, data=body),
        "Mødetiderne er sendt til jobcentret.",
    )


@router.post(f"{BASE}/{{interview_id}}/indkald")
def confirm(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    interview_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    values = form_values(form)
    chosen = values.get("proposed") or values.get("meeting_at")
    data = {
        "meeting_at": labels.from_local_input(chosen),
        "meeting_form": values.get("meeting_form") or "in_person",
    }
    return _act(
        request,
        interview_id,
        "confirm",
        ConfirmIn,
        data,
        lambda body: service.confirm(session, actor, interview_id, data=body),
        "Medlemmet og a-kassen er indkaldt.",
    )


@router.post(f"{BASE}/{{interview_id}}/flyt")
def move(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    interview_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    values = form_values(form)
    data = {
        "meeting_at": labels.from_local_input(values.get("meeting_at")),
        "reason": values.get("reason", ""),
    }
    return _act(
        request,
        interview_id,
        "move",
        MoveIn,
        data,
        lambda body: service.move(session, actor, interview_id, data=body),
        "Samtalen er flyttet, og den anden part har fået besked.",
    )


@router.post(f"{BASE}/{{interview_id}}/aflys")
def cancel(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    interview_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    values = form_values(form)
    return _act(
        request,
        interview_id,
        "cancel",
        CancelIn,
        {"reason": values.get("reason", "")},
        lambda body: service.cancel(session, actor, interview_id, data=body),
        "Samtalen er aflyst, og den anden part har fået besked.",
    )


@router.post(f"{BASE}/{{interview_id}}/afholdt")
def held(
    request: Request, session: WebSession, actor: CurrentActor, interview_id: uuid.UUID
) -> Response:
    try:
        service.mark_held(session, actor, interview_id)
    except AppError as exc:
        if exc.status != 409:
            raise
        flash(
            request,
            "Samtalen kan først registreres som afholdt efter mødetidspunktet.",
            "error",
            at="held",
        )
        return redirect(f"{BASE}/{interview_id}#held")
    flash(request, "Samtalen er registreret som afholdt.")
    return redirect(f"{BASE}/{interview_id}")
