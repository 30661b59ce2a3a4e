"""Exactly one mediation owner: hand-over, take-over, and racing changes."""

import threading

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.joborders.mediation_log.service import mediation_log
from services.joborders.models import EventType, JobOrder, OwnerChange, OwnerChangeKind
from services.joborders.ownership import service as ownership
from shared import db
from shared.errors import AppError, Forbidden, StaleVersion, ValidationFailed
from shared.models import AuditEvent, Outcome
from tests.joborders.helpers import HttpAs, World, actor, new_order, run


def _history(order_id: object) -> list[OwnerChange]:
    with db.unit_of_work() as s:
        stmt = select(OwnerChange).where(OwnerChange.order_id == order_id)
        return list(s.scalars(stmt.order_by(OwnerChange.at)))


def test_owner_hands_the_order_over_to_a_colleague_with_a_reason(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    order = run(
        ownership.change_owner,
        actor(w.mediator),
        order_id=order_id,
        reason="Ferie",
        expected_version=1,
        new_owner_id=w.mediator2.id,
    )
    assert order.owner_user_id == w.mediator2.id
    last = _history(order_id)[-1]
    assert (last.kind, last.from_user_id, last.reason) == (
        OwnerChangeKind.HAND_OVER,
        w.mediator.id,
        "Ferie",
    )
    assert last.changed_by_id == w.mediator.id
    log = run(mediation_log, actor(w.mediator2), order_id=order_id)
    assert log[-1].type is EventType.OWNER_CHANGED


def test_administrator_of_the_coordinator_takes_the_order_over(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    order = run(
        ownership.change_owner,
        actor(w.centre_admin),
        order_id=order_id,
        reason="Mette er syg",
        expected_version=1,
        new_owner_id=w.mediator2.id,
    )
    assert order.owner_user_id == w.mediator2.id
    assert _history(order_id)[-1].kind is OwnerChangeKind.TAKE_OVER


def test_colleague_who_is_not_owner_or_administrator_cannot_change_owner(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    with pytest.raises(Forbidden):
        run(
            ownership.change_owner,
            actor(w.mediator2),
            order_id=order_id,
            reason="Jeg tager den",
            expected_version=1,
        )


def test_administrator_of_another_organisation_cannot_take_over(w: World) -> None:
    order_id = new_order(actor(w.caseworker))
    with pytest.raises(Forbidden):
        run(
            ownership.change_owner,
            actor(w.centre_admin),
            order_id=order_id,
            reason="Jobcentret overtager",
            expected_version=1,
        )


def test_new_owner_must_work_for_the_coordinator(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    with pytest.raises(ValidationFailed):
        run(
            ownership.change_owner,
            actor(w.mediator),
            order_id=order_id,
            reason="Til a-kassen",
            expected_version=1,
            new_owner_id=w.caseworker.id,
        )


def test_two_concurrent_owner_changes_one_wins(w: World) -> None:
    order_id = new_order(actor(w.mediator))
    contenders = [(actor(w.mediator), w.mediator2.id), (actor(w.centre_admin), w.centre_admin.id)]
    barrier = threading.Barrier(len(contenders))
    results: list[object] = []

    def change(who: object, target: object) -> None:
        barrier.wait()
        try:
            run(
                ownership.change_owner,
                who,
                order_id=order_id,
                reason="samtidig",
                expected_version=1,
                new_owner_id=target,
            )
            results.append("ok")
        except AppError as exc:
            results.append(exc)

    threads = [threading.Thread(target=change, args=c) for c in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results.count("ok") == 1
    [loser] = [r for r in results if r != "ok"]
    assert isinstance(loser, StaleVersion)
    with db.unit_of_work() as s:
        order = s.get(JobOrder, order_id)
        assert order is not None
        assert order.version == 2
    assert len(_history(order_id)) == 2  # the initial owner and the single winner


def test_api_owner_change_by_non_owner_is_403_and_audited(app: FastAPI, w: World) -> None:
    order_id = new_order(actor(w.mediator))
    r = HttpAs(app, w.mediator2).post(
        f"/api/orders/{order_id}/owner",
        json={"reason": "Jeg tager den"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 403
    with db.unit_of_work() as s:
        denied = s.scalars(
            select(AuditEvent).where(
                AuditEvent.outcome == Outcome.DENY, AuditEvent.action == "order.change_owner"
            )
        ).all()
    assert [d.actor_id for d in denied] == [w.mediator2.id]


def test_api_owner_history_lists_every_change(app: FastAPI, w: World) -> None:
    order_id = new_order(actor(w.mediator))
    http = HttpAs(app, w.mediator)
    r = http.post(
        f"/api/orders/{order_id}/owner",
        json={"new_owner_email": w.mediator2.email, "reason": "Ferie", "version": 1},
    )
    assert r.status_code == 200, r.text
    history = http.get(f"/api/orders/{order_id}/owners").json()["items"]
    assert [h["kind"] for h in history] == ["initial", "hand_over"]
