"""A-kasse membership and unemployment duration never reach the text or the ranking."""

import dataclasses
import uuid
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matching.contract import OrderQuery, SearchFilters
from services.matching.cvbank import service
from services.matching.cvbank.schemas import CvBody, CvContent
from services.matching.search import service as search_service
from services.matching.search import text_builder
from shared import db
from shared.actor import Actor
from shared.models import OrgKind
from tests import factories
from tests.matching.conftest import cv_in

TITLES = ["lagermedarbejder", "truckfører", "buschauffør", "pædagog", "kok", "tømrer"]


def test_builder_inputs_have_no_case_facts() -> None:
    fields = set(CvContent.model_fields) | set(OrderQuery.model_fields)
    assert not {f for f in fields if "akasse" in f or "unemploy" in f or "case" in f}


def test_case_facts_change_no_built_text() -> None:
    base = cv_in("f1").model_dump(exclude={"external_id"})
    texts = set()
    for facts in (
        None,
        {"akasse_organisation_id": str(uuid.uuid4()), "unemployed_since": "2020-01-01"},
        {"akasse_organisation_id": str(uuid.uuid4()), "unemployed_since": "2026-11-01"},
    ):
        # Contact details from the CV source are kept out of the built text as well.
        contact = {"phone": "+45 20 30 40 50", "email": "x@example.com"} if facts else None
        body = CvBody.model_validate({**base, "case_facts": facts, "contact": contact})
        content = body.content()
        texts.add(
            (
                text_builder.cv_embedding_text(content),
                dataclasses.astuple(text_builder.cv_fields(content)),
                text_builder.cv_full_text(content),
            )
        )
    assert len(texts) == 1


def _body(i: int, facts: dict[str, Any] | None) -> CvBody:
    cv = cv_in(
        f"p{i}",
        desired_jobs=[{"title": TITLES[i % len(TITLES)]}],
        professional_competences=["truckkørsel", "kundeservice", "planlægning"][: 1 + i % 3],
        postal_code=["8500", "8560", "8000", "8200"][i % 4],
        weekly_hours=20 + 5 * (i % 4),
        case_facts=facts,
    )
    return CvBody.model_validate(cv.model_dump(exclude={"external_id"}))


def _ranking(mediator: Actor) -> list[tuple[uuid.UUID, float]]:
    order = OrderQuery(
        title="truckfører til lager", skills=["truckkørsel"], postal_code="8500", weekly_hours=37
    )
    with db.unit_of_work() as s:
        page = search_service.search_for_order(s, mediator, order, SearchFilters(), limit=50)
    return [(c.cv.id, c.score) for c in page.items]


N_CVS = 8


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    changes=st.lists(
        st.tuples(
            st.integers(0, N_CVS - 1),
            st.sampled_from([0, 1, None]),
            st.integers(0, 4000),
        ),
        min_size=1,
        max_size=N_CVS,
    )
)
def test_case_facts_change_neither_set_nor_order(
    cv_source: Actor, mediator: Actor, changes: list[tuple[int, int | None, int]]
) -> None:
    akasser = [factories.org(OrgKind.AKASSE, name=f"fair a-kasse {n}") for n in range(2)]
    for i in range(N_CVS):
        with db.unit_of_work() as s:
            service.upsert_cv(s, cv_source, external_id=f"p{i}", body=_body(i, None))
    before = _ranking(mediator)
    assert before
    for i, which, days in changes:
        facts = {
            "akasse_organisation_id": str(akasser[which].id) if which is not None else None,
            "unemployed_since": (date(2026, 11, 1) - timedelta(days=days)).isoformat(),
        }
        with db.unit_of_work() as s:
            service.upsert_cv(s, cv_source, external_id=f"p{i}", body=_body(i, facts))
    assert _ranking(mediator) == before
