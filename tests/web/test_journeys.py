"""Whole journeys through the web UI in Chromium, with axe on every page and screenshots."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.web.helpers import assert_accessible, fits_narrow_screen, log_in, screenshot

pytestmark = pytest.mark.browser

NARROW = {"width": 390, "height": 844}


def _unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:4].upper()}"


# ESCO occupations chosen on the order by their Danish preferred label, so ranking
# needs no title normalisation.
FORKLIFT_DRIVER = "gaffeltruckfører"
OFFICE_CLERK = "administrativ assistent"


def create_order(
    page: Page, title: str, *, occupation: str, skills: str, certificates: str = ""
) -> str:
    """Fill in Opret jobordre and return the new order's path."""
    page.get_by_role("link", name="Opret jobordre").click()
    expect(page.get_by_role("heading", level=1, name="Opret jobordre")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Virksomhedens navn").fill("Djurs Lager ApS")
    page.get_by_label("CVR-nummer").fill("3125")  # wrong on purpose: 8 digits needed
    page.get_by_label("Kontaktperson", exact=True).fill("Karen Bjerg")
    page.get_by_label("Kontaktpersonens e-mail").fill("karen@djurslager.dk")
    page.get_by_label("Stillingsbetegnelse").fill(title)
    page.get_by_label("Stilling (ESCO)").fill(occupation)
    page.get_by_label("Beskrivelse").fill("Lagerarbejde med truck i dagtimerne.")
    page.get_by_label("Faglige kompetencer").fill(skills)
    page.get_by_label("Certifikater og autorisationer").fill(certificates)
    page.get_by_label("Antal stillinger").fill("1")
    page.get_by_label("Timer pr. uge").fill("37")
    page.get_by_label("Arbejdsstedets postnummer").fill("8500")
    page.get_by_role("button", name="Opret jobordre").click()
    # The server refuses the CVR number in Danish, next to the field, and keeps the input.
    expect(page.locator("#e-employer_cvr")).to_have_text("Et CVR-nummer har 8 cifre.")
    expect(page.get_by_label("Stillingsbetegnelse")).to_have_value(title)
    assert_accessible(page)
    page.get_by_label("CVR-nummer").fill("31254789")
    page.get_by_role("button", name="Opret jobordre").click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("er oprettet")
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def candidate_card(page: Page, name: str):  # type: ignore[no-untyped-def]
    """The candidate's card below its table row, opened if it is closed."""
    details = page.locator("details.cand-details").filter(
        has=page.locator("summary", has_text=name)
    )
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    return details.locator("article.candidate-card")


def record_contact(page: Page, name: str, outcome: str) -> None:
    card = candidate_card(page, name)
    card.get_by_text("Registrér kontakt").click()
    card.get_by_label(outcome, exact=True).check()
    card.get_by_label("Note", exact=True).fill("Talt med i telefonen.")
    card.get_by_role("button", name="Gem kontakt").click()
    expect(page.get_by_role("status")).to_contain_text("Kontakten er registreret")


def test_jobcentre_takes_forwarded_order_finds_candidates_and_records_the_hire(
    page: Page,
) -> None:
    title = _unique("Truckfører til lager")
    # An a-kasse caseworker receives an order it cannot fill and forwards it via JobAG.
    log_in(page, "lars@3f.dk")
    order_path = create_order(
        page,
        title,
        occupation=FORKLIFT_DRIVER,
        skills="truckkørsel\nlagerarbejde",
        certificates="Truckcertifikat B",
    )
    page.get_by_label("Videreformidl via JobAG til").select_option(label="Jobcenter Norddjurs")
    page.get_by_label("Begrundelse").last.fill("Ingen ledige medlemmer med truckcertifikat")
    page.get_by_role("button", name="Videreformidl jobordre").click()
    expect(page.get_by_role("status")).to_contain_text("videreformidlet til jobcentret")

    # The jobcentre mediator sees it in the inbox and takes ownership.
    log_in(page, "mette@norddjurs.dk")
    expect(page.get_by_role("heading", level=1, name="Mine jobordrer")).to_be_visible()
    expect(page.locator("header .who")).to_contain_text("Jobcenter Norddjurs")
    # The forwarding notified the jobcentre's mediators: the header counts it.
    expect(page.locator("#notification-count")).to_contain_text("ulæste")
    inbox = page.locator("section", has=page.get_by_role("heading", name=re.compile("Indbakke")))
    expect(inbox).to_contain_text(title)
    assert_accessible(page)
    screenshot(page, "mine-jobordrer")
    inbox.get_by_role("button", name=f"Tag ejerskab: {title}").click()
    expect(page.get_by_role("status")).to_contain_text("Du er nu formidlingsansvarlig")
    expect(page.locator("dl.facts").first).to_contain_text("Mette Sørensen")

    # Find kandidater: ranked, with reasons, and without a-kasse or unemployment facts.
    page.locator("main").get_by_role("link", name="Find kandidater").first.click()
    expect(page.get_by_role("heading", level=1, name="Find kandidater")).to_be_visible()
    results = page.locator("ol.results > li")
    expect(results.first).to_be_visible()
    expect(page.locator("ol.results")).to_contain_text("Opfylder")
    expect(page.locator("ol.results")).not_to_contain_text("A-kasse")
    expect(page.locator("ol.results")).not_to_contain_text("Ledig siden")
    assert_accessible(page)
    screenshot(page, "find-kandidater")
    for name in ("Ali Hassan", "Bente Møller"):
        item = results.filter(has_text=name)
        item.get_by_role("button", name=f"Tilføj som kandidat: {name}").click()
        expect(item.get_by_role("status")).to_contain_text("er tilføjet som kandidat")

    # The pipeline: contact both, refer the interested one, record the hire.
    page.goto(order_path)
    record_contact(page, "Ali Hassan", "Interesseret")
    record_contact(page, "Bente Møller", "Ikke interesseret")
    card = candidate_card(page, "Ali Hassan")
    card.get_by_role("button", name="Henvis til virksomheden").click()
    expect(page.get_by_role("status")).to_contain_text("henvist til virksomheden")
    assert (
        candidate_card(page, "Bente Møller")
        .get_by_role("button", name="Henvis til virksomheden")
        .count()
        == 0
    )
    card = candidate_card(page, "Ali Hassan")
    card.get_by_text("Registrér ansættelse").click()
    card.get_by_label("Ja, kandidaten er ansat").check()
    card.get_by_role("button", name="Registrér som ansat").click()
    expect(page.get_by_role("status")).to_contain_text("lukket som besat")
    expect(page.locator("hgroup")).to_contain_text("Lukket – besat")
    log = page.locator("ol.log")
    for entry in (
        "Videreformidlet via JobAG",
        "Ny formidlingsansvarlig",
        "Kandidat tilføjet",
        "Kandidat kontaktet",
        "Kandidat henvist til virksomheden",
        "Kandidat ansat",
        "Jobordre lukket",
    ):
        expect(log).to_contain_text(entry)
    assert_accessible(page)
    # The hire's message sits at the candidate card; the screenshot shows the whole page top.
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "jobordre")

    # The CV page of the hired candidate, the indicators and the notifications.
    candidate_card(page, "Ali Hassan").get_by_role("link", name="Ali Hassan", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Ali Hassan")).to_be_visible()
    expect(page.get_by_text("Visningen af dette CV er logget.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "cv")
    page.get_by_role("link", name="Nøgletal").click()
    expect(page.locator("svg.chart").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "noegletal")
    page.get_by_role("link", name=re.compile("^Notifikationer")).click()
    expect(page.get_by_role("heading", level=1, name="Notifikationer")).to_be_visible()
    expect(page.locator("ul.notifications")).to_contain_text(title)
    assert_accessible(page)
    screenshot(page, "notifikationer")


def test_akasse_proposes_a_member_on_a_shared_order_and_another_akasse_cannot_see_them(
    page: Page,
) -> None:
    title = _unique("Lagerkoordinator")
    log_in(page, "jonas@norddjurs.dk")
    order_path = create_order(
        page, title, occupation=OFFICE_CLERK, skills="lagerstyring\nvaremodtagelse\nkundeservice"
    )
    page.get_by_role("button", name="Rediger jobordre").click()
    expect(page.get_by_label("Stillingsbetegnelse")).to_have_value(title)
    assert_accessible(page)
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_role("status")).to_contain_text("Ændringerne er gemt.")
    for akasse in ("HK A-kasse", "3F A-kasse"):
        page.get_by_label(akasse).check()
    page.get_by_role("button", name="Del jobordre").click()
    expect(page.get_by_role("status")).to_contain_text("Jobordren er delt")

    # HK's caseworker sees the shared order and proposes her own member.
    log_in(page, "hanne@hk.dk")
    shared = page.locator("section", has=page.get_by_role("heading", name=re.compile("delt med")))
    shared.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    assert_accessible(page)
    page.locator("main").get_by_role("link", name="Find kandidater").first.click()
    results = page.locator("ol.results > li")
    expect(results.filter(has_text="Carsten Dahlgaard")).to_have_count(1)
    # An a-kasse sees only its own members: no 3F members in HK's ranking.
    expect(page.locator("ol.results")).not_to_contain_text("Ali Hassan")
    item = results.filter(has_text="Carsten Dahlgaard")
    item.get_by_role("button", name="Tilføj som kandidat: Carsten Dahlgaard").click()
    expect(item.get_by_role("status")).to_contain_text("fundet af HK A-kasse")
    page.goto(order_path)
    record_contact(page, "Carsten Dahlgaard", "Interesseret")
    card = candidate_card(page, "Carsten Dahlgaard")
    expect(card).to_contain_text("Kontaktet")
    expect(card).to_contain_text("HK A-kasse")
    # Only the owner refers: the a-kasse is not offered the action.
    expect(card.get_by_role("button", name="Henvis til virksomheden")).to_have_count(0)
    cv_href = card.get_by_role("link", name="Carsten Dahlgaard", exact=True).get_attribute("href")
    assert cv_href

    # A caseworker of another a-kasse sees that a candidate exists, but not who.
    log_in(page, "lars@3f.dk")
    page.goto(order_path)
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    cards = page.locator("article.candidate-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Kandidat foreslået af HK A-kasse")
    expect(page.locator("main")).not_to_contain_text("Carsten")
    assert_accessible(page)
    page.goto(cv_href.split("?")[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("Det har du ikke adgang til")
    expect(page.locator("main")).not_to_contain_text("Carsten")
    assert_accessible(page)
    page.get_by_role("link", name="Find kandidater").click()
    page.get_by_label("Søgetekst").fill("Carsten Dahlgaard lagerstyring kundeservice")
    page.get_by_role("button", name="Søg").click()
    expect(page.get_by_role("heading", name="Resultater")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Carsten Dahlgaard")
    assert_accessible(page)


def test_main_pages_fit_a_390_pixel_screen(page: Page) -> None:
    page.set_viewport_size(NARROW)
    log_in(page, "mette@norddjurs.dk")
    fits_narrow_screen(page)
    assert_accessible(page)
    screenshot(page, "mine-jobordrer-mobil")
    for link in ("Opret jobordre", "Find kandidater", "Nøgletal"):
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        fits_narrow_screen(page)
    page.get_by_role("link", name="Mine jobordrer").click()
    first = page.locator("#order-table a").first
    if first.count():
        first.click()
        fits_narrow_screen(page)
        assert_accessible(page)
        screenshot(page, "jobordre-mobil")


def test_login_page_is_accessible_and_rejects_a_wrong_password(page: Page) -> None:
    page.goto("/login")
    assert_accessible(page)
    page.get_by_label("E-mail").fill("mette@norddjurs.dk")
    page.get_by_label("Adgangskode").fill("forkert")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("alert")).to_have_text("Forkert e-mail eller adgangskode.")
    assert_accessible(page)
    screenshot(page, "log-ind")
