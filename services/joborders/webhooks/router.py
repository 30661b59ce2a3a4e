"""Webhook endpoints: a system registers its endpoint, lists, removes it and reads deliveries."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from services.joborders.common import cursor as cursors
from services.joborders.webhooks import service as webhooks
from services.joborders.webhooks.models import WebhookSubscription
from services.joborders.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionList,
    SubscriptionOut,
    WebhookPayload,
)
from shared import openapi
from shared.auth import CurrentActor, SessionDep
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)


def _out(sub: WebhookSubscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=sub.id,
        url=sub.url,
        events=sub.event_list,
        description=sub.description,
        created_at=sub.created_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated)
def create_subscription(
    body: SubscriptionIn, actor: CurrentActor, session: SessionDep, response: Response
) -> SubscriptionCreated:
    """Register an endpoint for events on the orders the caller's organisation sees."""
    sub = webhooks.create_subscription(session, actor, data=body)
    response.headers["Location"] = f"/api/webhooks/{sub.id}"
    return SubscriptionCreated(**_out(sub).model_dump(), secret=sub.secret)


@router.get("", response_model=SubscriptionList)
def list_subscriptions(actor: CurrentActor, session: SessionDep) -> SubscriptionList:
    """The organisation's subscriptions (without their secrets)."""
    return SubscriptionList(items=[_out(s) for s in webhooks.list_subscriptions(session, actor)])


@router.get("/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(
    subscription_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> SubscriptionOut:
    """One subscription (without its secret)."""
    return _out(webhooks.get_subscription(session, actor, subscription_id=subscription_id))


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_subscription(
    subscription_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> Response:
    """Stop the deliveries; pending ones are withheld."""
    webhooks.delete_subscription(session, actor, subscription_id=subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{subscription_id}/deliveries", response_model=DeliveryPage)
def list_deliveries(
    subscription_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPage:
    """The delivery log, newest first: status, attempts and the receiver's last answer."""
    after = cursors.decode(cursor, datetime, uuid.UUID)
    rows = webhooks.list_deliveries(
        session,
        actor,
        subscription_id=subscription_id,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    page, more = rows[:limit], len(rows) > limit
    next_cursor = cursors.encode(page[-1].created_at, page[-1].id) if more else None
    return DeliveryPage(
        items=[DeliveryOut.model_validate(d, from_attributes=True) for d in page],
        next_cursor=next_cursor,
        next=cursors.next_link(request, next_cursor),
    )


openapi.register_webhook(
    "orderEvent",
    openapi.Webhook(
        payload=WebhookPayload,
        summary="An event on an order the subscriber's organisation sees",
        description="Sent to each subscription that wants the event (`POST /api/webhooks`), "
        "signed the Standard Webhooks way; see docs/integration.md#webhooks.",
        headers={
            "webhook-id": "The delivery's id, the same on every retry: dedupe on it",
            "webhook-timestamp": "Unix seconds when this attempt was signed",
            "webhook-signature": "`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`",
        },
    ),
)
