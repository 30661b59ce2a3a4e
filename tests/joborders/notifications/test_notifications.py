"""Overdue reminders, e-mail and the notifications API."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from services.joborders.models import Notification
from services.joborders.notifications import service as notifications
from services.joborders.orders import deadlines
from services.joborders.orders import service as orders
from services.joborders.sharing import service as sharing
from services.joborders.tasks import remind_overdue
from shared import db
from shared.settings import get_settings
from tests.joborders.helpers import HttpAs, World, actor, new_order, run

LONG_AGO = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_overdue_reminder_goes_to_the_owner_once(w: World) -> None:
    late = new_order(actor(w.mediator), received_at=LONG_AGO)
    new_order(actor(w.mediator))  # fresh: not overdue
    assert remind_overdue.apply().get() == 1
    assert remind_overdue.apply().get() == 0
    with db.unit_of_work() as s:
        [note] = s.scalars(select(Notification))
    assert (note.user_id, note.order_id, note.kind) == (w.mediator.id, late, "overdue")
    assert note.emailed_at is None  # no SMTP configured


def test_an_acted_on_order_is_not_overdue(w: World) -> None:

    order_id = new_order(actor(w.mediator), received_at=LONG_AGO)
    run(sharing.share_order, actor(w.mediator), order_id=order_id, organisation_ids=[w.akasse])
    assert remind_overdue.apply().get() == 0
    order = run(orders.read_order, actor(w.mediator), order_id=order_id)
    assert not deadlines.is_overdue(order)
    assert (deadlines.processing_seconds(order) or 0) > 0


def test_email_is_sent_only_when_smtp_is_configured(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[Any] = []

    class FakeSmtp:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            sent.append(host)

        def __enter__(self) -> "FakeSmtp":
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def send_message(self, msg: Any) -> None:
            sent.append(msg["To"])

    monkeypatch.setattr(notifications.smtplib, "SMTP", FakeSmtp)
    monkeypatch.setattr(get_settings(), "smtp_host", "smtp.example.dk")
    new_order(actor(w.mediator), received_at=LONG_AGO)
    remind_overdue.apply().get()
    assert sent == ["smtp.example.dk", w.mediator.email]
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).where(Notification.emailed_at.is_not(None))) == 1


def test_notifications_api_lists_mine_and_marks_read(app: FastAPI, w: World) -> None:
    new_order(actor(w.mediator), received_at=LONG_AGO)
    new_order(actor(w.mediator2), received_at=LONG_AGO)
    remind_overdue.apply().get()
    http = HttpAs(app, w.mediator)
    page = http.get("/api/notifications").json()
    assert (page["total"], page["unread"]) == (1, 1)
    note_id = page["items"][0]["id"]
    assert "behandlingsfristen" in page["items"][0]["message"]
    r = http.post(f"/api/notifications/{note_id}/read")
    assert r.status_code == 200
    assert r.json()["read_at"] is not None
    assert http.get("/api/notifications?unread=true").json()["total"] == 0
    other = HttpAs(app, w.mediator2)
    assert other.post(f"/api/notifications/{note_id}/read").status_code == 404
    assert other.post("/api/notifications/read-all").json() == {"marked": 1}


def test_system_client_has_no_notifications(app: FastAPI, w: World) -> None:
    from fastapi.testclient import TestClient

    from tests.joborders.helpers import system_actor

    _, key = system_actor(w.akasse)
    r = TestClient(app, raise_server_exceptions=False).get(
        "/api/notifications", headers={"Authorization": f"Bearer {key}"}
    )
    assert r.status_code == 403
