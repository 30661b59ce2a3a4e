"""The costly mistakes a busy mediator could make, walked in Chromium and shown prevented."""

import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import seed_cvs
from tests.web.helpers import assert_accessible, fits_narrow_screen, log_in

pytestmark = pytest.mark.browser

NARROW = {"width": 390, "height": 844}
CLOSING_REASON = "Den anden stilling er nedlagt"


def _unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:4].upper()}"


def _path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def _fill_order(page: Page, title: str, *, positions: str = "1", postal: str = "8500") -> None:
    page.get_by_label("Virksomhedens navn").fill("Djurs Lager ApS")
    page.get_by_label("Stillingsbetegnelse").fill(title)
    page.get_by_label("Antal stillinger").fill(positions)
    page.get_by_label("Arbejdsstedets postnummer").fill(postal)


def _create(page: Page, title: str, **kw: str) -> str:
    page.get_by_role("link", name="Opret jobordre").click()
    _fill_order(page, title, **kw)
    page.get_by_role("button", name="Opret jobordre").click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    return _path(page)


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


def _alert_in(container: Any, text: str) -> None:
    """The message sits in the container the user acted in, announced as an alert."""
    alert = container.get_by_role("alert")
    expect(alert).to_contain_text(text)
    expect(alert).to_be_in_viewport()


def _contact_and_refer(page: Page, name: str, outcome: str = "Interesseret") -> None:
    card = _card(page, name)
    card.get_by_text("Registrér kontakt").click()
    card.get_by_label(outcome, exact=True).check()
    card.get_by_role("button", name="Gem kontakt").click()
    expect(_card(page, name).get_by_role("status")).to_contain_text("Kontakten er registreret")
    if outcome == "Interesseret":
        _card(page, name).get_by_role("button", name="Henvis til virksomheden").click()
        expect(_card(page, name).get_by_role("status")).to_contain_text("henvist til virksomheden")


def test_dates_repost_outcomes_and_closing_are_guarded(live_server: str, page: Page) -> None:
    cvs = seed_cvs(live_server)
    title = _unique("Pakkeriarbejder")
    log_in(page, "mette@norddjurs.dk")
    # Back button after "Opret jobordre", and the form sent again: the first order, no second.
    once = _unique("Sendt to gange")
    first_path = _create(page, once)
    page.go_back()
    expect(page.get_by_label("Stillingsbetegnelse")).to_have_value(once)
    page.get_by_role("button", name="Opret jobordre").click()
    expect(page.get_by_role("status")).to_contain_text("var allerede oprettet")
    assert _path(page) == first_path
    page.get_by_role("link", name="Mine jobordrer").click()
    expect(page.locator("main").get_by_role("link", name=once)).to_have_count(1)

    page.get_by_role("link", name="Opret jobordre").click()
    # The browser never answers in English: the form leaves validation to the server.
    expect(page.locator("form[action='/jobordrer/ny']")).to_have_attribute("novalidate", "")
    page.get_by_role("button", name="Opret jobordre").click()
    expect(page.locator("#e-employer_name")).to_have_text("Skal udfyldes.")
    _fill_order(page, title, positions="2")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    page.get_by_label("Ønsket tiltrædelse").fill("2025-06-01")
    page.get_by_label("Behandlingsfrist aftalt med virksomheden").fill(yesterday)
    page.get_by_label("Formidlingsfrist").fill(yesterday)
    page.get_by_role("button", name="Opret jobordre").click()
    for field in ("start_date", "processing_deadline", "placement_deadline"):
        expect(page.locator(f"#e-{field}")).to_contain_text(
            "Må ikke ligge før den dag, jobordren blev modtaget"
        )
    expect(page.get_by_label("Ønsket tiltrædelse")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    soon = (date.today() + timedelta(days=30)).isoformat()
    page.get_by_label("Ønsket tiltrædelse").fill(soon)
    page.get_by_label("Behandlingsfrist aftalt med virksomheden").fill("")
    page.get_by_label("Formidlingsfrist").fill(soon)
    page.get_by_role("button", name="Opret jobordre").click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    order_path = _path(page)

    # The status control starts empty and offers no closing status that does not fit.
    page.goto(order_path)
    status = page.locator("#f-status")
    expect(status).to_have_value("")
    expect(status.locator("option[value=closed_filled]")).to_have_count(0)
    expect(status.locator("option[value=closed_expired]")).to_have_count(0)
    page.get_by_role("button", name="Skift status").click()
    _alert_in(page.locator("form#status"), "Status er ikke ændret")
    assert_accessible(page)

    order_id = order_path.rsplit("/", 1)[1]
    for name in ("Ali Hassan", "Carsten Dahlgaard", "Bente Møller"):
        _api(page, "POST", f"/api/orders/{order_id}/candidates", {"cv_id": cvs[name]})
    page.reload()
    _contact_and_refer(page, "Ali Hassan")
    _contact_and_refer(page, "Carsten Dahlgaard")
    _contact_and_refer(page, "Bente Møller", "Forsøgt kontaktet – ikke truffet")
    expect(_card(page, "Bente Møller").locator(".status")).to_have_text(
        "Forsøgt kontaktet – ikke truffet"
    )

    # A hire before the order was received, then one without confirmation: both refused at
    # the card, as alerts, in view.
    card = _card(page, "Ali Hassan")
    card.get_by_text("Registrér ansættelse").click()
    card.get_by_label("Startdato").fill("2020-01-01")
    card.get_by_label("Ja, kandidaten er ansat").check()
    card.get_by_role("button", name="Registrér som ansat").click()
    _alert_in(_card(page, "Ali Hassan"), "Må ikke ligge før den dag, jobordren blev modtaget")
    assert_accessible(page)
    card = _card(page, "Ali Hassan")
    card.get_by_text("Registrér ansættelse").click()
    card.get_by_label("Startdato").fill(soon)
    card.get_by_role("button", name="Registrér som ansat").click()
    _alert_in(_card(page, "Ali Hassan"), "Sæt kryds for at bekræfte")
    card = _card(page, "Ali Hassan")
    card.get_by_text("Registrér ansættelse").click()
    card.get_by_label("Ja, kandidaten er ansat").check()
    card.get_by_role("button", name="Registrér som ansat").click()
    expect(_card(page, "Ali Hassan").get_by_role("status")).to_contain_text("registreret som ansat")

    # "Ikke ansat" needs a reason (from the closed list) and a confirmation.
    card = _card(page, "Carsten Dahlgaard")
    card.locator("summary", has_text="Ikke ansat").click()
    card.get_by_role("button", name="Registrér som ikke ansat").click()
    _alert_in(_card(page, "Carsten Dahlgaard"), "Vælg en begrundelse fra listen")
    card = _card(page, "Carsten Dahlgaard")
    card.locator("summary", has_text="Ikke ansat").click()
    card.locator("select[id^=nothired-aarsag]").select_option(
        label="Virksomheden valgte en anden kandidat"
    )
    card.locator("input[id^=nothired]").fill("Virksomheden valgte en intern")
    card.get_by_role("button", name="Registrér som ikke ansat").click()
    _alert_in(_card(page, "Carsten Dahlgaard"), "Sæt kryds for at bekræfte")
    card = _card(page, "Carsten Dahlgaard")
    card.locator("summary", has_text="Ikke ansat").click()
    card.locator("select[id^=nothired-aarsag]").select_option(
        label="Virksomheden valgte en anden kandidat"
    )
    card.locator("input[id^=nothired]").fill("Virksomheden valgte en intern")
    card.get_by_label("Ja, kandidaten blev ikke ansat").check()
    card.get_by_role("button", name="Registrér som ikke ansat").click()
    expect(_card(page, "Carsten Dahlgaard").get_by_role("status")).to_contain_text("ikke ansat")
    log = page.locator("ol.log")
    expect(log).to_contain_text("Virksomheden valgte en intern")
    expect(log).to_contain_text("Kandidat henvist til virksomheden")
    assert ": ," not in log.inner_text()
    assert "videreformidlet til virksomheden" not in page.locator("main").inner_text()

    # With a hire, "Lukket – besat" is offered; closing needs a reason and a confirmation.
    status = page.locator("#f-status")
    expect(status).to_have_value("")
    status.select_option("closed_filled")
    page.get_by_role("button", name="Skift status").click()
    _alert_in(page.locator("form#status"), "Skriv en begrundelse")
    page.locator("#f-status").select_option("closed_filled")
    page.get_by_label("Begrundelse (skal udfyldes ved lukning)").fill(CLOSING_REASON)
    page.get_by_role("button", name="Skift status").click()
    _alert_in(page.locator("form#status"), "Sæt kryds for at bekræfte")
    assert_accessible(page)
    page.locator("#f-status").select_option("closed_filled")
    page.get_by_label("Begrundelse (skal udfyldes ved lukning)").fill(CLOSING_REASON)
    page.get_by_label("Ja, luk jobordren – en lukket jobordre kan ikke genåbnes").check()
    page.get_by_role("button", name="Skift status").click()
    expect(page.get_by_role("status")).to_contain_text("Status er nu »Lukket – besat«")
    expect(page.locator("dl.facts").first).to_contain_text("8500 Grenaa")
    assert_accessible(page)


def test_a_stale_save_in_another_tab_keeps_the_input_and_can_be_applied(page: Page) -> None:
    title = _unique("Lagerassistent")
    log_in(page, "mette@norddjurs.dk")
    order_path = _create(page, title)
    other = page.context.new_page()
    other.goto(f"{order_path}/rediger")
    page.goto(f"{order_path}/rediger")
    page.get_by_label("Antal stillinger").fill("3")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_role("status")).to_contain_text("Ændringerne er gemt.")

    other.get_by_label("Stillingsbetegnelse").fill(f"{title} (nat)")
    other.get_by_role("button", name="Gem ændringer").click()
    stale = other.locator("#stale")
    expect(stale).to_have_attribute("role", "alert")
    expect(stale).to_contain_text("Jobordren er ændret, siden du åbnede formularen")
    expect(stale.locator("table")).to_contain_text("Antal stillinger")
    expect(other.get_by_label("Stillingsbetegnelse")).to_have_value(f"{title} (nat)")
    assert_accessible(other)
    other.get_by_label("Antal stillinger").fill("3")
    other.get_by_role("button", name="Gem ændringer").click()
    expect(other.get_by_role("status")).to_contain_text("Ændringerne er gemt.")
    expect(other.get_by_role("heading", level=1)).to_have_text(f"{title} (nat)")
    other.close()


def test_the_second_mediator_to_take_an_inbox_order_learns_who_took_it(
    browser: Browser, page: Page, base_url: str
) -> None:
    title = _unique("Chauffør")
    log_in(page, "lars@3f.dk")
    order_path = _create(page, title, postal="8500")
    # The forward form suggests the jobcentre of the workplace's municipality.
    jobcentre = page.get_by_label("Videreformidl via JobAG til")
    expect(jobcentre.locator("option:checked")).to_have_text("Jobcenter Norddjurs")
    page.get_by_role("button", name="Videreformidl jobordre").click()
    _alert_in(page.locator("form#videreformidl"), "Begrundelse: Skal udfyldes.")
    page.get_by_label("Begrundelse").last.fill("Ingen chauffører blandt medlemmerne")
    page.get_by_role("button", name="Videreformidl jobordre").click()
    expect(page.get_by_role("status")).to_contain_text("videreformidlet til jobcentret")

    second = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    jonas = second.new_page()
    log_in(jonas, "jonas@norddjurs.dk")
    log_in(page, "mette@norddjurs.dk")
    take = f"Tag ejerskab: {title}"
    expect(jonas.get_by_role("button", name=take)).to_be_visible()
    page.get_by_role("button", name=take).click()
    expect(page.get_by_role("status")).to_contain_text("Du er nu formidlingsansvarlig")

    jonas.get_by_role("button", name=take).click()
    alert = jonas.get_by_role("alert")
    expect(alert).to_contain_text("Mette Sørensen (Jobcenter Norddjurs) tog ejerskab")
    expect(jonas.locator("main")).not_to_contain_text("Genindlæs siden")
    assert _path(jonas) == "/jobordrer"
    assert_accessible(jonas)
    jonas.get_by_role("link", name=f"Åbn jobordren »{title}«").click()
    assert _path(jonas) == order_path
    # Jonas's notification about the forwarded order is settled, no longer "Ny".
    jonas.goto("/notifikationer")
    item = jonas.locator("ul.notifications > li").filter(has_text=title)
    expect(item).to_have_count(1)
    expect(item.locator(".badge")).to_have_count(0)
    assert_accessible(jonas)
    second.close()


def test_browsers_meet_danish_error_pages_in_the_site_layout(page: Page) -> None:
    log_in(page, "mette@norddjurs.dk")
    for path in ("/jobordrer/abc", "/cv/abc", "/jobordrer/abc/find-kandidater", "/findes/ikke"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Siden eller sagen findes ikke")
        expect(page.locator("main")).not_to_contain_text("Systemets begrundelse")
        expect(page.get_by_role("link", name="Mine jobordrer").first).to_be_visible()
        assert_accessible(page)
    r = page.request.get("/jobordrer/abc", headers={"Accept": "application/json"})
    assert r.headers["content-type"].startswith("application/problem+json")


def test_share_without_a_choice_cv_back_links_and_a_narrow_screen(page: Page) -> None:
    log_in(page, "mette@norddjurs.dk")
    long_title = _unique("Arbejdsmiljøkoordinatorstillingsbeskrivelsesansvarlig")
    order_path = _create(page, long_title)
    page.get_by_role("button", name="Del jobordre").click()
    _alert_in(page.locator("form#del"), "Sæt kryds ved mindst én a-kasse")
    assert_accessible(page)

    # A CV opened from the order leads back to it, not to a search never made.
    page.goto(order_path)
    cvs = seed_cvs(re.sub(r"(https?://[^/]+).*", r"\1", page.url))
    page.goto(f"/cv/{cvs['Ali Hassan']}")
    expect(page.get_by_role("heading", level=1, name="Ali Hassan")).to_be_visible()
    expect(page.get_by_role("link", name="Tilbage til søgningen")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("8500 Grenaa")
    page.get_by_role("link", name="Find kandidater").click()
    page.get_by_label("Søgetekst").fill("truckkørsel lager")
    page.get_by_role("button", name="Søg").click()
    page.locator("ol.results").get_by_role("link", name="Ali Hassan").first.click()
    expect(page.get_by_role("link", name="Tilbage til søgningen")).to_be_visible()
    page.get_by_role("link", name="Tilbage til søgningen").click()
    expect(page.get_by_label("Søgetekst")).to_have_value("truckkørsel lager")

    page.set_viewport_size(NARROW)
    fits_narrow_screen(page)
    assert_accessible(page)
    for path in ("/jobordrer", order_path, "/jobordrer/abc"):
        page.goto(path)
        fits_narrow_screen(page)
        assert_accessible(page)
