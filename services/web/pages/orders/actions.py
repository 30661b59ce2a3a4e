"""The jobordre page's order forms: take from the inbox, hand over, forward, share, status."""

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.joborders.forwarding import service as forwarding
from services.joborders.forwarding.schemas import ForwardIn, TakeForwardedIn
from services.joborders.orders import service as order_service
from services.joborders.orders.schemas import StatusChange
from services.joborders.ownership import service as ownership
from services.joborders.ownership.schemas import OwnerChangeIn
from services.joborders.policy import status as status_policy
from services.joborders.sharing import service as sharing
from services.joborders.sharing.schemas import ShareIn
from services.web.common import PostedForm, WebSession, flash, flash_redirect, form_values, redirect
from services.web.forms import blank_to_none, form_version, validated_or_flash
from services.web.labels import STATUS_DA
from services.web.templating import tidspunkt
from shared.actor import Actor
from shared.auth import CurrentActor
from shared.errors import InvalidState, StaleVersion

router = APIRouter(include_in_schema=False)


@router.post("/jobordrer/{order_id}/tag-ejerskab")
def take_forwarded(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """A jobcentre mediator takes ownership of an order forwarded by an a-kasse."""
    body = TakeForwardedIn()
    try:
        forwarding.take_forwarded_order(
            session,
            actor,
            order_id=order_id,
            reason=body.reason,
            expected_version=form_version(form_values(form)),
        )
    except (InvalidState, StaleVersion):
        session.rollback()
        return _already_taken(request, session, actor, order_id)
    return flash_redirect(
        request,
        f"/jobordrer/{order_id}",
        "Du er nu formidlingsansvarlig, og jobcentret er tovholder.",
    )


def _already_taken(
    request: Request, session: WebSession, actor: Actor, order_id: uuid.UUID
) -> Response:
    """A colleague was quicker: say who took the order, and link to it."""
    order = order_service.read_order(session, actor, order_id=order_id)
    if order.forward_taken_at is None:
        # Changed for another reason (edited, closed): the order page shows how it is now.
        flash(
            request,
            "Jobordren er ændret, siden du åbnede siden. Se den her:",
            "error",
            link=(f"/jobordrer/{order_id}", order.title),
        )
        return redirect("/jobordrer")
    flash(
        request,
        f"{order.owner.name} ({order.owner.organisation.name}) tog ejerskab af jobordren "
        f"{tidspunkt(order.forward_taken_at)}, så du kan ikke tage den.",
        "error",
        link=(f"/jobordrer/{order_id}", f"Åbn jobordren »{order.title}«"),
    )
    return redirect("/jobordrer")


@router.post("/jobordrer/{order_id}/ejer")
def change_owner(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """Hand over (owner) or take over (administrator) the mediation ownership."""
    values = form_values(form)
    back = f"/jobordrer/{order_id}"
    body = validated_or_flash(
        request,
        OwnerChangeIn,
        {
            "new_owner_id": blank_to_none(values.get("user_id")),
            "reason": values.get("reason", ""),
            "version": form_version(values),
        },
        failure="Ejerskabet er ikke ændret.",
        back=back,
        at="ejer",
    )
    if isinstance(body, Response):
        return body
    order = ownership.change_owner(
        session,
        actor,
        order_id=order_id,
        reason=body.reason,
        expected_version=body.version,
        new_owner_id=body.new_owner_id,
    )
    return flash_redirect(request, back, f"{order.owner.name} er nu formidlingsansvarlig.")


@router.post("/jobordrer/{order_id}/videreformidl")
def forward(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """An a-kasse forwards the order to a jobcentre via JobAG."""
    values = form_values(form)
    back = f"/jobordrer/{order_id}"
    body = validated_or_flash(
        request,
        ForwardIn,
        {
            "reason": values.get("reason", ""),
            "jobcentre_id": blank_to_none(values.get("jobcentre_id")),
        },
        failure="Jobordren er ikke videreformidlet.",
        back=back,
        at="videreformidl",
    )
    if isinstance(body, Response):
        return body
    forwarding.forward_order(
        session, actor, order_id=order_id, reason=body.reason, jobcentre_id=body.jobcentre_id
    )
    return flash_redirect(request, back, "Jobordren er videreformidlet til jobcentret via JobAG.")


@router.post("/jobordrer/{order_id}/del")
def share(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """The jobcentre shares the order with an a-kasse."""
    back = f"/jobordrer/{order_id}"
    chosen = [v for v in form.getlist("organisation_id") if v]
    if not chosen:
        return flash_redirect(
            request,
            back,
            "Jobordren er ikke delt. Sæt kryds ved mindst én a-kasse.",
            "error",
            at="del",
        )
    body = validated_or_flash(
        request,
        ShareIn,
        {"organisation_ids": chosen},
        failure="Jobordren er ikke delt.",
        back=back,
        at="del",
    )
    if isinstance(body, Response):
        return body
    sharing.share_order(session, actor, order_id=order_id, organisation_ids=body.organisation_ids)
    return flash_redirect(
        request, back, "Jobordren er delt, så a-kasserne kan foreslå deres medlemmer."
    )


# Why the service refused a status, in the words a mediator understands.
_STATUS_REFUSED_DA = {
    "closed_expired": "»Lukket – frist udløbet« kan først vælges, når formidlingsfristen er "
    "overskredet.",
    "closed_filled": "»Lukket – besat« kræver, at en kandidat er registreret som ansat.",
}


@router.post("/jobordrer/{order_id}/status")
def change_status(
    request: Request,
    order_id: uuid.UUID,
    session: WebSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    """The owner changes the order's status; closing needs a reason and a confirmation."""
    values = form_values(form)
    back = f"/jobordrer/{order_id}"
    failure = "Status er ikke ændret."
    body = validated_or_flash(
        request,
        StatusChange,
        {
            "status": values.get("status", ""),
            "reason": blank_to_none(values.get("reason")),
            "version": form_version(values),
        },
        failure=failure,
        back=back,
        at="status",
    )
    if isinstance(body, Response):
        return body

    def refused(message: str) -> Response:
        return flash_redirect(request, back, f"{failure} {message}", "error", at="status")

    closing = status_policy.needs_reason(body.status)
    if closing and body.reason is None:
        return refused("Skriv en begrundelse for at lukke jobordren.")
    if closing and values.get("bekraeft") != "ja":
        return refused("Sæt kryds for at bekræfte, at jobordren skal lukkes.")
    try:
        order_service.change_status(
            session,
            actor,
            order_id=order_id,
            status=body.status,
            reason=body.reason,
            expected_version=body.version,
        )
    except InvalidState as exc:
        session.rollback()
        wanted = str(exc.extra.get("wanted_status", ""))
        return refused(_STATUS_REFUSED_DA.get(wanted, "Den status kan jobordren ikke få nu."))
    return flash_redirect(request, back, f"Status er nu »{STATUS_DA[body.status.value]}«.")
