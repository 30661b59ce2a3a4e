"""Joint job interviews through the API: lists, proposed times, fallback, changes."""

import uuid
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from services.app import create
from services.contact.interviews import planning
from services.contact.models import ContactEvent
from services.joborders.common.workdays import COPENHAGEN, local_date
from services.joborders.models import Notification
from shared import db
from shared.db import utcnow
from tests.contact.conftest import RecordingBeskedmodul
from tests.contact.helpers import Case, member
from tests.joborders.helpers import HttpAs

API = "/api/interviews"


@pytest.fixture(scope="module")
def web():  # type: ignore[no-untyped-def]
    return create()


def _notes(person_id: object) -> list[str]:
    with db.unit_of_work() as s:
        return list(
            s.scalars(select(Notification.message).where(Notification.user_id == person_id))
        )


def _listed(web, c: Case) -> tuple[str, HttpAs, HttpAs]:  # type: ignore[no-untyped-def]
    """One member two months into unemployment: the 1st and 2nd joint interviews fall
    inside the 90-day horizon; the 3rd (at 15-16 months) does not yet."""
    today = local_date(utcnow())
    member(c.akasse, name="Jonas Holm", unemployed_since=today - timedelta(days=62))
    member(c.akasse2, name="Other Fund", unemployed_since=today - timedelta(days=62))
    member(c.akasse, name="Long Ago", unemployed_since=today - timedelta(days=3 * 365))
    centre = HttpAs(web, c.mediator)
    r = centre.post("/api/interview-lists")
    assert r.status_code == 200, r.text
    assert r.json()["added"] >= 2  # both funds' members; nobody out of every window
    akasse = HttpAs(web, c.caseworker)
    mine = akasse.get(API).json()["items"]
    assert sorted((i["person_name"], i["number"]) for i in mine) == [
        ("Jonas Holm", 1),
        ("Jonas Holm", 2),
    ]
    first = next(i for i in mine if i["number"] == 1)
    return first["id"], akasse, centre


def _future(hours: int) -> str:
    return (utcnow() + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def test_the_akasse_proposes_and_the_jobcentre_calls(
    web, c: Case, channel: RecordingBeskedmodul
) -> None:
    interview_id, akasse, centre = _listed(web, c)
    # The lists are per pair: the other fund sees only its own member.
    other = HttpAs(web, c.caseworker2).get(API).json()["items"]
    assert {i["person_name"] for i in other} == {"Other Fund"}
    assert HttpAs(web, c.caseworker2).get(f"{API}/{interview_id}").status_code == 404
    assert HttpAs(web, c.outsider).get(f"{API}/{interview_id}").status_code == 404
    assert any("Ny indkaldeliste" in n for n in _notes(c.caseworker.id))

    times = [_future(48), _future(72)]
    r = centre.post(f"{API}/{interview_id}/proposal", json={"times": times})
    assert r.status_code == 403  # the jobcentre does not answer for the a-kasse
    r = akasse.post(
        f"{API}/{interview_id}/proposal",
        json={"times": times, "jobseeker_wishes": "Vil gerne tale om lagerjob"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "proposed"
    assert any("foreslår tider" in n for n in _notes(c.mediator.id))

    # Only a proposed time, and only by the jobcentre.
    assert (
        akasse.post(f"{API}/{interview_id}/confirmation", json={"meeting_at": times[0]}).status_code
        == 403
    )
    r = centre.post(f"{API}/{interview_id}/confirmation", json={"meeting_at": _future(50)})
    assert r.status_code == 422
    r = centre.post(f"{API}/{interview_id}/confirmation", json={"meeting_at": times[1]})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed"
    # The invitation goes to the member and the a-kasse, with the member's wishes.
    invitations = [m for m in channel.sent if m["kind"] == "invitation"]
    assert len(invitations) == 2
    assert invitations[0]["payload"]["jobseeker_wishes"] == "Vil gerne tale om lagerjob"

    r = akasse.post(f"{API}/{interview_id}/move", json={"meeting_at": _future(96)})
    assert r.status_code == 422  # a reason is required
    r = akasse.post(
        f"{API}/{interview_id}/move", json={"meeting_at": _future(96), "reason": "Sygdom"}
    )
    assert r.status_code == 200
    assert any("har flyttet" in n and "Sygdom" in n for n in _notes(c.mediator.id))
    steps = [s["kind"] for s in centre.get(f"{API}/{interview_id}").json()["steps"]]
    assert steps[:4] == ["listed", "proposed", "confirmed", "invitation_sent"]
    assert "moved" in steps


def test_a_missed_reply_deadline_applies_the_fallback(
    web, c: Case, channel: RecordingBeskedmodul
) -> None:
    interview_id, akasse, centre = _listed(web, c)
    reply_due = akasse.get(f"{API}/{interview_id}").json()["reply_due"]
    with db.unit_of_work() as s:
        assert planning.apply_reply_deadlines(s, today=date.fromisoformat(reply_due)) == 0
        # Every interview nobody answered: both funds' members, two interviews each.
        day_after = date.fromisoformat(reply_due) + timedelta(days=1)
        assert planning.apply_reply_deadlines(s, today=day_after) == 4
    detail = centre.get(f"{API}/{interview_id}").json()
    assert detail["status"] == "jobcentre_picks"
    assert "no_reply" in [s["kind"] for s in detail["steps"]]
    for person in (c.mediator, c.caseworker):
        assert any("inden fristen" in n for n in _notes(person.id))
    # The jobcentre now picks any time itself.
    r = centre.post(f"{API}/{interview_id}/confirmation", json={"meeting_at": _future(30)})
    assert r.status_code == 200
    assert r.json()["status"] == "confirmed"


def test_a_same_day_cancellation_is_marked_and_told(
    web, c: Case, channel: RecordingBeskedmodul
) -> None:
    interview_id, akasse, centre = _listed(web, c)
    soon = utcnow() + timedelta(minutes=5)
    if local_date(soon) != local_date(utcnow()):
        pytest.skip("too close to midnight in Copenhagen for a same-day meeting")
    when = soon.replace(microsecond=0).isoformat()
    akasse.post(f"{API}/{interview_id}/proposal", json={"times": [when]})
    assert (
        centre.post(f"{API}/{interview_id}/confirmation", json={"meeting_at": when}).status_code
        == 200
    )
    assert centre.post(f"{API}/{interview_id}/cancellation", json={"reason": ""}).status_code == 422
    r = centre.post(f"{API}/{interview_id}/cancellation", json={"reason": "Sagsbehandler syg"})
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert any(n.startswith("Afbud samme dag") for n in _notes(c.caseworker.id))
    with db.unit_of_work() as s:
        kinds = s.scalars(
            select(ContactEvent.kind).where(ContactEvent.subject_id == uuid.UUID(r.json()["id"]))
        )
        assert "cancelled_same_day" in list(kinds)
    assert [m["kind"] for m in channel.sent].count("cancellation") == 2
    # Cancelled is final.
    r = akasse.post(f"{API}/{interview_id}/proposal", json={"times": [_future(48)]})
    assert r.status_code == 409


def test_agreed_slots_are_the_fallback_where_agreed(
    web, c: Case, channel: RecordingBeskedmodul, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.contact import terms

    agreed = terms.ContactTerms(fallback="first_agreed_slot", slots=(terms.Slot(1, time(9, 30)),))
    monkeypatch.setattr(planning, "terms_for", lambda *a: agreed)
    interview_id, akasse, centre = _listed(web, c)
    reply_due = date.fromisoformat(akasse.get(f"{API}/{interview_id}").json()["reply_due"])
    with db.unit_of_work() as s:
        assert planning.apply_reply_deadlines(s, today=reply_due + timedelta(days=1)) == 4
    detail = centre.get(f"{API}/{interview_id}").json()
    assert detail["status"] == "proposed"
    slot = detail["proposed_times"][0]
    local = datetime.fromisoformat(slot).astimezone(COPENHAGEN)
    assert (local.weekday(), local.hour, local.minute) == (1, 9, 30)
