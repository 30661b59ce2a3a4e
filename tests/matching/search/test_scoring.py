"""Search by order and free text: ranking, reasons, filters, visibility, audit."""

import json
from datetime import date
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from services.matching.contract import OrderQuery, RankedPage, SearchFilters
from services.matching.cvbank import ingest, service
from services.matching.cvbank.schemas import CvBody
from services.matching.occupations.link import Link
from services.matching.occupations.normalize import occupations
from services.matching.search import scoring
from services.matching.search import service as search_service
from shared import db
from shared.actor import Actor
from shared.models import AuditEvent, OrgKind
from shared.settings import get_matching_settings
from tests import factories
from tests.matching.conftest import actor_of, cv_in

BUS_DRIVER: dict[str, Any] = {
    "desired_jobs": [{"title": "buschauffør"}],
    "experience": [{"title": "chauffør", "employer": "Midttrafik", "tasks": "rutekørsel"}],
    "professional_competences": ["kørsel med passagerer", "kundeservice"],
    "certificates": ["Kvalifikationsbevis (EU-efteruddannelse)"],
    "driving_licences": ["B", "D"],
    "postal_code": "8500",
    "max_commute_km": 50,
}
NURSE: dict[str, Any] = {
    "desired_jobs": [{"title": "social- og sundhedsassistent"}],
    "experience": [{"title": "social- og sundhedshjælper", "employer": "Norddjurs Kommune"}],
    "professional_competences": ["personlig pleje", "medicinhåndtering"],
    "certificates": [],
    "driving_licences": ["B"],
    "postal_code": "8000",
    "max_commute_km": 20,
}
WAREHOUSE: dict[str, Any] = {"postal_code": "8560", "max_commute_km": 30}


@pytest.fixture
def without_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everyone within reach counts as relevant: for tests of filters, paging and the bank,
    whose orders are not meant to be about these CVs (the floor has tests of its own)."""
    from services.matching.search import relevance

    monkeypatch.setattr(relevance, "MIN_TITLE", -1.0)
    monkeypatch.setattr(relevance, "MIN_SEMANTIC", -1.0)


def _load(source: Actor, cvs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ids = {}
    for ext, fields in cvs.items():
        body = CvBody.model_validate(cv_in(ext, **fields).model_dump(exclude={"external_id"}))
        with db.unit_of_work() as s:
            ids[ext] = service.upsert_cv(s, source, external_id=ext, body=body).id
    return ids


def _order(actor: Actor, order: OrderQuery, filters: SearchFilters | None = None) -> RankedPage:
    with db.unit_of_work() as s:
        return search_service.search_for_order(s, actor, order, filters)


def test_the_matching_occupation_ranks_first_with_reasons(
    cv_source: Actor, mediator: Actor
) -> None:
    ids = _load(cv_source, {"bus": BUS_DRIVER, "nurse": NURSE, "store": WAREHOUSE})
    page = _order(
        mediator,
        OrderQuery(
            title="Buschauffør til rutekørsel",
            skills=["kundeservice", "kørsel med passagerer"],
            driving_licences=["D"],
            postal_code="8500",
        ),
    )
    assert page.items[0].cv.id == ids["bus"]
    top = page.items[0]
    kinds = {r.kind for r in top.matched}
    assert {"occupation", "skill", "driving_licence", "distance"} <= kinds
    skill = next(r for r in top.matched if r.kind == "skill")
    assert skill.field == "professional_competences"
    assert set(top.score_parts) >= {"semantic", "lexical", "requirements"}
    assert top.distance_km == 0.0
    # Licence D is required: nobody without it is in the list.
    assert [c.cv.id for c in page.items] == [ids["bus"]]


@pytest.mark.usefixtures("without_floor")
def test_candidates_beyond_their_own_commute_are_left_out(
    cv_source: Actor, mediator: Actor
) -> None:
    ids = _load(cv_source, {"bus": BUS_DRIVER, "nurse": NURSE})
    # Grenaa (8500) is ~50 km from Aarhus; the nurse will commute 20 km only.
    page = _order(mediator, OrderQuery(title="chauffør", postal_code="8500"))
    assert [c.cv.id for c in page.items] == [ids["bus"]]


@pytest.mark.usefixtures("without_floor")
def test_filters_narrow_the_result(cv_source: Actor, mediator: Actor) -> None:
    ids = _load(
        cv_source,
        {
            "bus": BUS_DRIVER,
            "nurse": {**NURSE, "available_from": "2027-03-01", "weekly_hours": 20},
            "store": WAREHOUSE,
        },
    )
    order = OrderQuery(title="medarbejder")

    def found(filters: SearchFilters) -> set[Any]:
        return {c.cv.id for c in _order(mediator, order, filters).items}

    assert found(SearchFilters(driving_licences=["D"])) == {ids["bus"]}
    assert found(SearchFilters(min_weekly_hours=30)) == {ids["bus"], ids["store"]}
    assert found(SearchFilters(available_by=date(2027, 1, 1))) == {ids["bus"], ids["store"]}
    assert found(SearchFilters(certificates=["truckcertifikat"])) == {ids["store"]}
    assert found(SearchFilters(languages=["Dansk"])) == {ids["bus"], ids["nurse"], ids["store"]}
    assert found(SearchFilters(max_distance_km=5)) == set()  # no workplace: nothing is near


@pytest.mark.usefixtures("without_floor")
def test_max_distance_from_the_workplace(cv_source: Actor, mediator: Actor) -> None:
    ids = _load(cv_source, {"bus": BUS_DRIVER, "store": WAREHOUSE})
    page = _order(
        mediator, OrderQuery(title="x", postal_code="8500"), SearchFilters(max_distance_km=10)
    )
    assert [c.cv.id for c in page.items] == [ids["bus"]]


@pytest.mark.usefixtures("without_floor")
def test_hard_requirements_filter_soft_ones_only_score(cv_source: Actor, mediator: Actor) -> None:
    ids = _load(cv_source, {"bus": BUS_DRIVER, "store": WAREHOUSE})
    hard = OrderQuery(title="lagermedarbejder", certificates=["truckcertifikat"])
    assert [c.cv.id for c in _order(mediator, hard).items] == [ids["store"]]
    soft = hard.model_copy(update={"hard_requirements": False})
    assert {c.cv.id for c in _order(mediator, soft).items} == {ids["bus"], ids["store"]}


@pytest.mark.usefixtures("without_floor")
def test_akasse_search_returns_only_its_members(cv_source: Actor, akasse: factories.Org) -> None:
    ids = _load(
        cv_source,
        {
            "bus": {**BUS_DRIVER, "case_facts": {"akasse_organisation_id": str(akasse.id)}},
            "nurse": NURSE,
        },
    )
    caseworker = actor_of(akasse, OrgKind.AKASSE)
    page = _order(caseworker, OrderQuery(title="sosu"))
    assert [c.cv.id for c in page.items] == [ids["bus"]]


@pytest.mark.usefixtures("without_floor")
def test_searches_are_audited_with_the_returned_ids(cv_source: Actor, mediator: Actor) -> None:
    ids = _load(cv_source, {"bus": BUS_DRIVER, "store": WAREHOUSE})
    with db.unit_of_work() as s:
        page = search_service.search_free_text(s, mediator, "truckfører lager", limit=1)
    assert page.total == 2
    assert page.items[0].cv.id == ids["store"]
    with db.unit_of_work() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "cv.search")).one()
    assert event.organisation_id == mediator.organisation_id
    assert json.loads(event.detail or "{}")["returned"] == [str(ids["store"])]


@pytest.mark.usefixtures("without_floor")
def test_paging_is_stable_and_complete(cv_source: Actor, mediator: Actor) -> None:
    _load(cv_source, {f"w{i}": WAREHOUSE for i in range(5)})
    order = OrderQuery(title="lagermedarbejder")
    whole = [c.cv.id for c in _order(mediator, order).items]
    with db.unit_of_work() as s:
        first = search_service.search_for_order(s, mediator, order, limit=2)
        rest = search_service.search_for_order(s, mediator, order, limit=10, offset=2)
    assert [c.cv.id for c in first.items + rest.items] == whole


@pytest.mark.usefixtures("without_floor")
def test_changes_to_the_bank_show_in_the_next_search(cv_source: Actor, mediator: Actor) -> None:
    ids = _load(cv_source, {f"w{i}": WAREHOUSE for i in range(4)} | {"bus": BUS_DRIVER})
    order = OrderQuery(title="kok", skills=["madlavning"])
    before = _order(mediator, order)
    # The four warehouse CVs are identical: before the change they tie.
    assert len({c.score for c in before.items if c.cv.id != ids["bus"]}) == 1
    _load(
        cv_source,
        {
            "w2": {
                **WAREHOUSE,
                "desired_jobs": [{"title": "kok"}],
                "professional_competences": ["madlavning"],
            }
        },
    )
    with db.unit_of_work() as s:
        service.delete_cv(s, cv_source, external_id="bus")
    after = _order(mediator, order)
    assert after.items[0].cv.id == ids["w2"]
    assert after.items[0].score > after.items[1].score
    assert ids["bus"] not in {c.cv.id for c in after.items}
    assert after.total == before.total - 1


@pytest.mark.usefixtures("without_floor")
def test_a_short_page_is_the_head_of_the_full_ranking(cv_source: Actor, mediator: Actor) -> None:
    """Competences are scored only for rows that can still reach the page: same pages."""
    from services.demo.cv_generator import generate

    lines = [
        json.dumps(d.data | {"external_id": f"p{i}"}, ensure_ascii=False).encode()
        for i, d in enumerate(generate(80, seed=5))
    ]
    with db.unit_of_work() as s:
        assert ingest.bulk_upsert(s, cv_source, lines=lines).failed == 0
    orders = [
        OrderQuery(title="lagermedarbejder", skills=["truckkørsel", "pluk og pak"]),
        OrderQuery(title="social- og sundhedshjælper", skills=["personlig pleje"], weekly_hours=30),
        OrderQuery(title="kok", description="Vi søger en kok med erfaring fra storkøkken."),
    ]
    for order in orders:
        with db.unit_of_work() as s:
            full = search_service.search_for_order(s, mediator, order, limit=100)
        assert full.total == len(full.items) > 60
        ranked = [(c.cv.id, c.score) for c in full.items]
        for limit, offset in ((1, 0), (5, 0), (10, 3), (20, 40)):
            with db.unit_of_work() as s:
                page = search_service.search_for_order(
                    s, mediator, order, limit=limit, offset=offset
                )
            assert [(c.cv.id, c.score) for c in page.items] == ranked[offset : offset + limit]


@pytest.mark.usefixtures("without_floor")
def test_a_change_made_outside_the_service_shows_in_the_next_search(
    cv_source: Actor, mediator: Actor
) -> None:
    """The bank's version is bumped by database triggers, so raw SQL is noticed too."""
    from sqlalchemy import update

    from services.matching.models import Cv

    ids = _load(cv_source, {"bus": BUS_DRIVER, "nurse": NURSE})
    order = OrderQuery(title="buschauffør")
    assert _order(mediator, order).total == 2
    with db.unit_of_work() as s:
        s.execute(update(Cv).where(Cv.id == ids["bus"]).values(searchable=False))
    after = _order(mediator, order)
    assert [c.cv.id for c in after.items] == [ids["nurse"]]


def test_occupation_credit_is_bounded_by_the_links_confidence() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 6))
        conf = rng.dirichlet(np.ones(k)) * rng.random()
        links = [Link(f"u{i}", f"g{i % 2}", "", float(c)) for i, c in enumerate(conf)]
        same = [rng.random(n) < 0.3 for _ in links]
        related = [rng.random(n) < 0.5 for _ in links]
        credit = scoring.occupation_credit(links, same, related)
        assert (credit >= 0).all()
        assert (credit <= conf.sum() + 1e-9).all()


def _scores(actor: Actor, order: OrderQuery) -> dict[str, float]:
    page = _order(actor, order)
    return {str(item.cv.id): item.score for item in page.items}


def test_a_wrong_link_never_lowers_a_score_and_moves_it_at_most_its_confidence(
    cv_source: Actor, mediator: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For any candidate set: score(with a wrong link of confidence c) >= score(no link),
    and the difference is at most c * w_occ / total weight. So a pair of candidates
    swaps places only if their no-link scores were within that bound."""
    _load(cv_source, {"bus": BUS_DRIVER, "nurse": NURSE, "store": WAREHOUSE})
    order = OrderQuery(title="Buschauffør", skills=["kundeservice"], postal_code="8500")
    settings = get_matching_settings()
    total = settings.weight_semantic + settings.weight_lexical + settings.weight_requirements
    monkeypatch.setattr(scoring, "order_links", lambda title, uri=None: [])
    without = _scores(mediator, order)
    # A wrong link for a bus-driver order: the nurse's occupation.
    nurse = next(o for o in occupations() if o.preferred_label == "social- og sundhedsassistent")
    uri, isco = nurse.uri, nurse.isco_group
    for confidence in (0.1, 0.3, 1.0):
        wrong = [Link(uri, isco, "", confidence)]
        monkeypatch.setattr(scoring, "order_links", lambda title, uri=None, w=wrong: w)
        scoring.reset_cache()
        with_link = _scores(mediator, order)
        assert with_link.keys() == without.keys()
        bound = confidence * settings.weight_requirements / total + 1e-6
        for cv, score in without.items():
            assert with_link[cv] >= score - 1e-6
            assert with_link[cv] - score <= bound
