"""Costly mistakes the order pages prevent: closing, dates, re-posts, stale edits, inbox races."""

import re
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from services.joborders.models import JobOrder, Notification
from services.joborders.orders.deadlines import today
from shared import db
from shared.models import OrgKind, Role
from tests import factories as f
from tests.web.test_forms import VALID


def _new_form_token(client: TestClient) -> str:
    page = client.get("/jobordrer/ny").text
    found = re.search(r'name="form_token" value="([0-9a-f]+)"', page)
    assert found
    return found.group(1)


def _create(client: TestClient, token: str, **changes: str) -> str:
    data = {**VALID, "form_token": _new_form_token(client), **changes, "csrf_token": token}
    r = client.post("/jobordrer/ny", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def _set(order: str, **values: object) -> None:
    with db.unit_of_work() as s:
        s.execute(
            update(JobOrder)
            .where(JobOrder.id == uuid.UUID(order.rsplit("/", 1)[1]))
            .values(**values)
        )


def _status_form(page: str) -> str:
    start = page.index('action="/jobordrer/')
    start = page.index('id="status"', start) if 'id="status"' in page else start
    return page[start : page.index("</form>", start)]


def test_status_starts_empty_and_closing_needs_a_fitting_status_a_reason_and_a_confirmation(
    client: TestClient,
) -> None:
    token = f.login(client, f.user(f.org()))
    order = _create(client, token)
    form = _status_form(client.get(order).text)
    assert '<option value="">Vælg status</option>' in form
    # Neither closing status fits yet: no hire, and no placement deadline has passed.
    assert 'value="closed_filled"' not in form
    assert 'value="closed_expired"' not in form
    assert "kræver en kandidat registreret som ansat" in form

    r = client.post(f"{order}/status", data={"status": "", "csrf_token": token})
    assert "Status er ikke ændret. Status: Vælg en af mulighederne." in r.text
    forced = {"status": "closed_filled", "reason": "Besat", "bekraeft": "ja", "csrf_token": token}
    r = client.post(f"{order}/status", data=forced)
    assert "»Lukket – besat« kræver, at en kandidat er registreret som ansat." in r.text
    assert 'role="alert"' in _status_form(r.text)  # at the form, as an alert

    _set(order, placement_deadline=today() - timedelta(days=1))
    assert 'value="closed_expired"' in _status_form(client.get(order).text)
    close = {"status": "closed_expired", "csrf_token": token}
    assert "Skriv en begrundelse" in client.post(f"{order}/status", data=close).text
    close["reason"] = "Virksomheden har opgivet"
    assert "Sæt kryds for at bekræfte" in client.post(f"{order}/status", data=close).text
    r = client.post(f"{order}/status", data={**close, "bekraeft": "ja"})
    assert "Status er nu »Lukket – frist udløbet«." in r.text


def test_dates_before_the_receipt_get_danish_messages_next_to_the_fields(
    client: TestClient,
) -> None:
    token = f.login(client, f.user(f.org()))
    yesterday = (today() - timedelta(days=1)).isoformat()
    bad = {
        **VALID,
        "processing_deadline": yesterday,
        "placement_deadline": yesterday,
        "start_date": "2025-06-01",
        "csrf_token": token,
    }
    r = client.post("/jobordrer/ny", data=bad)
    assert r.status_code == 422
    for field in ("processing_deadline", "placement_deadline", "start_date"):
        assert re.search(
            rf'id="e-{field}" class="error">Må ikke ligge før den dag, jobordren blev modtaget',
            r.text,
        ), field
    assert 'value="2025-06-01"' in r.text  # the input is kept


def test_posting_the_same_create_form_twice_makes_one_order(client: TestClient) -> None:
    token = f.login(client, f.user(f.org()))
    title = f"Dobbeltklik {uuid.uuid4().hex[:6]}"
    data = {**VALID, "title": title, "form_token": _new_form_token(client), "csrf_token": token}
    first = client.post("/jobordrer/ny", data=data, follow_redirects=False)
    again = client.post("/jobordrer/ny", data=data, follow_redirects=False)
    assert first.headers["location"] == again.headers["location"]
    assert "var allerede oprettet" in client.get(again.headers["location"]).text
    # The back button may re-render the form with a new token but the same content.
    fresh = {**data, "form_token": _new_form_token(client)}
    third = client.post("/jobordrer/ny", data=fresh, follow_redirects=False)
    assert third.headers["location"] == first.headers["location"]
    # Other content is another order.
    other = {**fresh, "title": f"{title} nr. 2", "form_token": _new_form_token(client)}
    assert (
        client.post("/jobordrer/ny", data=other, follow_redirects=False).headers["location"]
        != first.headers["location"]
    )
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).where(JobOrder.title == title)) == 1


def test_a_stale_edit_keeps_the_input_and_shows_what_differs(client: TestClient) -> None:
    token = f.login(client, f.user(f.org()))
    order = _create(client, token)
    form = {**VALID, "version": "1", "csrf_token": token}
    # Tab 1 saves first; tab 2 still has version 1.
    client.post(f"{order}/rediger", data={**form, "positions": "3"})
    r = client.post(f"{order}/rediger", data={**form, "title": "Lagerchef"})
    assert r.status_code == 200
    assert "Jobordren er ændret, siden du åbnede formularen" in r.text
    assert 'value="Lagerchef"' in r.text  # what was typed is kept
    diff = r.text[r.text.index('class="stale-diff"') : r.text.index("</table>")]
    assert "Antal stillinger" in diff
    assert "Stillingsbetegnelse" in diff
    current = re.search(r'name="version" value="(\d+)"', r.text)
    assert current
    assert int(current.group(1)) > 1
    again = {**form, "title": "Lagerchef", "version": current.group(1)}
    saved = client.post(f"{order}/rediger", data=again)
    assert "Ændringerne er gemt." in saved.text
    assert "Lagerchef" in saved.text


def test_the_second_mediator_to_take_an_inbox_order_is_told_who_took_it(
    client: TestClient,
) -> None:
    akasse, centre = f.org(OrgKind.AKASSE), f.org()
    token = f.login(client, f.user(akasse, Role.CASEWORKER))
    order = _create(client, token, title="Smed")
    client.post(
        f"{order}/videreformidl",
        data={"jobcentre_id": str(centre.id), "reason": "Ingen smede", "csrf_token": token},
    )
    first, second = f.user(centre), f.user(centre)
    with db.unit_of_work() as s:  # the forward task's notifications, as the worker would
        from services.joborders.notifications.service import notify_forwarded_order

        notify_forwarded_order(s, order_id=uuid.UUID(order.rsplit("/", 1)[1]))
    token = f.login(client, first)
    client.post(f"{order}/tag-ejerskab", data={"version": "2", "csrf_token": token})
    token = f.login(client, second)
    r = client.post(f"{order}/tag-ejerskab", data={"version": "2", "csrf_token": token})
    assert r.url.path == "/jobordrer"
    assert "tog ejerskab af jobordren" in r.text
    assert f'<a href="{order}">Åbn jobordren »Smed«</a>' in r.text
    assert "Genindlæs siden" not in r.text
    # The colleagues' "new forwarded order" messages are done once it was taken.
    with db.unit_of_work() as s:
        unread = select(func.count()).where(
            Notification.order_id == uuid.UUID(order.rsplit("/", 1)[1]),
            Notification.read_at.is_(None),
        )
        assert s.scalar(unread) == 0


def test_share_with_nothing_ticked_says_so(client: TestClient) -> None:
    f.org(OrgKind.AKASSE)
    token = f.login(client, f.user(f.org()))
    order = _create(client, token)
    r = client.post(f"{order}/del", data={"csrf_token": token})
    assert "Jobordren er ikke delt. Sæt kryds ved mindst én a-kasse." in r.text


def test_browsers_get_danish_error_pages_and_api_clients_problem_json(
    client: TestClient,
) -> None:
    f.login(client, f.user(f.org()))
    for path in ("/jobordrer/abc", "/cv/abc", "/jobordrer/abc/find-kandidater", "/findes-ikke"):
        r = client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "Siden eller sagen findes ikke" in r.text
        assert "Systemets begrundelse" not in r.text
        assert '<html lang="da">' in r.text
    r = client.get("/jobordrer/abc", headers={"Accept": "application/json"})
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.get("/api/orders/abc", headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (
        client.get("/api/findes-ikke")
        .headers["content-type"]
        .startswith("application/problem+json")
    )


def test_log_lines_have_no_stray_commas_or_self_references() -> None:
    from types import SimpleNamespace

    from services.web.pages.orders.detail import _event_text

    def event(kind: str, data: dict[str, object], actor: str = "Mette Sørensen") -> Any:
        return SimpleNamespace(
            type=SimpleNamespace(value=kind), data=data, candidate_id=None, actor_name=actor
        )

    hidden = _event_text(event("hired", {"start_date": "2027-01-04"}), {})
    assert hidden == "start 4. jan. 2027"
    took = event("owner_changed", {"to_name": "Mette Sørensen", "reason": "Modtaget via JobAG"})
    assert _event_text(took, {}) == "»Modtaget via JobAG«"
    handed = event("owner_changed", {"to_name": "Jonas Kristensen", "reason": "Ferie"})
    assert _event_text(handed, {}) == "til Jonas Kristensen, »Ferie«"
