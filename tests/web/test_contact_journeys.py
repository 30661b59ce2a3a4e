"""The joint contact process walked in Chromium: a-kasse and jobcentre, with axe each step."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from services.joborders.common.workdays import COPENHAGEN
from shared.db import utcnow
from tests.web.helpers import assert_accessible, fits_narrow_screen, log_in

pytestmark = pytest.mark.browser

AKASSE = "lars@3f.dk"
JOBCENTRE = "mette@norddjurs.dk"


def _path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def test_a_recommendation_from_form_to_decision(page: Page) -> None:
    log_in(page, AKASSE)
    page.get_by_role("link", name="Samarbejde").click()
    expect(page.get_by_role("heading", level=1, name="Sendte indstillinger")).to_be_visible()
    assert_accessible(page)

    # Compose one: pick a member, leave required fields out, see Danish errors at the fields.
    page.get_by_role("button", name="Ny indstilling om tidligt tilbud").click()
    page.get_by_label("Søg blandt a-kassens ledige medlemmer (navn)").fill("e")
    page.get_by_role("button", name="Søg").click()
    assert_accessible(page)
    # A member in Norddjurs, so the demo's jobcentre gets it.
    page.locator("ul.members li").filter(has_text="Jobcenter Norddjurs").first.get_by_role(
        "link"
    ).click()
    page.get_by_label("Tilbud efter reglerne").select_option("guidance")
    page.get_by_label("Tilbuddets titel").fill("Truckcertifikat B")
    start = (utcnow() + timedelta(days=30)).astimezone(COPENHAGEN).date()
    page.get_by_label("Startdato").fill(start.isoformat())
    page.get_by_label("Slutdato").fill((start + timedelta(days=11)).isoformat())
    page.get_by_label("Ugentligt timetal").fill("37")
    page.locator("#f-provider_name").fill("AMU Djursland")
    page.locator("#f-provider_address").fill("Kystvejen 1, 8500 Grenaa")
    page.locator("#f-provider_email").fill("kursus@amu-djursland.dk")
    page.get_by_role("button", name="Send indstilling via beskedmodulet").click()
    expect(page.get_by_role("alert")).to_contain_text("Indstillingen er ikke sendt")
    expect(page.locator("#e-price")).to_have_text(
        "Skal udfyldes for et kursus eller en uddannelse."
    )
    expect(page.locator("#e-provider_phone")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Pris i kr.").fill("8500")
    page.locator("#f-provider_phone").fill("86 32 00 00")
    page.get_by_label(re.compile("hurtigste vej i job")).fill("Lagerjob kræver truckcertifikat.")
    page.get_by_label("Medlemmets egen motivation for tilbuddet").fill(
        "Vil gerne arbejde på lager."
    )
    page.locator("#f-caseworker_phone").fill("70 10 10 10")
    page.get_by_role("button", name="Send indstilling via beskedmodulet").click()
    expect(
        page.get_by_text("Indstillingen er sendt til jobcentret via beskedmodulet.")
    ).to_be_visible()
    expect(page.get_by_text("Afventer jobcentret").first).to_be_visible()
    expect(page.get_by_text("Sendt via beskedmodulet").first).to_be_visible()
    assert_accessible(page)

    # The jobcentre asks for more about the demo's recommendation; the a-kasse amends it.
    log_in(page, JOBCENTRE)
    page.get_by_role("link", name="Samarbejde").click()
    expect(page.get_by_role("heading", level=1, name="Indkomne indstillinger")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("row").filter(has_text="Truckcertifikat B (AMU 47979)").get_by_role(
        "link"
    ).click()
    url = _path(page)
    page.get_by_role("combobox", name="Afgørelse").select_option("more_information")
    page.get_by_role("button", name="Gem afgørelse").click()
    expect(page.locator("#decision").get_by_text("Skriv en begrundelse")).to_be_visible()
    page.get_by_role("combobox", name="Afgørelse").select_option("more_information")
    page.get_by_label("Begrundelse").fill("Hvilket hold starter først?")
    page.get_by_role("button", name="Gem afgørelse").click()
    expect(page.get_by_text("Jobcentret beder om flere oplysninger").first).to_be_visible()

    log_in(page, AKASSE)
    page.goto(url)
    page.get_by_role("button", name="Ret og send indstillingen igen").click()
    page.get_by_label("Medlemmets egen motivation for tilbuddet").fill("Holdet i januar passer.")
    page.get_by_role("button", name="Send rettet indstilling").click()
    expect(page.get_by_text("Indstillingen er rettet og sendt igen.")).to_be_visible()

    log_in(page, JOBCENTRE)
    page.goto(url)
    page.get_by_role("combobox", name="Afgørelse").select_option("granted")
    page.get_by_role("button", name="Gem afgørelse").click()
    expect(page.get_by_text("Afgørelsen er gemt, og a-kassen har fået besked.")).to_be_visible()
    expect(page.get_by_text("Bevilget").first).to_be_visible()
    assert_accessible(page)


def test_a_joint_interview_from_list_to_cancellation(page: Page) -> None:
    log_in(page, AKASSE)
    page.goto("/samarbejde/samtaler?status=awaiting_akasse")
    expect(page.get_by_role("heading", level=1, name="Fælles jobsamtaler")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Jobcenter").select_option(label="Jobcenter Norddjurs")
    page.get_by_role("button", name="Vis").click()
    page.locator("table a").first.click()
    url = _path(page)
    page.get_by_role("button", name="Send mødetider").click()
    expect(page.locator("#propose").get_by_text("Intet er gemt")).to_be_visible()
    when = (utcnow() + timedelta(days=4)).astimezone(COPENHAGEN).replace(hour=10, minute=0)
    page.get_by_label("Tidspunkt 1").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Medlemmets ønsker til samtalen").fill("Vil tale om lagerjob")
    page.get_by_role("button", name="Send mødetider").click()
    expect(page.get_by_text("Mødetiderne er sendt til jobcentret.")).to_be_visible()
    assert_accessible(page)

    log_in(page, JOBCENTRE)
    page.goto(url)
    expect(page.get_by_text("Vil tale om lagerjob")).to_be_visible()
    page.get_by_role("button", name="Indkald").click()
    expect(page.get_by_text("Medlemmet og a-kassen er indkaldt.")).to_be_visible()
    expect(page.get_by_text("Indkaldelse sendt via beskedmodulet").first).to_be_visible()
    assert_accessible(page)

    log_in(page, AKASSE)
    page.goto(url)
    page.locator("#f-cancel-reason").fill("Medlemmet er startet i job")
    page.get_by_role("button", name="Aflys samtalen").click()
    expect(
        page.get_by_text("Samtalen er aflyst, og den anden part har fået besked.")
    ).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/samarbejde/samtaler")
    fits_narrow_screen(page)
    assert_accessible(page)
