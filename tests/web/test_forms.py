"""The web forms: Danish validation messages, nothing lost on an error, CSRF, readable refusals."""

import re

from fastapi.testclient import TestClient

from shared.models import OrgKind, Role
from tests import factories as f

VALID = {
    "employer_name": "Bjerg Lager ApS",
    "employer_cvr": "12345678",
    "contact_name": "Karen Bjerg",
    "contact_email": "karen@bjerglager.dk",
    "title": "Lagermedarbejder",
    "description": "Pluk og pak på nyt lager.",
    "skills": "truckkørsel\nvaremodtagelse",
    "certificates": "Truckcertifikat B",
    "driving_licences": "B",
    "languages": "dansk",
    "positions": "2",
    "weekly_hours": "37",
    "workplace_postal_code": "8500",
    "channel": "phone",
}


def _create(client: TestClient, token: str, **changes: str) -> str:
    r = client.post(
        "/jobordrer/ny", data={**VALID, **changes, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def test_invalid_order_form_shows_danish_messages_next_to_fields_and_keeps_input(
    client: TestClient,
) -> None:
    token = f.login(client, f.user(f.org()))
    bad = {
        **VALID,
        "title": "",
        "positions": "0",
        "employer_cvr": "123",
        "contact_email": "ikke-en-mail",
        "workplace_postal_code": "85",
        "start_date": "31-12-2026",
        "csrf_token": token,
    }
    r = client.post("/jobordrer/ny", data=bad)
    assert r.status_code == 422
    page = r.text
    assert "Jobordren er ikke gemt" in page
    assert 'id="e-title" class="error">Skal udfyldes.' in page
    assert 'id="e-positions" class="error">Skal være mindst 1.' in page
    assert "Et CVR-nummer har 8 cifre." in page
    assert "Skriv en gyldig e-mailadresse" in page
    assert "Et postnummer har 4 cifre." in page
    assert "Skal være en dato" in page
    # Nothing the user typed is lost.
    assert 'value="Bjerg Lager ApS"' in page
    assert "truckkørsel\nvaremodtagelse</textarea>" in page
    assert 'value="ikke-en-mail"' in page
    assert re.search(r'id="f-title"[^>]*aria-invalid="true"', page)


def test_created_order_opens_with_the_creator_as_owner_and_a_log(client: TestClient) -> None:
    u = f.user(f.org(name="Jobcenter Formby"))
    token = f.login(client, u)
    location = _create(client, token)
    page = client.get(location)
    assert page.status_code == 200
    assert "Lagermedarbejder" in page.text
    assert "Oprettet" in page.text or "Jobordre oprettet" in page.text
    assert "Test mediator (Jobcenter Formby)" in page.text
    mine = client.get("/jobordrer")
    assert "Lagermedarbejder" in mine.text
    assert "Bjerg Lager ApS" in mine.text


def test_edit_form_keeps_input_and_saves(client: TestClient) -> None:
    token = f.login(client, f.user(f.org()))
    location = _create(client, token)
    form = client.get(f"{location}/rediger")
    assert form.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', form.text)
    assert version
    data = {**VALID, "title": "Truckfører", "positions": "x", "csrf_token": token}
    data["version"] = version.group(1)
    r = client.post(f"{location}/rediger", data=data)
    assert r.status_code == 422
    assert "Skal være et helt tal." in r.text
    assert 'value="Truckfører"' in r.text
    data["positions"] = "3"
    r = client.post(f"{location}/rediger", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert "Truckfører" in client.get(location).text


def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    f.login(client, f.user(f.org()))
    r = client.post("/jobordrer/ny", data=VALID)
    assert r.status_code == 403
    assert "Formularen er udløbet" in r.text


def test_an_order_of_other_organisations_is_refused_in_danish(client: TestClient) -> None:
    owner_client = client
    token = f.login(owner_client, f.user(f.org()))
    location = _create(owner_client, token)
    outsider = f.user(f.org(OrgKind.AKASSE), Role.CASEWORKER)
    token = f.login(client, outsider)
    r = client.get(location)
    assert r.status_code == 403
    assert "Det har du ikke adgang til" in r.text
    assert "ikke arbejder sammen med" in r.text


def test_a_colleague_who_is_not_the_owner_sees_no_status_form_and_is_refused_if_forced(
    client: TestClient,
) -> None:
    centre = f.org()
    token = f.login(client, f.user(centre))
    location = _create(client, token)
    token = f.login(client, f.user(centre))
    page = client.get(location).text
    assert "Skift status" not in page
    assert "Overdrag ejerskab" not in page
    r = client.post(f"{location}/status", data={"status": "inactivated", "csrf_token": token})
    assert r.status_code == 403
    assert "Kun den formidlingsansvarlige kan ændre jobordrens status." in r.text


def test_owner_changes_status_and_sees_it_in_the_log(client: TestClient) -> None:
    token = f.login(client, f.user(f.org()))
    location = _create(client, token)
    r = client.post(
        f"{location}/status",
        data={"status": "inactivated", "reason": "Nok kandidater", "csrf_token": token},
    )
    assert r.status_code == 200
    assert "Status er nu »Inaktiveret«." in r.text
    assert "Under behandling → Inaktiveret (Nok kandidater)" in r.text


def test_an_action_form_with_a_missing_reason_explains_in_danish(client: TestClient) -> None:
    akasse = f.org(OrgKind.AKASSE)
    token = f.login(client, f.user(akasse, Role.CASEWORKER))
    location = _create(client, token)
    r = client.post(f"{location}/videreformidl", data={"reason": "", "csrf_token": token})
    assert r.status_code == 200
    assert "Jobordren er ikke videreformidlet. Begrundelse: Skal udfyldes." in r.text


def test_static_pages_answer_for_a_logged_in_mediator(client: TestClient) -> None:
    f.login(client, f.user(f.org()))
    for path, heading in [
        ("/jobordrer", "Mine jobordrer"),
        ("/jobordrer/ny", "Opret jobordre"),
        ("/kandidater", "Find kandidater"),
        ("/noegletal", "Nøgletal"),
        ("/notifikationer", "Notifikationer"),
    ]:
        r = client.get(path)
        assert r.status_code == 200, path
        assert f"<h1>{heading}</h1>" in r.text, path
