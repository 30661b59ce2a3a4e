"""Early-offer recommendations through the API: compose, send via beskedmodulet, decide."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services.app import create
from services.joborders.models import Notification
from shared import db
from shared.db import utcnow
from shared.models import AuditEvent, OutboxMessage, Outcome
from shared.tasks import relay_outbox
from tests.contact.conftest import RecordingBeskedmodul
from tests.contact.helpers import Case, member, recommendation_body
from tests.joborders.helpers import HttpAs

API = "/api/recommendations"


@pytest.fixture(scope="module")
def web():  # type: ignore[no-untyped-def]
    return create()


def fields(r) -> set[str]:  # type: ignore[no-untyped-def]
    """The fields a 422 problem names, from the schema's errors or the service's `field`."""
    body = r.json()
    named = {str(e["loc"][-1]) for e in body.get("errors", []) if e["loc"]}
    return named | ({body["field"]} if body.get("field") else set())


def _notes(org_person_id: object) -> list[str]:
    with db.unit_of_work() as s:
        return list(
            s.scalars(select(Notification.message).where(Notification.user_id == org_person_id))
        )


def test_the_akasse_sends_and_the_jobcentre_decides(
    web, c: Case, channel: RecordingBeskedmodul
) -> None:
    cv_id = member(c.akasse)
    akasse = HttpAs(web, c.caseworker)
    centre = HttpAs(web, c.mediator)

    r = akasse.post(API, json=recommendation_body(cv_id), headers={"Idempotency-Key": "rec-1"})
    assert r.status_code == 201, r.text
    rec_id = r.json()["id"]
    # The same request again (a retried POST) creates nothing new and sends nothing twice.
    again = akasse.post(API, json=recommendation_body(cv_id), headers={"Idempotency-Key": "rec-1"})
    assert again.status_code == 201
    assert again.json()["id"] == rec_id
    assert [m["kind"] for m in channel.sent] == ["recommendation"]
    payload = channel.sent[0]["payload"]
    # Every field the agreement asks for travels in the message.
    assert payload["offer_title"] == "Truckcertifikat B"
    assert payload["price"] == "8500.00"
    assert "70 10 10 10" in payload["caseworker"]
    assert payload["wants_trade_change"] == "ja"

    sent = akasse.get(f"{API}/{rec_id}").json()
    assert sent["status"] == "sent"
    assert sent["decision_due"]
    assert sent["messages"][0]["external_id"] == f"bm-{channel.sent[0]['key']}"
    assert [s["kind"] for s in sent["steps"]] == ["submitted", "recommendation_sent"]

    queue = centre.get(API).json()
    assert [i["id"] for i in queue["items"]] == [rec_id]
    assert any("Ny indstilling" in n for n in _notes(c.mediator.id))

    # More information first: the a-kasse amends and sends it again.
    r = centre.post(f"{API}/{rec_id}/decision", json={"decision": "more_information"})
    assert r.status_code == 422
    assert "reason" in fields(r)
    r = centre.post(
        f"{API}/{rec_id}/decision",
        json={"decision": "more_information", "reason": "Hvilke hold starter i januar?"},
    )
    assert r.json()["status"] == "more_information"
    assert any("flere oplysninger" in n for n in _notes(c.caseworker.id))
    r = akasse.put(
        f"{API}/{rec_id}",
        json=recommendation_body(cv_id, motivation="Holdet 7. januar har plads."),
    )
    assert r.status_code == 200, r.text
    assert akasse.get(f"{API}/{rec_id}").json()["status"] == "sent"

    r = centre.post(f"{API}/{rec_id}/decision", json={"decision": "granted"})
    assert r.json()["status"] == "granted"
    # "Resultatet meddeles den ledige og a-kassen".
    decisions = [m["recipient"] for m in channel.sent if m["kind"] == "decision"]
    # One to the a-kasse for "more information", then the result to the a-kasse and the member.
    assert len(decisions) == 3
    assert decisions.count(f"borger:{cv_id}") == 1
    assert any("bevilget" in n for n in _notes(c.caseworker.id))
    # Decided once: a second decision is refused.
    r = centre.post(f"{API}/{rec_id}/decision", json={"decision": "refused", "reason": "x"})
    assert r.status_code == 409


def test_missing_fields_are_named(web, c: Case, channel: RecordingBeskedmodul) -> None:
    cv_id = member(c.akasse)
    akasse = HttpAs(web, c.caseworker)
    body = recommendation_body(cv_id, price=None)
    del body["provider_phone"]
    r = akasse.post(API, json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "provider_phone" in fields(r)
    r = akasse.post(API, json=recommendation_body(cv_id, price=None))
    assert r.status_code == 422
    assert "price" in r.text
    r = akasse.post(API, json=recommendation_body(cv_id, end_date="2029-12-01"))
    assert r.status_code == 422
    r = akasse.post(API, json=recommendation_body(cv_id, start_date="2020-01-06"))
    assert r.status_code == 422
    assert "start_date" in fields(r)
    assert channel.sent == []


def test_company_directed_offers_need_the_vitas_reference(
    web, c: Case, channel: RecordingBeskedmodul
) -> None:
    cv_id = member(c.akasse)
    body = recommendation_body(cv_id, offer_kind="internship", price=None, offer_title="Lager")
    rec_id = HttpAs(web, c.caseworker).post(API, json=body).json()["id"]
    centre = HttpAs(web, c.mediator)
    r = centre.post(f"{API}/{rec_id}/decision", json={"decision": "granted"})
    assert r.status_code == 422
    assert "vitas_reference" in fields(r)
    r = centre.post(
        f"{API}/{rec_id}/decision", json={"decision": "granted", "vitas_reference": "VITAS-4711"}
    )
    assert r.json()["vitas_reference"] == "VITAS-4711"
    assert r.json()["company_directed"]


def test_only_the_two_parties_see_it_and_refusals_are_audited(
    web, c: Case, channel: RecordingBeskedmodul
) -> None:
    cv_id = member(c.akasse)
    rec_id = HttpAs(web, c.caseworker).post(API, json=recommendation_body(cv_id)).json()["id"]
    for outsider in (c.caseworker2, c.outsider):
        client = HttpAs(web, outsider)
        assert client.get(f"{API}/{rec_id}").status_code == 404
        assert client.get(API).json()["total"] == 0
    # Another fund cannot recommend this member, nor learn that the member exists.
    r = HttpAs(web, c.caseworker2).post(API, json=recommendation_body(cv_id))
    assert r.status_code == 404
    # The jobcentre does not compose recommendations; the a-kasse does not decide them.
    assert HttpAs(web, c.mediator).post(API, json=recommendation_body(cv_id)).status_code == 403
    r = HttpAs(web, c.caseworker).post(f"{API}/{rec_id}/decision", json={"decision": "granted"})
    assert r.status_code == 403
    with db.unit_of_work() as s:
        denied = s.scalars(
            select(AuditEvent.action).where(AuditEvent.outcome == Outcome.DENY)
        ).all()
        reads = s.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.action == "recommendation.read", AuditEvent.outcome == Outcome.PERMIT
            )
        ).all()
    assert denied.count("recommendation.read") == 2
    assert "recommendation.create" in denied
    assert "recommendation.decide" in denied
    assert reads == []  # the refused reads were not recorded as reads


def test_a_lost_broker_loses_no_recommendation(
    web, c: Case, channel: RecordingBeskedmodul, monkeypatch: pytest.MonkeyPatch
) -> None:
    cv_id = member(c.akasse)
    akasse = HttpAs(web, c.caseworker)

    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr("shared.tasks.publish", broker_down)
    r = akasse.post(API, json=recommendation_body(cv_id))
    assert r.status_code == 201
    rec_id = r.json()["id"]
    assert akasse.get(f"{API}/{rec_id}").json()["status"] == "submitted"
    assert channel.sent == []
    monkeypatch.undo()

    # The broker is back, and the channel fails once more: the outbox resends until it went.
    channel.fail_next = 1
    for _ in range(2):
        with db.unit_of_work() as s:
            s.execute(update(OutboxMessage).values(available_at=utcnow() - timedelta(seconds=1)))
        relay_outbox()
    assert [m["kind"] for m in channel.sent] == ["recommendation"]
    assert akasse.get(f"{API}/{rec_id}").json()["status"] == "sent"
    with db.unit_of_work() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all() == []
