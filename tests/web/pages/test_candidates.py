"""The find-candidates page: filters start from the order, reasons read as Danish."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.matching.contract import Reason
from services.web.pages.candidates import _reason_da, _score_parts_da
from tests import factories as f
from tests.joborders.helpers import FakeMatching
from tests.web.test_forms import VALID


def test_the_filters_start_from_the_orders_requirements_and_workplace(
    client: TestClient, matching: FakeMatching, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.joborders.candidates import service as candidate_service

    asked: list[dict[str, Any]] = []
    rank = candidate_service.rank_candidates

    def spy(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs)
        return rank(*args, **kwargs)

    monkeypatch.setattr(candidate_service, "rank_candidates", spy)
    token = f.login(client, f.user(f.org()))
    order = client.post(
        "/jobordrer/ny", data={**VALID, "csrf_token": token}, follow_redirects=False
    ).headers["location"]
    matching.add_cv("Ali Hassan", None)
    page = client.get(f"{order}/find-kandidater")
    assert page.status_code == 200
    assert 'name="koerekort" value="B" checked' in page.text
    assert 'name="certifikater" value="Truckcertifikat B"' in page.text
    assert "arbejdsstedet 8500 Grenaa" in page.text
    assert "1 relevante kandidater" in page.text
    filters = asked[-1]["filters"]
    assert (filters.driving_licences, filters.certificates) == (["B"], ["Truckcertifikat B"])
    assert asked[-1]["show_unmet"] is False
    # Sent without the certificate, the form is what counts.
    unticked = client.get(f"{order}/find-kandidater?sendt=1&certifikater=")
    assert 'name="certifikater" value=""' in unticked.text
    assert asked[-1]["filters"].certificates == []
    client.get(f"{order}/find-kandidater?sendt=1&koerekort=B&vis_mangler=1")
    assert asked[-1]["show_unmet"] is True


def test_paging_past_the_end_says_so(client: TestClient, matching: FakeMatching) -> None:
    token = f.login(client, f.user(f.org()))
    order = client.post(
        "/jobordrer/ny", data={**VALID, "csrf_token": token}, follow_redirects=False
    ).headers["location"]
    matching.add_cv("Ali Hassan", None)
    # The fake does not set past_end; the page then shows no results but a pager.
    page = client.get(f"{order}/find-kandidater?side=5")
    assert page.status_code == 200
    assert "Ali Hassan" not in page.text


def test_an_unknown_postal_code_in_free_text_search_is_explained(
    client: TestClient, matching: FakeMatching
) -> None:
    f.login(client, f.user(f.org()))
    page = client.get("/kandidater?q=lager&postnummer=0001")
    assert page.status_code == 422
    assert "Postnummeret 0001 findes ikke." in page.text


@pytest.mark.parametrize(
    ("reason", "danish"),
    [
        (
            Reason(
                kind="availability", requirement="start 2027-03-01", field="available_from", text=""
            ),
            "Kan starte straks",
        ),
        (
            Reason(
                kind="availability",
                requirement="start 2027-03-01",
                field="available_from",
                text="2027-03-01",
            ),
            "Kan starte 1. marts 2027",
        ),
        (
            Reason(kind="hours", requirement="37 hours/week", field="weekly_hours", text="37.5"),
            "Ønsker 37,5 timer pr. uge",
        ),
        (
            Reason(
                kind="distance",
                requirement="workplace 8500",
                field="postal_code",
                text="8585 Glesborg",
            ),
            "Bor i 8585 Glesborg",
        ),
        (
            Reason(kind="language", requirement="en", field="languages", text="en (good)"),
            "Sprog: engelsk",
        ),
        (
            Reason(
                kind="skill",
                requirement="plukning af varer",
                field="professional_competences",
                text="pluk og pak",
            ),
            "Kompetence: plukning af varer – »pluk og pak« (faglige kompetencer)",
        ),
    ],
)
def test_reasons_read_as_danish(reason: Reason, danish: str) -> None:
    assert _reason_da(reason) == danish


def test_score_parts_have_danish_names_and_decimal_commas() -> None:
    text = _score_parts_da({"lexical": 0.4213, "requirements.occupation": 1.0})
    assert text == "ordmatch 0,42, stilling 1,00"
    assert "requirements." not in text
