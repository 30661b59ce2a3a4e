"""Matching fixtures: a private index directory per test, actors and a small CV."""

import uuid
from pathlib import Path
from typing import Any

import pytest

from services.matching.cvbank.schemas import CvIn
from services.matching.search import scoring
from shared.actor import Actor
from shared.models import OrgKind, Role
from shared.settings import get_matching_settings
from tests import factories


@pytest.fixture(autouse=True)
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own FAISS generations, so no test sees another's vectors."""
    root = tmp_path / "index"
    monkeypatch.setattr(get_matching_settings(), "index_dir", root)
    scoring.reset_cache()
    return root


def actor_of(org: factories.Org, kind: OrgKind, *, api_key: bool = False) -> Actor:
    return Actor(
        kind="api_key" if api_key else "user",
        id=uuid.uuid4(),
        name=f"tester in {org.name}",
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=kind,
        role=None if api_key else Role.MEDIATOR,
        # The CV source's key: the only kind of key that writes CVs.
        scopes=frozenset({"cv-source", "cvs:read"}) if api_key else frozenset(),
    )


@pytest.fixture
def jobcentre(database: str) -> factories.Org:
    return factories.org(OrgKind.JOBCENTRE)


@pytest.fixture
def mediator(jobcentre: factories.Org) -> Actor:
    return actor_of(jobcentre, OrgKind.JOBCENTRE)


@pytest.fixture
def cv_source(jobcentre: factories.Org) -> Actor:
    return actor_of(jobcentre, OrgKind.JOBCENTRE, api_key=True)


@pytest.fixture
def akasse(database: str) -> factories.Org:
    return factories.org(OrgKind.AKASSE)


def cv_in(external_id: str, **overrides: Any) -> CvIn:
    """A small valid CV; overrides replace whole fields."""
    data: dict[str, Any] = {
        "external_id": external_id,
        "name": f"Person {external_id}",
        "headline": "Erfaren medarbejder",
        "desired_jobs": [{"title": "lagermedarbejder"}],
        "professional_competences": ["plukning af varer", "truckkørsel"],
        "personal_competences": ["mødestabil"],
        "experience": [{"title": "lagerarbejder", "employer": "Lager A/S", "tasks": "pakning"}],
        "certificates": ["Truckcertifikat B"],
        "languages": [{"language": "dansk", "level": "native"}],
        "driving_licences": ["B"],
        "weekly_hours": 37,
        "postal_code": "8500",
        "max_commute_km": 40,
    }
    data.update(overrides)
    return CvIn.model_validate(data)
