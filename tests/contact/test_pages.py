"""The Samarbejde pages: both flows in the Danish UI, for the a-kasse and the jobcentre."""

from datetime import timedelta
from typing import Any

import pytest

from services.app import create
from services.contact.interviews import planning
from services.joborders.common.workdays import COPENHAGEN, local_date
from shared import db
from shared.db import utcnow
from tests.contact.conftest import RecordingBeskedmodul
from tests.contact.helpers import Case, member, recommendation_body
from tests.joborders.helpers import HttpAs


@pytest.fixture(scope="module")
def web():  # type: ignore[no-untyped-def]
    return create()


def post_form(client: HttpAs, url: str, data: dict[str, Any]) -> Any:
    return client.client.post(url, data=data, headers=client.headers, follow_redirects=False)


def _form(cv_id: object, **overrides: Any) -> dict[str, Any]:
    body = recommendation_body(cv_id, **overrides)
    body["wants_trade_change"] = "ja"
    return {k: v for k, v in body.items() if v is not None}


def test_the_akasse_composes_in_danish_and_the_jobcentre_decides(
    web, c: Case, channel: RecordingBeskedmodul
) -> None:
    cv_id = member(c.akasse, name="Mette Sørensen", unemployed_since=local_date(utcnow()))
    member(c.akasse2, name="Mette Andersen", unemployed_since=local_date(utcnow()))
    akasse = HttpAs(web, c.caseworker)
    page = akasse.get("/samarbejde/indstillinger/ny?soeg=mette")
    assert page.status_code == 200
    assert "Mette Sørensen" in page.text
    assert "Mette Andersen" not in page.text  # another fund's member is not offered
    # Another fund's member cannot be chosen by id either.
    assert (
        "Tilbudssted" not in akasse.get(f"/samarbejde/indstillinger/ny?cv={member(c.akasse2)}").text
    )

    missing = _form(cv_id)
    del missing["provider_phone"], missing["price"]
    r = post_form(akasse, "/samarbejde/indstillinger/ny", missing)
    assert r.status_code == 422
    assert "Indstillingen er ikke sendt" in r.text
    assert 'id="e-provider_phone"' in r.text
    assert "Skal udfyldes for et kursus eller en uddannelse." in r.text
    assert channel.sent == []

    r = post_form(akasse, "/samarbejde/indstillinger/ny", {**_form(cv_id), "form_token": "t1"})
    assert r.status_code == 303, r.text
    detail_url = r.headers["location"]
    # The back button re-posts the same form: still one recommendation, one message.
    again = post_form(akasse, "/samarbejde/indstillinger/ny", {**_form(cv_id), "form_token": "t1"})
    assert again.headers["location"] == detail_url
    assert len(channel.sent) == 1
    page = akasse.get(detail_url)
    assert "Afventer jobcentret" in page.text
    assert "8.500,00 kr." in page.text

    centre = HttpAs(web, c.mediator)
    queue = centre.get("/samarbejde/indstillinger")
    assert "Indkomne indstillinger" in queue.text
    assert "Mette Sørensen" in queue.text
    r = post_form(centre, f"{detail_url}/afgoerelse", {"decision": "refused"})
    assert r.status_code == 303
    assert "Skriv en begrundelse" in centre.get(detail_url).text
    r = post_form(centre, f"{detail_url}/afgoerelse", {"decision": "refused", "reason": "Ikke nu"})
    assert r.status_code == 303
    assert "Afslået" in akasse.get(detail_url).text
    # Outsiders get the Danish not-found page.
    assert HttpAs(web, c.caseworker2).get(detail_url).status_code == 404


def test_interviews_in_the_ui(web, c: Case, channel: RecordingBeskedmodul) -> None:
    member(c.akasse, name="Jonas Holm", unemployed_since=local_date(utcnow()) - timedelta(days=62))
    centre = HttpAs(web, c.mediator)
    r = post_form(centre, "/samarbejde/samtaler/lister", {})
    assert r.status_code == 303
    akasse = HttpAs(web, c.caseworker)
    listing = akasse.get("/samarbejde/samtaler")
    assert "Jonas Holm" in listing.text
    assert "1. fælles jobsamtale" in listing.text
    with db.unit_of_work() as s:
        from sqlalchemy import select

        from services.contact.models import JointInterview

        interview_id = s.scalar(select(JointInterview.id).where(JointInterview.number == 1))
    url = f"/samarbejde/samtaler/{interview_id}"
    r = post_form(akasse, f"{url}/tider", {"jobseeker_wishes": "Lager"})
    assert "Intet er gemt" in akasse.get(url).text  # no time given
    when = (utcnow() + timedelta(days=3)).astimezone(COPENHAGEN).strftime("%Y-%m-%dT%H:%M")
    r = post_form(akasse, f"{url}/tider", {"time1": when, "jobseeker_wishes": "Lager"})
    assert r.status_code == 303
    page = centre.get(url)
    assert "Indkald medlemmet og a-kassen" in page.text
    r = post_form(centre, f"{url}/indkald", {"proposed": when, "meeting_form": "phone"})
    assert r.status_code == 303
    assert "Indkaldt" in akasse.get(url).text
    r = post_form(akasse, f"{url}/aflys", {"reason": ""})
    assert "Intet er gemt" in akasse.get(url).text
    r = post_form(akasse, f"{url}/aflys", {"reason": "Medlemmet har fået job"})
    assert "Aflyst" in centre.get(url).text
    with db.unit_of_work() as s:
        assert planning.apply_reply_deadlines(s) == 0  # nothing left waiting for a reply
