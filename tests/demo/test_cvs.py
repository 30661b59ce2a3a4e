"""Demo CVs: varied, deterministic from the seed, indexed, and idempotent."""

from collections import Counter

import pytest
from sqlalchemy import select

from services.demo import cvs as demo
from services.demo import identities
from services.demo.cv_generator import AARHUS, NORDDJURS, generate
from services.matching.index.store import get_index_store
from services.matching.models import Cv, CvCaseFacts
from shared import db


def test_same_seed_same_cvs_other_seed_other_cvs() -> None:
    first = [c.data for c in generate(40, 3)]
    assert first == [c.data for c in generate(40, 3)]
    assert first != [c.data for c in generate(40, 4)]


def test_demo_cvs_are_varied_and_local() -> None:
    cvs = list(generate(300, 7))
    assert len({c.occupation.uri for c in cvs}) > 100
    assert {c.data["postal_code"] for c in cvs} <= set(NORDDJURS) | set(AARHUS)
    assert len({c.occupation.isco_group[0] for c in cvs}) >= 8
    assert len(Counter(c.akasse for c in cvs)) >= 4


@pytest.mark.usefixtures("database")
def test_loading_twice_writes_and_embeds_nothing_new() -> None:
    with db.unit_of_work() as s:
        identities.load_identities(s)
        first = demo.load(s, cvs=25, seed=5)
    assert first["cvs created"] == 25
    index = get_index_store().current()
    assert index is not None
    assert len(index) == 25
    generation = get_index_store().current_generation()
    with db.unit_of_work() as s:
        again = demo.load(s, cvs=25, seed=5)
    assert (again["cvs created"], again["cvs updated"], again["cvs unchanged"]) == (0, 0, 25)
    assert get_index_store().current_generation() == generation
    with db.unit_of_work() as s:
        assert all(cv.indexed_hash == cv.text_hash for cv in s.scalars(select(Cv)))
        members = s.scalars(select(CvCaseFacts.akasse_organisation_id)).all()
        assert sum(m is not None for m in members) > 15


def test_demo_cvs_are_coherent() -> None:
    """Headline years are the years listed, education comes before the first job, and
    competences and employers belong to the job's own ISCO group."""
    import re
    from datetime import date

    from services.demo.cv_generator import COMPETENCES, EMPLOYERS, _pick, experience_years

    for cv in generate(600, 7):
        d, isco = cv.data, cv.occupation.isco_group
        claimed = re.search(r"med (\d+) års erfaring", d["headline"])
        if claimed:
            assert int(claimed.group(1)) == experience_years(d["experience"]) >= 1
        starts = [date.fromisoformat(e["start"]) for e in d["experience"]]
        if starts:
            assert d["education"][0]["completed_year"] <= min(starts).year
        own = set(_pick(COMPETENCES, isco))
        assert own & set(d["professional_competences"])
        if isco.startswith("431"):
            assert "truckkørsel" not in d["professional_competences"]
        for job in d["experience"][:1]:
            assert job["employer"] in _pick(EMPLOYERS, isco)


def test_demo_orders_are_linked_to_the_occupation_they_mean() -> None:
    from services.demo.orders import _occupations
    from services.matching.occupations.data import load_occupations

    label = {o.uri: o.preferred_label for o in load_occupations()}
    occupations = _occupations()
    assert label[occupations["lagermedarbejder"]] == "lagerarbejder"
    assert label[occupations["receptionist"]] == "receptionist"
    assert label[occupations["tjener"]] == "tjener"
    assert label[occupations["elektriker"]] == "elektriker"
