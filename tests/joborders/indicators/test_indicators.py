"""STAR's job-order indicators per organisation and period."""

from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI

from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.indicators import service as indicators
from services.joborders.models import ContactOutcome
from shared.errors import ValidationFailed
from tests.joborders.helpers import FakeMatching, HttpAs, World, actor, new_order, run

NOV = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _refer(w: World, matching: FakeMatching, order_id: object, unemployed: bool = True) -> object:
    me = actor(w.mediator)
    c = run(
        candidates.add_candidate,
        me,
        order_id=order_id,
        data=CandidateIn(cv_id=matching.add_cv("Jens Hansen", w.akasse), unemployed=unemployed),
    )
    run(
        candidates.record_contact,
        me,
        order_id=order_id,
        candidate_id=c.id,
        outcome=ContactOutcome.INTERESTED,
    )
    return run(candidates.refer_candidate, me, order_id=order_id, candidate_id=c.id)


def test_indicators_count_orders_positions_referrals_and_hires(
    w: World, matching: FakeMatching
) -> None:
    me = actor(w.mediator)
    hired_order = new_order(me, received_at=NOV, positions=3)
    referred_only = new_order(me, received_at=NOV, positions=1)
    new_order(me, received_at=NOV, positions=2)  # no referral
    employed_only = new_order(me, received_at=NOV, positions=1)
    new_order(me, received_at=datetime(2026, 9, 1, tzinfo=UTC))  # outside the period
    new_order(actor(w.outsider), received_at=NOV)  # another jobcentre's
    c = _refer(w, matching, hired_order)
    run(
        candidates.record_outcome,
        me,
        order_id=hired_order,
        candidate_id=c.id,  # type: ignore[attr-defined]
        hired=True,
        start_date=date(2026, 12, 1),
    )
    _refer(w, matching, referred_only)
    _refer(w, matching, employed_only, unemployed=False)
    result = run(indicators.indicators, me, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    assert (result.orders, result.positions) == (4, 7)
    assert (result.orders_with_referral, result.share_with_referral) == (2, 0.5)
    assert (result.orders_with_hire_after_referral, result.share_with_hire) == (1, 0.5)
    assert result.median_processing_hours is not None


def test_indicators_of_an_empty_period_have_no_shares(w: World) -> None:
    result = run(
        indicators.indicators,
        actor(w.mediator),
        date_from=date(2020, 1, 1),
        date_to=date(2020, 1, 31),
    )
    assert (result.orders, result.share_with_referral, result.share_with_hire) == (0, None, None)


def test_indicator_period_must_run_forwards(w: World) -> None:
    with pytest.raises(ValidationFailed):
        run(
            indicators.indicators,
            actor(w.mediator),
            date_from=date(2026, 2, 1),
            date_to=date(2026, 1, 1),
        )


def test_indicators_api(app: FastAPI, w: World) -> None:
    new_order(actor(w.mediator), received_at=NOV)
    r = HttpAs(app, w.mediator).get(
        "/api/indicators/orders", params={"date_from": "2026-11-01", "date_to": "2026-11-30"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["orders"] == 1
    assert HttpAs(app, w.mediator).get("/api/indicators/orders").status_code == 422
