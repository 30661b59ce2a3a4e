"""The candidate pipeline through the web forms, with a fake matching service (no model)."""

import re

import pytest
from fastapi.testclient import TestClient

from services.joborders.orders.deadlines import today
from services.web.templating import dato
from tests import factories as f
from tests.joborders.helpers import FakeMatching
from tests.web.test_forms import VALID


def _card(page: str, name: str) -> str:
    """The HTML of one candidate's card on the order page."""
    start = page.index(f">{name}</a>")
    end = page.find("</article>", start)
    return page[start:end]


def test_owner_adds_contacts_refers_hires_and_reverses_through_the_forms(
    client: TestClient, matching: FakeMatching
) -> None:
    akasse = f.org()
    token = f.login(client, f.user(f.org()))
    r = client.post(
        "/jobordrer/ny",
        data={**VALID, "positions": "1", "csrf_token": token},
        follow_redirects=False,
    )
    order = r.headers["location"]
    ali = matching.add_cv("Ali Hassan", akasse.id)
    matching.add_cv("Bente Møller", None)

    found = client.get(f"{order}/find-kandidater")
    assert found.status_code == 200
    assert "Tilføj som kandidat: Ali Hassan" in found.text
    # A-kasse membership is never shown in the ranking.
    assert akasse.name not in found.text

    added = client.post(
        f"{order}/kandidater",
        data={"cv_id": str(ali), "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert added.status_code == 200
    assert "Ali Hassan er tilføjet som kandidat" in added.text
    assert "<html" not in added.text  # htmx gets the fragment only
    again = client.get(f"{order}/find-kandidater")
    assert "Allerede kandidat på jobordren." in again.text

    page = client.get(order).text
    card = _card(page, "Ali Hassan")
    assert "Registrér kontakt" in card
    assert "Henvis til virksomheden" not in card
    candidate = re.search(r"/kandidater/([0-9a-f-]{36})/kontakt", card)
    assert candidate
    base = f"{order}/kandidater/{candidate.group(1)}"

    page = client.post(
        f"{base}/kontakt", data={"outcome": "interested", "note": "Ja tak", "csrf_token": token}
    ).text
    assert "Kontakten er registreret: interesseret." in page
    assert "Henvis til virksomheden" in _card(page, "Ali Hassan")

    page = client.post(f"{base}/henvis", data={"csrf_token": token}).text
    assert "er henvist til virksomheden" in page

    page = client.post(f"{base}/ansat", data={"start_date": "", "csrf_token": token}).text
    assert "Ansættelsen er ikke registreret. Skriv en startdato." in page
    # The error is on the candidate's card and announced as an alert.
    alert = 'role="alert" class="flash flash-error" id="besked-kandidat-'
    assert alert in _card(page, "Ali Hassan")

    start = today().isoformat()
    unconfirmed = {"start_date": start, "csrf_token": token}
    page = client.post(f"{base}/ansat", data=unconfirmed).text
    assert "Ansættelsen er ikke registreret. Sæt kryds for at bekræfte." in page
    early = {"start_date": "2020-01-01", "bekraeft": "ja", "csrf_token": token}
    page = client.post(f"{base}/ansat", data=early).text
    assert "Startdato: Må ikke ligge før den dag, jobordren blev modtaget" in page

    page = client.post(f"{base}/ansat", data={**unconfirmed, "bekraeft": "ja"}).text
    assert "jobordren er lukket som besat" in page
    assert "Lukket – besat" in page
    assert f"Ansat fra {dato(today())}" in page

    reverse = {"reason": "Fejlregistreret", "csrf_token": token}
    assert "Sæt kryds" in client.post(f"{base}/tilbagefoer", data=reverse).text
    page = client.post(f"{base}/tilbagefoer", data={**reverse, "bekraeft": "ja"}).text
    assert "Udfaldet for Ali Hassan er tilbageført." in page
    assert "Udfald tilbageført" in page


def test_a_bad_filter_is_explained_next_to_the_field_and_nothing_is_searched(
    client: TestClient, matching: FakeMatching
) -> None:
    token = f.login(client, f.user(f.org()))
    order = client.post(
        "/jobordrer/ny", data={**VALID, "csrf_token": token}, follow_redirects=False
    ).headers["location"]
    r = client.get(f"{order}/find-kandidater?afstand=-5")
    assert r.status_code == 422
    assert 'id="e-afstand" class="error">Skal være mindst 0' in r.text
    r = client.get(f"{order}/find-kandidater?min_timer=30&max_timer=20")
    assert r.status_code == 422
    assert "Højst-timer skal være mindst lige så mange som mindst-timer." in r.text
    assert matching.queries == []


def test_an_htmx_action_that_is_refused_gets_a_danish_fragment(
    client: TestClient, matching: FakeMatching
) -> None:
    token = f.login(client, f.user(f.org()))
    order = client.post(
        "/jobordrer/ny", data={**VALID, "csrf_token": token}, follow_redirects=False
    ).headers["location"]
    cv = matching.add_cv("Ali Hassan", None)
    outsider = f.user(f.org())
    token = f.login(client, outsider)
    r = client.post(
        f"{order}/kandidater",
        data={"cv_id": str(cv), "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 403
    assert r.text.startswith('<p role="alert"')
    assert "Det har du ikke adgang til." in r.text


def test_free_text_result_is_added_to_one_of_my_orders(
    client: TestClient, matching: FakeMatching, monkeypatch: pytest.MonkeyPatch
) -> None:

    def search(actor: object, text: str, **kwargs: object) -> object:
        return matching.rank_for_order(actor, None, None)  # type: ignore[arg-type]

    monkeypatch.setattr(matching, "search_free_text", search, raising=False)
    token = f.login(client, f.user(f.org()))
    order = client.post(
        "/jobordrer/ny", data={**VALID, "csrf_token": token}, follow_redirects=False
    ).headers["location"]
    cv = matching.add_cv("Ali Hassan", None)
    page = client.get("/kandidater?q=truckfører").text
    assert "Tilføj Ali Hassan til jobordre" in page
    assert "Lagermedarbejder – Bjerg Lager ApS" in page
    r = client.post(
        "/kandidater/tilfoej",
        data={
            "order_id": order.rsplit("/", 1)[1],
            "cv_id": str(cv),
            "tilbage": "/kandidater?q=truckfører",
            "csrf_token": token,
        },
    )
    assert "Ali Hassan er tilføjet som kandidat på »Lagermedarbejder«." in r.text
    assert "Ali Hassan" in client.get(order).text


def test_the_header_counter_can_be_refreshed_alone(client: TestClient) -> None:
    f.login(client, f.user(f.org()))
    r = client.get("/notifikationer/antal")
    assert r.status_code == 200
    assert r.text.startswith('<span id="notification-badge"')
