"""The overview a mediator and an a-kasse caseworker use every day, walked in Chromium:
the compact candidate table (filters, sorting, bulk actions with a result per row), notes,
structured reasons, contact details from the CV and a candidate's history across orders.
axe runs on every state visited, at 1366 px and at 390 px."""

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.web.conftest import CV_SOURCE_KEY, _organisation_ids, seed_cvs
from tests.web.helpers import assert_accessible, fits_narrow_screen, log_in

pytestmark = pytest.mark.browser

WIDE: ViewportSize = {"width": 1366, "height": 900}
NARROW: ViewportSize = {"width": 390, "height": 844}
DORTHE_PHONE = "+45 31 42 53 64"
UNREACHABLE = "Registrér kontakt: forsøgt kontaktet – ikke truffet"


def _path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def _seed_dorthe(url: str) -> str:
    """A 3F member whose CV carries contact details from the CV source."""
    orgs = _organisation_ids(url)
    body = {
        "name": "Dorthe Kjær",
        "headline": "Lagermedarbejder med truckcertifikat",
        "desired_jobs": [{"title": "lagermedhjælper"}],
        "professional_competences": ["lagerarbejde", "truckkørsel"],
        "driving_licences": ["B"],
        "postal_code": "8500",
        "case_facts": {"akasse_organisation_id": orgs["3F A-kasse"]},
        "contact": {"phone": DORTHE_PHONE, "email": "dorthe.kjaer@example.com"},
    }
    r = httpx.put(
        f"{url}/api/matching/cvs/by-external-id/web-test-uicand-dorthe",
        json=body,
        headers={"Authorization": f"Bearer {CV_SOURCE_KEY}"},
        timeout=900,
    )
    r.raise_for_status()
    return str(r.json()["id"])


def _api(page: Page, method: str, url: str, body: dict[str, Any]) -> Any:
    """A write through the job-order API with the browser's session (and its CSRF token)."""
    headers = page.locator("body").get_attribute("hx-headers") or "{}"
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', headers)
    assert token
    r = page.request.fetch(url, method=method, data=body, headers={"X-CSRF-Token": token.group(1)})
    assert r.ok, r.text()
    return r.json()


def _card(page: Page, name: str):  # type: ignore[no-untyped-def]
    """The candidate's card below its table row, opened if it is closed."""
    details = page.locator("details.cand-details").filter(
        has=page.locator("summary", has_text=name)
    )
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    return details.locator("article.candidate-card")


def _row(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("tr.cand-row").filter(has_text=name)


def _no_sideways_scroll(page: Page, width: int) -> None:
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width + 2, f"{page.url} is {scroll}px wide at a {width}-px viewport"


def _bulk(page: Page, names: list[str], action: str, *, confirm: bool = True) -> None:
    for name in names:
        _row(page, name).get_by_role("checkbox").check()
    form = page.locator("form#samlet")
    form.get_by_label("Handling", exact=True).select_option(label=action)
    if confirm:
        form.get_by_label("Ja, udfør handlingen for de valgte kandidater").check()
    form.get_by_role("button", name="Udfør for valgte").click()


def test_mediator_and_caseworker_follow_up_on_an_order(live_server: str, page: Page) -> None:
    cvs = seed_cvs(live_server)
    dorthe = _seed_dorthe(live_server)
    page.set_viewport_size(WIDE)
    title = f"Lagermedarbejder oversigt {uuid.uuid4().hex[:4].upper()}"

    # The mediator creates an order, shares it with two a-kasser and proposes two people.
    log_in(page, "mette@norddjurs.dk")
    page.get_by_role("link", name="Opret jobordre").click()
    page.get_by_label("Virksomhedens navn").fill("Djurs Lager ApS")
    page.get_by_label("Stillingsbetegnelse").fill(title)
    page.get_by_label("Antal stillinger").fill("2")
    page.get_by_label("Arbejdsstedets postnummer").fill("8500")
    page.get_by_role("button", name="Opret jobordre").click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    order_path = _path(page)
    order_id = order_path.rsplit("/", 1)[1]
    for akasse in ("HK A-kasse", "3F A-kasse"):
        page.get_by_label(akasse).check()
    page.get_by_role("button", name="Del jobordre").click()
    for name in ("Ali Hassan", "Bente Møller"):
        _api(page, "POST", f"/api/orders/{order_id}/candidates", {"cv_id": cvs[name]})
    # The 3F caseworker proposes her own member, whose CV carries contact details.
    log_in(page, "lars@3f.dk")
    _api(page, "POST", f"/api/orders/{order_id}/candidates", {"cv_id": dorthe})

    # The mediator's table: three rows, found by whom, not yet contacted.
    log_in(page, "mette@norddjurs.dk")
    page.goto(order_path)
    table = page.locator("table.cand-table")
    expect(table.locator("tr.cand-row")).to_have_count(3)
    expect(_row(page, "Dorthe Kjær")).to_contain_text("3F A-kasse")
    expect(_row(page, "Ali Hassan")).to_contain_text("Ikke kontaktet")
    # 3F found her and calls first: no phone number for the jobcentre yet.
    phone_links = "a[href$='/kontaktoplysninger']"
    expect(page.locator(phone_links)).to_have_count(2)  # Ali's and Bente's cards
    expect(_card(page, "Dorthe Kjær").locator(phone_links)).to_have_count(0)
    assert_accessible(page)
    # A bulk "ikke truffet": needs a confirmation; then each row is checked on its own.
    everyone = ["Ali Hassan", "Bente Møller", "Dorthe Kjær"]
    _bulk(page, everyone, UNREACHABLE, confirm=False)
    expect(page.locator("form#samlet").get_by_role("alert")).to_contain_text(
        "Intet er udført. Sæt kryds for at bekræfte"
    )
    expect(_row(page, "Ali Hassan")).to_contain_text("Ikke kontaktet")
    assert_accessible(page)
    _bulk(page, everyone, UNREACHABLE)
    expect(page.locator("form#samlet").get_by_role("alert")).to_contain_text("2 af 3")
    results = page.locator("ul.bulk-results")
    expect(results).to_contain_text("Ali Hassan: kontakt registreret")
    expect(results).to_contain_text(
        "Dorthe Kjær: Ikke udført – er fundet af 3F A-kasse, som kontakter kandidaten først."
    )
    expect(_row(page, "Bente Møller")).to_contain_text("Forsøgt kontaktet – ikke truffet")
    expect(_row(page, "Dorthe Kjær")).to_contain_text("Ikke kontaktet")
    assert_accessible(page)
    # A note on the order, for everyone on it.
    page.get_by_label("Ny note på jobordren").fill("Virksomheden vil have CV'er på mail")
    page.locator("section#noter").get_by_role("button", name="Gem note").click()
    notes = page.locator("section#noter")
    expect(notes.get_by_role("status")).to_contain_text("Noten er gemt på jobordren.")
    expect(notes).to_contain_text("Mette Sørensen")
    assert_accessible(page)

    # The 3F caseworker: her member's phone number, a bulk contact, a note, the CV page.
    log_in(page, "lars@3f.dk")
    page.goto(order_path)
    expect(page.locator("section#noter")).to_contain_text("Virksomheden vil have CV'er på mail")
    card = _card(page, "Dorthe Kjær")
    card.get_by_role("link", name=re.compile("Vis telefon og e-mail")).click()
    expect(card.locator(".contact-facts")).to_contain_text(DORTHE_PHONE)
    assert_accessible(page)
    # The jobcentre's finds offer her nothing to do in bulk.
    expect(_row(page, "Ali Hassan").get_by_role("checkbox")).to_have_count(0)
    _bulk(page, ["Dorthe Kjær"], "Registrér kontakt: interesseret")
    expect(page.locator("form#samlet").get_by_role("status")).to_contain_text("1 af 1")
    expect(_row(page, "Dorthe Kjær")).to_contain_text("Interesseret")
    card = _card(page, "Dorthe Kjær")
    card.get_by_label("Ny note om kandidaten").fill("Kan starte med kort varsel")
    card.get_by_role("button", name="Gem note").click()
    expect(_card(page, "Dorthe Kjær").get_by_role("status")).to_contain_text("Noten om kandidaten")
    expect(_card(page, "Dorthe Kjær").locator("ul.notes")).to_contain_text("Lars Jensen")
    assert_accessible(page)
    _card(page, "Dorthe Kjær").get_by_role("link", name="Dorthe Kjær", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Dorthe Kjær")).to_be_visible()
    expect(page.locator("main")).to_contain_text(DORTHE_PHONE)
    expect(page.get_by_role("heading", name="Kandidat på jobordrer")).to_be_visible()
    expect(page.locator("ul.history-list")).to_contain_text(title)
    assert_accessible(page)

    # HK's caseworker sees the order and its note, never 3F's members or their notes.
    log_in(page, "hanne@hk.dk")
    page.goto(order_path)
    expect(page.locator("tr.cand-row")).to_have_count(3)
    main = page.locator("main")
    expect(main).to_contain_text("Virksomheden vil have CV'er på mail")
    for secret in ("Dorthe", "Kan starte med kort varsel", DORTHE_PHONE, "Ali Hassan"):
        expect(main).not_to_contain_text(secret)
    expect(page.locator("a[href$='/kontaktoplysninger']")).to_have_count(0)
    expect(page.locator("form#samlet")).to_have_count(0)  # nothing she may do in bulk
    assert_accessible(page)

    # The mediator: the phone number now that 3F made the first contact, a structured
    # reason, filters and sorting, and the history across orders.
    log_in(page, "mette@norddjurs.dk")
    page.goto(order_path)
    card = _card(page, "Dorthe Kjær")
    expect(card.locator("ul.notes")).to_contain_text("Kan starte med kort varsel")
    card.get_by_role("link", name=re.compile("Vis telefon og e-mail")).click()
    expect(card.locator(".contact-facts")).to_contain_text("dorthe.kjaer@example.com")
    card = _card(page, "Bente Møller")
    card.get_by_text("Registrér kontakt").click()
    card.get_by_label("Ikke interesseret", exact=True).check()
    card.get_by_label("Årsag, hvis ikke interesseret").select_option(label="Arbejdstid")
    card.get_by_role("button", name="Gem kontakt").click()
    expect(_row(page, "Bente Møller")).to_contain_text("Ikke interesseret: Arbejdstid")
    expect(page.locator("ol.log")).to_contain_text("Bente Møller – Ikke interesseret – Arbejdstid")
    assert_accessible(page)
    page.get_by_label("Udfald af kontakt").select_option(label="Forsøgt kontaktet – ikke truffet")
    page.get_by_role("button", name="Vis kandidater").click()
    expect(page.locator("tr.cand-row")).to_have_count(1)
    expect(page.locator("tr.cand-row")).to_contain_text("Ali Hassan")
    assert_accessible(page)
    page.get_by_label("Udfald af kontakt").select_option(label="Alle")
    page.get_by_label("Sortér efter").select_option(label="Navn")
    page.get_by_role("button", name="Vis kandidater").click()
    expect(page.locator("tr.cand-row")).to_have_count(3)
    names = page.locator("tr.cand-row td[data-label=Kandidat] a").all_inner_texts()
    assert names == sorted(names), names
    card = _card(page, "Ali Hassan")
    card.get_by_role("link", name=re.compile("Vis kandidatens historik")).click()
    expect(card.get_by_role("heading", name="Historik på andre jobordrer")).to_be_visible()
    assert_accessible(page)
    _no_sideways_scroll(page, WIDE["width"])

    # A phone: one card per row, no sideways scroll, a card open and the bulk form usable.
    page.set_viewport_size(NARROW)
    page.goto(order_path)
    fits_narrow_screen(page)
    assert_accessible(page)
    _card(page, "Dorthe Kjær")
    fits_narrow_screen(page)
    assert_accessible(page)
    _bulk(page, ["Bente Møller"], "Arkivér")
    expect(page.locator("form#samlet").get_by_role("alert")).to_contain_text(
        "Skriv en begrundelse for at arkivere"
    )
    fits_narrow_screen(page)
    assert_accessible(page)
