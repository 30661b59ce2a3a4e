"""What a mediator must be able to trust: required licences and certificates hold, a query
of gibberish finds nobody, "mangler" is true, reasons read as Danish, and places exist."""

from datetime import date
from typing import Any

import pytest

from services.matching.contract import OrderQuery, RankedPage, SearchFilters
from services.matching.search import service as search_service
from services.matching.search import synonyms
from shared import db
from shared.actor import Actor
from shared.errors import ValidationFailed
from tests.matching.search.test_scoring import _load

BUS = {
    "desired_jobs": [{"title": "buschauffør"}],
    "experience": [{"title": "buschauffør", "employer": "Midttrafik", "tasks": "rutekørsel"}],
    "professional_competences": ["kørsel med passagerer"],
    "certificates": ["Kvalifikationsbevis (EU-efteruddannelse)"],
    "postal_code": "8500",
    "max_commute_km": 50,
}
TRUCK = {
    "desired_jobs": [{"title": "lastbilchauffør"}],
    "experience": [{"title": "lastbilchauffør", "employer": "Djurs Transport ApS"}],
    "professional_competences": ["kørsel med lastbil"],
    "certificates": [],
    "postal_code": "8500",
    "max_commute_km": 50,
}
NURSE = {
    "headline": "SOSU-assistent med 6 års erfaring",
    "desired_jobs": [{"title": "social- og sundhedsassistent"}],
    "experience": [{"title": "social- og sundhedsassistent", "employer": "Norddjurs Kommune"}],
    "education": [
        {"title": "Erhvervsuddannelse som social- og sundhedsassistent", "completed_year": 2015}
    ],
    "professional_competences": ["personlig pleje", "medicinhåndtering"],
    "certificates": [],
    "postal_code": "8500",
    "weekly_hours": 37,
}


def _order(
    actor: Actor, order: OrderQuery, filters: SearchFilters | None = None, **kw: int
) -> RankedPage:
    with db.unit_of_work() as s:
        return search_service.search_for_order(s, actor, order, filters, **kw)


def _bank(source: Actor) -> dict[str, Any]:
    return _load(
        source,
        {
            "bus-d": {**BUS, "driving_licences": ["B", "D"]},
            "bus-b": {**BUS, "driving_licences": ["B"]},
            "truck-c": {**TRUCK, "driving_licences": ["B", "C", "CE"]},
            "truck-b": {**TRUCK, "driving_licences": ["B"]},
            # The warehouse workers of `cv_in`: one says "truckkørekort", one has none.
            "store-cert": {"certificates": ["Truckkørekort"], "postal_code": "8500"},
            "store-none": {"certificates": [], "postal_code": "8500"},
            "nurse": NURSE,
        },
    )


@pytest.mark.parametrize(
    ("order", "holders"),
    [
        (OrderQuery(title="Buschauffør", driving_licences=["D"], postal_code="8500"), {"bus-d"}),
        (
            OrderQuery(title="Lastbilchauffør", driving_licences=["C"], postal_code="8500"),
            {"truck-c"},
        ),
        (
            OrderQuery(
                title="Lagermedarbejder med truckcertifikat",
                certificates=["truckcertifikat"],
                postal_code="8500",
            ),
            {"store-cert"},
        ),
    ],
)
def test_every_listed_candidate_holds_the_required_licence_or_certificate(
    cv_source: Actor, mediator: Actor, order: OrderQuery, holders: set[str]
) -> None:
    ids = _bank(cv_source)
    page = _order(mediator, order, limit=10)
    assert {c.cv.id for c in page.items} == {ids[h] for h in holders}
    assert page.total == len(holders)
    # Asked for, those without it come after everyone who has it, marked.
    shown = _order(mediator, order.model_copy(update={"show_unmet": True}), limit=10)
    met = [c for c in shown.items if c.meets_requirements]
    unmet = [c for c in shown.items if not c.meets_requirements]
    assert shown.items[: len(met)] == met
    assert shown.unmet_total == len(unmet) >= 1
    assert all(set(c.missing) & {"kørekort D", "kørekort C", "truckcertifikat"} for c in unmet)


def test_unmet_candidates_page_on_after_the_others(cv_source: Actor, mediator: Actor) -> None:
    ids = _bank(cv_source)
    order = OrderQuery(title="Buschauffør", driving_licences=["D"], show_unmet=True)
    whole = [c.cv.id for c in _order(mediator, order, limit=10).items]
    assert whole[0] == ids["bus-d"]
    assert ids["bus-b"] in whole
    pages = [
        c.cv.id
        for off in range(len(whole))
        for c in _order(mediator, order, limit=1, offset=off).items
    ]
    assert pages == whole


@pytest.mark.parametrize("text", ["xkcd qwzzv blørp", "asdfghjkl"])
def test_gibberish_finds_nobody(cv_source: Actor, mediator: Actor, text: str) -> None:
    _bank(cv_source)
    with db.unit_of_work() as s:
        page = search_service.search_free_text(s, mediator, text)
    assert (page.total, page.items) == (0, [])


def test_the_count_is_of_relevant_candidates_not_everyone_within_reach(
    cv_source: Actor, mediator: Actor
) -> None:
    ids = _bank(cv_source)
    page = _order(mediator, OrderQuery(title="social- og sundhedsassistent", postal_code="8500"))
    assert [c.cv.id for c in page.items] == [ids["nurse"]]
    assert page.total == 1


def test_mangler_is_true(cv_source: Actor, mediator: Actor) -> None:
    ids = _bank(cv_source)
    page = _order(
        mediator,
        OrderQuery(
            title="Social- og sundhedsassistent",
            education=["Social- og sundhedsassistentuddannelsen"],
            skills=["personlig pleje", "plukning af varer"],
            weekly_hours=30,
            postal_code="8500",
        ),
    )
    nurse = next(c for c in page.items if c.cv.id == ids["nurse"])
    # The education is held under another name; wanting 37 hours meets 30.
    assert nurse.missing == ["plukning af varer"]
    edu = next(r for r in nurse.matched if r.kind == "education")
    assert edu.text == "Erhvervsuddannelse som social- og sundhedsassistent"


def test_hours_are_missing_only_when_the_candidate_wants_fewer(
    cv_source: Actor, mediator: Actor
) -> None:
    _load(cv_source, {"part": {**NURSE, "weekly_hours": 25}})
    page = _order(mediator, OrderQuery(title="social- og sundhedsassistent", weekly_hours=37))
    assert page.items[0].missing == ["37 timer pr. uge (ønsker 25)"]


def test_missing_texts_are_danish(cv_source: Actor, mediator: Actor) -> None:
    _load(cv_source, {"later": {**NURSE, "available_from": "2027-03-01"}})
    page = _order(
        mediator,
        OrderQuery(
            title="social- og sundhedsassistent", start_date=date(2027, 1, 4), languages=["en"]
        ),
    )
    assert page.items[0].missing == [
        "sprog: engelsk",
        "start 4. januar 2027 (kan først starte 1. marts 2027)",
    ]
    distance = _order(mediator, OrderQuery(title="sosu-assistent", postal_code="8500"))
    reason = next(r for r in distance.items[0].matched if r.kind == "distance")
    assert reason.text == "8500 Grenaa"


def test_an_unknown_postal_code_is_an_error_and_0_km_is_a_filter(
    cv_source: Actor, mediator: Actor
) -> None:
    ids = _bank(cv_source)
    with pytest.raises(ValidationFailed):
        _order(mediator, OrderQuery(title="buschauffør", postal_code="0001"))
    with pytest.raises(ValidationFailed), db.unit_of_work() as s:
        search_service.search_free_text(s, mediator, "buschauffør", postal_code="0001")
    far = _load(cv_source, {"bus-far": {**BUS, "driving_licences": ["D"], "postal_code": "8585"}})
    here = _order(
        mediator,
        OrderQuery(title="buschauffør", postal_code="8500"),
        SearchFilters(max_distance_km=0),
    )
    found = {c.cv.id for c in here.items}
    # Those in 8500 itself remain; the driver in Glesborg (8585) is further than 0 km.
    assert {ids["bus-d"], ids["bus-b"]} <= found
    assert far["bus-far"] not in found
    assert {c.distance_km for c in here.items} == {0.0}


def test_paging_past_the_end_says_so(cv_source: Actor, mediator: Actor) -> None:
    _bank(cv_source)
    order = OrderQuery(title="buschauffør", driving_licences=["D"])
    assert not _order(mediator, order, offset=0).past_end
    beyond = _order(mediator, order, offset=40)
    assert beyond.past_end
    assert (beyond.items, beyond.total) == ([], 1)


@pytest.mark.parametrize(
    ("requirement", "text"),
    [
        (
            "Social- og sundhedsassistentuddannelsen",
            "Erhvervsuddannelse som social- og sundhedsassistent",
        ),
        ("plukning af varer", "pluk og pak"),
        ("truckcertifikat", "Truckcertifikat B"),
        ("truckcertifikat", "certifikat til truck"),
        ("Forflytningskursus", "kursus i forflytning"),
        ("rengøring", "Erhvervsrengøring"),
        ("hygiejnebevis", "Hygiejnecertifikat"),
    ],
)
def test_a_requirement_is_met_under_its_danish_forms(requirement: str, text: str) -> None:
    assert synonyms.meets(requirement, text)


@pytest.mark.parametrize(
    ("requirement", "text"),
    [
        ("truckcertifikat", "kranførercertifikat"),
        ("svejsning", "CNC-bearbejdning"),
        ("sygepleje", "pleje"),
        ("kørekort", "kørsel"),
    ],
)
def test_a_requirement_is_not_met_by_a_different_one(requirement: str, text: str) -> None:
    assert not synonyms.meets(requirement, text)
