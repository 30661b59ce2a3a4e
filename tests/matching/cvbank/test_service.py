"""CV bank: upsert, bulk NDJSON, delete, visibility and audit of reads."""

import json
import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.matching.cvbank import ingest, service
from services.matching.cvbank.schemas import CaseFactsIn, CvBody
from services.matching.models import Cv, CvCaseFacts
from shared import db
from shared.actor import Actor
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.models import AuditEvent, OrgKind
from tests import factories
from tests.matching.conftest import actor_of, cv_in


def _body(external_id: str, **overrides: object) -> CvBody:
    return CvBody.model_validate(
        cv_in(external_id, **overrides).model_dump(exclude={"external_id"})
    )


def _upsert(actor: Actor, external_id: str, **overrides: object) -> uuid.UUID:
    with db.unit_of_work() as s:
        return service.upsert_cv(
            s, actor, external_id=external_id, body=_body(external_id, **overrides)
        ).id


def test_upsert_creates_then_updates_the_same_cv(cv_source: Actor) -> None:
    first = _upsert(cv_source, "jn-1")
    second = _upsert(cv_source, "jn-1", headline="Ny overskrift")
    assert first == second
    with db.unit_of_work() as s:
        cv = s.scalars(select(Cv)).one()
        assert cv.headline == "Ny overskrift"
        assert cv.vector_id > 0


def test_unchanged_text_is_not_embedded_again(cv_source: Actor) -> None:
    with db.unit_of_work() as s:
        created = service.upsert_cv(s, cv_source, external_id="jn-2", body=_body("jn-2"))
    assert created.created
    assert created.text_changed
    with db.unit_of_work() as s:
        again = service.upsert_cv(s, cv_source, external_id="jn-2", body=_body("jn-2"))
    # The embedding task ran after the first commit; the same text needs no new vector.
    assert not again.created
    assert not again.text_changed
    with db.unit_of_work() as s:
        # A change outside the embedded text (the name) does not re-embed either.
        renamed = service.upsert_cv(
            s, cv_source, external_id="jn-2", body=_body("jn-2", name="Nyt Navn")
        )
    assert not renamed.text_changed


def test_titles_are_linked_to_esco_occupations(cv_source: Actor) -> None:
    cv_id = _upsert(cv_source, "jn-occ", desired_jobs=[{"title": "buschauffør"}])
    with db.unit_of_work() as s:
        cv = s.get(Cv, cv_id)
        assert cv is not None
        assert cv.occupation_uri is not None
        assert cv.isco_group == "8331"


def test_people_cannot_write_cvs_only_the_cv_source(mediator: Actor) -> None:
    with db.unit_of_work() as s, pytest.raises(Forbidden):
        service.upsert_cv(s, mediator, external_id="x", body=_body("x"))


def test_akasse_sees_only_its_own_members(cv_source: Actor, akasse: factories.Org) -> None:
    other = factories.org(OrgKind.AKASSE)
    member = _upsert(cv_source, "m1", case_facts={"akasse_organisation_id": str(akasse.id)})
    stranger = _upsert(cv_source, "m2", case_facts={"akasse_organisation_id": str(other.id)})
    caseworker = actor_of(akasse, OrgKind.AKASSE)
    with db.unit_of_work() as s:
        assert service.get_cv_summary(s, caseworker, member).akasse_organisation_id == akasse.id
    with db.unit_of_work() as s, pytest.raises(Forbidden):
        service.get_cv_summary(s, caseworker, stranger)


def test_jobcentre_does_not_see_unsearchable_cvs(cv_source: Actor, mediator: Actor) -> None:
    hidden = _upsert(cv_source, "h1", searchable=False)
    with db.unit_of_work() as s, pytest.raises(NotFound):
        service.get_cv(s, mediator, hidden)


def test_every_cv_read_is_audited(cv_source: Actor, mediator: Actor) -> None:
    cv_id = _upsert(cv_source, "a1", case_facts={"unemployed_since": "2026-01-05"})
    with db.unit_of_work() as s:
        full = service.get_cv(s, mediator, cv_id)
    assert full.case_facts is not None
    assert full.case_facts.unemployed_since == date(2026, 1, 5)
    with db.unit_of_work() as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.action == "cv.read")).all()
        assert [(r.subject_id, r.organisation_id) for r in reads] == [
            (str(cv_id), mediator.organisation_id)
        ]


def test_bulk_reports_bad_lines_and_applies_the_good_ones(cv_source: Actor) -> None:
    good = cv_in("b1").model_dump_json().encode()
    unknown_field = json.dumps({**cv_in("b2").model_dump(mode="json"), "shoe_size": 44}).encode()
    bad_value = json.dumps({**cv_in("b3").model_dump(mode="json"), "weekly_hours": -3}).encode()
    lines = [
        good,
        b"{not json",
        unknown_field,
        b"",
        bad_value,
        cv_in("b4").model_dump_json().encode(),
    ]
    with db.unit_of_work() as s:
        result = ingest.bulk_upsert(s, cv_source, lines=lines)
    assert (result.created, result.failed) == (2, 3)
    assert [e.line for e in result.errors] == [2, 3, 5]
    assert "shoe_size" in result.errors[1].problem
    assert "weekly_hours" in result.errors[2].problem
    with db.unit_of_work() as s:
        assert sorted(s.scalars(select(Cv.external_id))) == ["b1", "b4"]


def test_bulk_twice_changes_nothing(cv_source: Actor) -> None:
    lines = [cv_in(f"t{i}").model_dump_json().encode() for i in range(3)]
    with db.unit_of_work() as s:
        ingest.bulk_upsert(s, cv_source, lines=lines)
    with db.unit_of_work() as s:
        again = ingest.bulk_upsert(s, cv_source, lines=lines)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_ndjson_stream_splits_lines_across_chunks() -> None:
    chunks = [b'{"a":', b' 1}\n{"b"', b": 2}\n", b'{"c": 3}']
    assert list(ingest.iter_ndjson(chunks)) == [b'{"a": 1}', b'{"b": 2}', b'{"c": 3}']


def test_delete_removes_cv_and_case_facts(cv_source: Actor, session: Session) -> None:
    _upsert(cv_source, "d1", case_facts=CaseFactsIn(unemployed_since=date(2026, 1, 1)).model_dump())
    with db.unit_of_work() as s:
        service.delete_cv(s, cv_source, external_id="d1")
    with db.unit_of_work() as s:
        assert s.scalars(select(Cv)).all() == []
        assert s.scalars(select(CvCaseFacts)).all() == []
    with db.unit_of_work() as s, pytest.raises(NotFound):
        service.delete_cv(s, cv_source, external_id="d1")


def test_case_facts_must_name_an_existing_akasse(
    cv_source: Actor, jobcentre: factories.Org
) -> None:
    with db.unit_of_work() as s, pytest.raises(ValidationFailed):
        service.upsert_cv(
            s,
            cv_source,
            external_id="x1",
            body=_body("x1", case_facts={"akasse_organisation_id": str(jobcentre.id)}),
        )
    line = cv_in("x2", case_facts={"akasse_organisation_id": str(uuid.uuid4())})
    with db.unit_of_work() as s:
        result = ingest.bulk_upsert(s, cv_source, lines=[line.model_dump_json().encode()])
    assert result.failed == 1
    assert "no a-kasse" in result.errors[0].problem
