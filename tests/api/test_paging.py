"""Cursor paging: every list an integrator reads lists an unchanged item exactly once."""

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.joborders import matching_port
from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.notifications.service import notify
from services.joborders.orders import router as orders_router
from services.joborders.sharing import service as sharing
from shared import db
from shared.models import OrgKind, User
from tests.joborders.helpers import (
    FakeMatching,
    HttpAs,
    World,
    actor,
    new_order,
    organisation,
    run,
    world,
)

LONG_AGO = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def w(database: str) -> World:
    return world()


@pytest.fixture
def matching() -> Iterator[FakeMatching]:
    fake = FakeMatching()
    matching_port.set_client(fake)
    yield fake
    matching_port.set_client(None)


def _all_pages(get: Callable[[str], Any], url: str) -> tuple[list[dict[str, Any]], int]:
    """Follow `next` from `url`; returns the items and the number of pages."""
    items: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        r = get(next_url)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        pages += 1
        assert (body["next"] is None) == (body["next_cursor"] is None)
        next_url = body["next"]
    return items, pages


@pytest.mark.parametrize("sort", ["overdue", "received", "-received", "deadline"])
def test_orders_page_by_cursor_without_repeats_while_orders_arrive(
    app: FastAPI, w: World, sort: str
) -> None:
    mediator = actor(w.mediator)
    first = [new_order(mediator, received_at=LONG_AGO + timedelta(days=i)) for i in range(5)]
    http = HttpAs(app, w.mediator)
    url = f"/api/orders?sort={sort}&limit=2"
    page1 = http.get(url).json()
    assert page1["total"] == 5
    assert len(page1["items"]) == 2
    assert "cursor=" in page1["next"]
    assert f"sort={sort}" in page1["next"]
    # Orders that sort before the cursor arrive meanwhile: an offset would repeat some.
    for _ in range(2):
        new_order(mediator, received_at=LONG_AGO - timedelta(days=1))
    rest, _ = _all_pages(http.get, page1["next"])
    seen = [o["id"] for o in page1["items"] + rest]
    assert len(seen) == len(set(seen)), "no order twice"
    assert {str(o) for o in first} <= set(seen), "no unchanged order skipped"


def test_the_overdue_sort_keeps_its_day_across_midnight(
    app: FastAPI, w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    mediator = actor(w.mediator)
    received = datetime.now(UTC) - timedelta(hours=1)
    deadlines = [date.today() + timedelta(days=d) for d in (1, 2, 3, 4)]
    ids = [new_order(mediator, received_at=received, processing_deadline=d) for d in deadlines]
    http = HttpAs(app, w.mediator)
    page1 = http.get("/api/orders?limit=2").json()
    # Days later three of them are overdue, which moves them to the front of a fresh list;
    # the third would be skipped if the next page sorted on the new day.
    later = date.today() + timedelta(days=4)
    monkeypatch.setattr(orders_router, "today", lambda: later)
    rest, _ = _all_pages(http.get, page1["next"])
    assert [o["id"] for o in page1["items"] + rest] == [str(i) for i in ids]
    assert len(http.get("/api/orders?limit=10").json()["items"]) == 4


def test_bad_cursors_are_a_422_problem(app: FastAPI, w: World) -> None:
    for _ in range(3):
        new_order(actor(w.mediator))
    http = HttpAs(app, w.mediator)
    cursor = http.get("/api/orders?limit=1&sort=received").json()["next_cursor"]
    for url in (
        "/api/orders?cursor=bm9wZQ",
        "/api/orders?cursor=%25%25",
        f"/api/orders?cursor={cursor}&sort=deadline",
        f"/api/orders?cursor={cursor}&sort=received&offset=1",
        f"/api/orders/{uuid.uuid4()}/log?cursor=WyJ4Il0",
        "/api/notifications?cursor=W10",
    ):
        r = http.get(url)
        assert r.status_code in (422, 403, 404), (url, r.text)
        if r.status_code == 422:
            assert r.json()["type"] == "https://jobbro.dk/problems/validation-failed", url
    assert http.get(f"/api/orders?cursor={cursor}&sort=received").status_code == 200


def test_log_candidates_and_shares_are_paged_envelopes(
    app: FastAPI, w: World, matching: FakeMatching
) -> None:
    mediator = actor(w.mediator)
    order_id = new_order(mediator)
    funds = [w.akasse, w.akasse2, organisation(OrgKind.AKASSE)]
    for fund in funds:
        run(sharing.share_order, mediator, order_id=order_id, organisation_ids=[fund])
    for name in ("Ali Hassan", "Eva Lund", "Jens Hansen"):
        cv = matching.add_cv(name, w.akasse)
        run(candidates.add_candidate, mediator, order_id=order_id, data=CandidateIn(cv_id=cv))
    http = HttpAs(app, w.mediator)
    base = f"/api/orders/{order_id}"

    log, pages = _all_pages(http.get, f"{base}/log?limit=2")
    assert [e["seq"] for e in log] == list(range(1, 8))
    assert pages == 4
    whole = http.get(f"{base}/log").json()
    assert whole["next"] is None
    assert [e["seq"] for e in whole["items"]] == [e["seq"] for e in log]
    # The last page's cursor is where to continue later: only what was added since.
    tail = http.get(f"{base}/log?limit=7").json()
    assert tail["next_cursor"] is None
    since = http.get(f"{base}/log?limit=6").json()["next_cursor"]
    assert [e["seq"] for e in http.get(f"{base}/log?cursor={since}").json()["items"]] == [7]

    listed, pages = _all_pages(http.get, f"{base}/candidates?limit=2")
    assert [c["name"] for c in listed] == ["Ali Hassan", "Eva Lund", "Jens Hansen"]
    assert pages == 2
    shares, pages = _all_pages(http.get, f"{base}/shares?limit=1")
    assert sorted(s["organisation_id"] for s in shares) == sorted(str(f) for f in funds)
    assert pages == 3


def test_notifications_page_by_cursor_while_new_ones_arrive(app: FastAPI, w: World) -> None:
    def add(n: int) -> None:
        with db.unit_of_work() as s:
            user = s.scalars(select(User).where(User.id == w.mediator.id)).one()
            for _ in range(n):
                notify(s, user, kind="overdue", dedupe_key=uuid.uuid4().hex, message="Besked")

    add(5)
    http = HttpAs(app, w.mediator)
    page1 = http.get("/api/notifications?limit=2").json()
    add(3)  # newest first: with an offset these would push old ones onto the next page again
    rest, _ = _all_pages(http.get, page1["next"])
    ids = [n["id"] for n in page1["items"] + rest]
    assert len(ids) == len(set(ids)) == 5
