"""The order page's candidate table, bulk actions, notes, reasons, contact details and
history through the web forms (fake matching, no model, no browser)."""

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.joborders.sharing import service as sharing
from services.matching.cvbank.schemas import ContactOut
from shared import db
from shared.actor import Actor
from shared.auth import actor_for_user
from shared.models import AuditEvent, OrgKind, Outcome, User
from tests import factories as f
from tests.joborders.helpers import FakeMatching
from tests.web.test_forms import VALID

HTMX = {"HX-Request": "true"}


def _actor(u: f.UserInfo) -> Actor:
    with db.unit_of_work() as s:
        user = s.get(User, u.id)
        assert user is not None
        return actor_for_user(user)


def _candidate_id(page: str, name: str) -> str:
    row = page.index(f">{name}</a>")
    found = re.search(r'id="kandidat-([0-9a-f-]{36})"', page[row:])
    assert found
    return found.group(1)


def _setup(client: TestClient, matching: FakeMatching) -> dict[str, object]:
    """An order of a jobcentre shared with two a-kasser; two jobcentre finds, one a-kasse find."""
    centre = f.org()
    fund, other_fund = f.org(OrgKind.AKASSE), f.org(OrgKind.AKASSE)
    mediator, caseworker = f.user(centre), f.user(fund)
    other = f.user(other_fund)
    token = f.login(client, mediator)
    order = client.post(
        "/jobordrer/ny", data={**VALID, "csrf_token": token}, follow_redirects=False
    ).headers["location"]
    order_id = uuid.UUID(order.rsplit("/", 1)[1])
    with db.unit_of_work() as s:
        sharing.share_order(
            s, _actor(mediator), order_id=order_id, organisation_ids=[fund.id, other_fund.id]
        )
    ali = matching.add_cv("Ali Hassan", fund.id)
    bente = matching.add_cv("Bente Møller", None)
    carsten = matching.add_cv("Carsten Dahlgaard", fund.id)
    matching.contacts[carsten] = ContactOut(phone="+45 20 30 40 50", email="c@example.com")
    for cv in (ali, bente):
        client.post(f"{order}/kandidater", data={"cv_id": str(cv), "csrf_token": token})
    ctoken = f.login(client, caseworker)
    client.post(f"{order}/kandidater", data={"cv_id": str(carsten), "csrf_token": ctoken})
    return {
        "order": order,
        "mediator": mediator,
        "caseworker": caseworker,
        "other": other,
        "fund": fund,
    }


def test_table_filters_sorts_and_bulk_contacts_where_the_rules_allow(
    client: TestClient, matching: FakeMatching
) -> None:
    w = _setup(client, matching)
    order = str(w["order"])
    token = f.login(client, w["mediator"])  # type: ignore[arg-type]
    page = client.get(order).text
    assert 'class="stack cand-table"' in page
    assert "Viser 3 kandidater" in page
    ids = {n: _candidate_id(page, n) for n in ("Ali Hassan", "Bente Møller", "Carsten Dahlgaard")}
    by_name = client.get(f"{order}?sorter=navn").text
    positions = [by_name.index(f">{n}</a>") for n in ("Ali Hassan", "Bente Møller")]
    assert positions == sorted(positions)

    # Nothing chosen, no confirmation: nothing happens, and the page says so at the form.
    r = client.post(f"{order}/kandidater/samlet", data={"csrf_token": token})
    assert "Sæt kryds ved mindst én kandidat" in r.text
    data = {
        "kandidat": list(ids.values()),
        "handling": "contact:unreachable",
        "csrf_token": token,
    }
    r = client.post(f"{order}/kandidater/samlet", data=data)
    assert "Sæt kryds for at bekræfte" in r.text
    assert "Ikke kontaktet" in r.text

    # Confirmed: the jobcentre's two finds are marked; the a-kasse's find is refused by the
    # contact rule, with the reason next to the candidate, and the refusal is audited.
    r = client.post(f"{order}/kandidater/samlet", data={**data, "bekraeft": "ja"})
    assert "2 af 3 valgte kandidater er behandlet." in r.text
    assert "kontakt registreret: forsøgt kontaktet – ikke truffet." in r.text
    assert re.search(r"Carsten Dahlgaard</strong>: Ikke udført – er fundet af [^,]+, som", r.text)
    with db.unit_of_work() as s:
        denied = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "candidate.bulk.contact",
                AuditEvent.outcome == Outcome.DENY,
            )
        ).all()
        assert [d.subject_id for d in denied] == [ids["Carsten Dahlgaard"]]
    # The filters find the two that nobody answered, and the one not yet contacted.
    unreachable = client.get(f"{order}?udfald=unreachable").text
    assert "Viser 2 kandidater" in unreachable
    assert ">Carsten Dahlgaard</a>" not in unreachable
    fresh = client.get(f"{order}?udfald=none").text
    assert "Viser 1 kandidat" in fresh
    assert ">Carsten Dahlgaard</a>" in fresh

    # Bulk archive needs a reason; then the archived ones leave the active table.
    archive = {"kandidat": [ids["Ali Hassan"]], "handling": "archive", "csrf_token": token}
    r = client.post(f"{order}/kandidater/samlet", data={**archive, "bekraeft": "ja"})
    assert "Skriv en begrundelse for at arkivere" in r.text
    r = client.post(
        f"{order}/kandidater/samlet",
        data={**archive, "bekraeft": "ja", "reason": "Ikke relevant"},
    )
    assert "1 af 1 valgte kandidater er behandlet." in r.text
    assert "Viser 2 kandidater" in r.text
    assert "Ikke relevant" in client.get(f"{order}?status=archived").text


def test_not_interested_and_not_hired_carry_a_reason_shown_in_table_and_log(
    client: TestClient, matching: FakeMatching
) -> None:
    w = _setup(client, matching)
    order = str(w["order"])
    token = f.login(client, w["mediator"])  # type: ignore[arg-type]
    page = client.get(order).text
    ali, bente = _candidate_id(page, "Ali Hassan"), _candidate_id(page, "Bente Møller")
    r = client.post(
        f"{order}/kandidater/{bente}/kontakt",
        data={"outcome": "not_interested", "aarsag": "commute", "csrf_token": token},
    )
    assert "Kontakten er registreret: ikke interesseret." in r.text
    assert "Ikke interesseret: Transport og afstand" in r.text  # the table
    assert "Kandidat kontaktet" in r.text
    assert "Bente Møller – Ikke interesseret – Transport og afstand" in r.text  # the log
    client.post(
        f"{order}/kandidater/{ali}/kontakt", data={"outcome": "interested", "csrf_token": token}
    )
    client.post(f"{order}/kandidater/{ali}/henvis", data={"csrf_token": token})
    r = client.post(
        f"{order}/kandidater/{ali}/ikke-ansat", data={"bekraeft": "ja", "csrf_token": token}
    )
    assert "»Ikke ansat« er ikke registreret. Vælg en begrundelse fra listen." in r.text
    r = client.post(
        f"{order}/kandidater/{ali}/ikke-ansat",
        data={
            "aarsag": "other_candidate",
            "reason": "Intern",
            "bekraeft": "ja",
            "csrf_token": token,
        },
    )
    assert "Ali Hassan er registreret som ikke ansat." in r.text
    assert "Ali Hassan – Virksomheden valgte en anden kandidat – Intern" in r.text
    # Another a-kasse on the order sees the outcome, never the reasons.
    f.login(client, w["other"])  # type: ignore[arg-type]
    other = client.get(order).text
    assert "Ikke ansat" in other
    assert "Transport og afstand" not in other
    assert "Virksomheden valgte en anden" not in other


def test_notes_contact_details_and_history_follow_the_rules(
    client: TestClient, matching: FakeMatching
) -> None:
    w = _setup(client, matching)
    order = str(w["order"])
    token = f.login(client, w["caseworker"])  # type: ignore[arg-type]
    page = client.get(order).text
    carsten = _candidate_id(page, "Carsten Dahlgaard")
    r = client.post(f"{order}/noter", data={"text": " ", "csrf_token": token})
    assert "Noten er ikke gemt. Skriv noten, før du gemmer." in r.text
    form_token = re.search(r'name="form_token" value="([0-9a-f]+)"', page)
    assert form_token
    note = {"text": "Ring før kl. 10", "form_token": form_token.group(1), "csrf_token": token}
    r = client.post(f"{order}/noter", data=note)
    assert "Noten er gemt på jobordren." in r.text
    # The same form sent again (back button): one note, and the page says so.
    again = client.post(f"{order}/noter", data=note)
    assert "Noten var allerede gemt" in again.text
    assert again.text.count("<p>Ring før kl. 10</p>") == 1
    r = client.post(
        f"{order}/kandidater/{carsten}/noter",
        data={"text": "Medlemsnote-X: har truckcertifikat", "csrf_token": token},
    )
    assert "Noten om kandidaten er gemt." in r.text
    assert f'id="kandidat-{carsten}" open' in r.text  # the card stays open

    # The finder sees the phone number; it is fetched only when asked for.
    assert "20 30 40 50" not in page
    fragment = client.get(f"{order}/kandidater/{carsten}/kontaktoplysninger", headers=HTMX)
    assert fragment.status_code == 200
    assert "+45 20 30 40 50" in fragment.text
    assert "<html" not in fragment.text
    without_js = client.get(f"{order}/kandidater/{carsten}/kontaktoplysninger")
    assert "+45 20 30 40 50" in without_js.text
    history = client.get(f"{order}/kandidater/{carsten}/historik", headers=HTMX)
    assert history.status_code == 200
    assert "Ikke kandidat på andre jobordrer" in history.text

    # The owner may not call the a-kasse's find before its first contact: no link, 403.
    f.login(client, w["mediator"])  # type: ignore[arg-type]
    owner_page = client.get(order).text
    assert f"/kandidater/{carsten}/kontaktoplysninger" not in owner_page
    refused = client.get(f"{order}/kandidater/{carsten}/kontaktoplysninger", headers=HTMX)
    assert refused.status_code == 403
    assert "+45" not in refused.text
    assert "Medlemsnote-X" in owner_page  # the jobcentre sees the member's notes
    assert "Ring før kl. 10" in owner_page

    # Another a-kasse: the order note yes; the member, their note and history no.
    f.login(client, w["other"])  # type: ignore[arg-type]
    other = client.get(order).text
    assert "Ring før kl. 10" in other
    assert "Medlemsnote-X" not in other
    assert "Carsten" not in other
    hidden = client.get(f"{order}/kandidater/{carsten}/historik", headers=HTMX)
    assert hidden.status_code == 404
