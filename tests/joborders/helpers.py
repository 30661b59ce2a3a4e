"""Arranging job-order tests: organisations, people, actors, HTTP clients, a fake matching."""

import json
import secrets
import uuid
from base64 import b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import itsdangerous
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from services.joborders.orders import service as orders
from services.joborders.orders.schemas import OrderCreate
from services.matching.contract import (
    CvSummary,
    OrderQuery,
    RankedCandidate,
    RankedCv,
    RankedPage,
    SearchFilters,
)
from services.matching.cvbank.schemas import ContactOut
from shared import db
from shared.actor import Actor
from shared.auth import actor_for_user
from shared.errors import NotFound
from shared.identity import sessions
from shared.identity.service import create_api_key, get_or_create_organisation
from shared.models import Organisation, OrgKind, Role, User
from shared.security import hash_password
from shared.settings import get_settings

T = TypeVar("T")
_PASSWORD_HASH = hash_password("not used by these tests")


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str


def organisation(kind: OrgKind, municipality_code: str | None = None) -> uuid.UUID:
    with db.unit_of_work() as s:
        org = get_or_create_organisation(
            s,
            name=f"{kind.value} {uuid.uuid4().hex[:8]}",
            kind=kind,
            municipality_code=municipality_code,
        )
        return org.id


def person(organisation_id: uuid.UUID, role: Role = Role.MEDIATOR) -> Person:
    """A user, inserted directly: hashing a password per test would only slow the suite."""
    email = f"p{uuid.uuid4().hex[:10]}@example.dk"
    with db.unit_of_work() as s:
        user = User(
            email=email,
            name=f"{role.value.title()} {email[:6]}",
            password_hash=_PASSWORD_HASH,
            organisation_id=organisation_id,
            role=role,
        )
        s.add(user)
        s.flush()
        return Person(user.id, organisation_id, email)


def actor(p: Person) -> Actor:
    with db.unit_of_work() as s:
        user = s.get(User, p.id)
        assert user is not None
        return actor_for_user(user)


def system_actor(organisation_id: uuid.UUID) -> tuple[Actor, str]:
    """An a-kasse's system client: its actor and its plain API key."""
    with db.unit_of_work() as s:
        org = s.get(Organisation, organisation_id)
        assert org is not None
        key, plain = create_api_key(s, organisation=org, name="case system")
        return (
            Actor(
                kind="api_key",
                id=key.id,
                name=f"{org.name} (case system)",
                organisation_id=org.id,
                organisation_name=org.name,
                organisation_kind=org.kind,
            ),
            plain,
        )


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service function in its own committed unit of work, as a request would."""
    with db.unit_of_work() as s:
        return fn(s, *args, **kwargs)


@dataclass(frozen=True)
class World:
    """A jobcentre with two mediators and an administrator, two a-kasser, an outsider."""

    centre: uuid.UUID
    akasse: uuid.UUID
    akasse2: uuid.UUID
    other_centre: uuid.UUID
    mediator: Person
    mediator2: Person
    centre_admin: Person
    caseworker: Person
    caseworker2: Person
    akasse_admin: Person
    outsider: Person
    akasse2_worker: Person


def world() -> World:
    centre = organisation(OrgKind.JOBCENTRE)
    akasse = organisation(OrgKind.AKASSE)
    akasse2 = organisation(OrgKind.AKASSE)
    other = organisation(OrgKind.JOBCENTRE)
    return World(
        centre=centre,
        akasse=akasse,
        akasse2=akasse2,
        other_centre=other,
        mediator=person(centre),
        mediator2=person(centre),
        centre_admin=person(centre, Role.ADMINISTRATOR),
        caseworker=person(akasse, Role.CASEWORKER),
        caseworker2=person(akasse, Role.CASEWORKER),
        akasse_admin=person(akasse, Role.ADMINISTRATOR),
        outsider=person(other),
        akasse2_worker=person(akasse2, Role.CASEWORKER),
    )


def order_data(**overrides: Any) -> OrderCreate:
    data: dict[str, Any] = {
        "employer_name": "Grenaa Havn A/S",
        "employer_cvr": "12345678",
        "contact_name": "Karin Holm",
        "contact_email": "karin@grenaahavn.dk",
        "contact_phone": "86 32 12 00",
        "title": "Truckfører",
        "description": "Truckfører til havneterminal, skiftende vagter.",
        "skills": ["truckkørsel", "lagerstyring"],
        "certificates": ["truckcertifikat B"],
        "driving_licences": ["B"],
        "languages": ["dansk"],
        "positions": 2,
        "weekly_hours": 37,
        "workplace_postal_code": "8500",
        "start_date": date(2027, 1, 4),
    }
    data.update(overrides)
    return OrderCreate(**data)


def new_order(by: Actor, **overrides: Any) -> uuid.UUID:
    return run(orders.create_order, by, data=order_data(**overrides)).id


class HttpAs:
    """A TestClient logged in as one person (a session row and its signed cookie, no
    login page)."""

    def __init__(self, app: FastAPI, p: Person) -> None:
        self.client = TestClient(app, raise_server_exceptions=False)
        token = secrets.token_urlsafe(16)
        with db.unit_of_work() as s:  # the cookie names a server-side session row
            sid = sessions.start(s, p.id)
        payload = b64encode(json.dumps({"sid": sid, "csrf": token}).encode())
        cookie = itsdangerous.TimestampSigner(get_settings().secret_key).sign(payload).decode()
        self.client.cookies.set("jobbro_session", cookie)
        self.headers = {"X-CSRF-Token": token}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(url, json=json, headers={**self.headers, **(headers or {})})

    def patch(self, url: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.patch(url, json=json, headers={**self.headers, **(headers or {})})

    def put(self, url: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.put(url, json=json, headers={**self.headers, **(headers or {})})


@dataclass
class FakeMatching:
    """The matching contract without the embedding model: CVs registered by the test."""

    cvs: dict[uuid.UUID, CvSummary] = field(default_factory=dict)
    queries: list[OrderQuery] = field(default_factory=list)
    contacts: dict[uuid.UUID, ContactOut] = field(default_factory=dict)

    def add_cv(self, name: str, akasse: uuid.UUID | None) -> uuid.UUID:
        cv_id = uuid.uuid4()
        self.cvs[cv_id] = CvSummary(
            id=cv_id,
            name=name,
            headline=f"{name}, truckfører",
            postal_code="8500",
            akasse_organisation_id=akasse,
        )
        return cv_id

    def get_cv_summary(
        self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None
    ) -> CvSummary:
        if cv_id not in self.cvs:
            raise NotFound("No such CV")
        return self.cvs[cv_id]

    def get_cv_contact(
        self, actor: Actor, cv_id: uuid.UUID, *, session: Session | None = None
    ) -> ContactOut:
        if cv_id not in self.cvs:
            raise NotFound("No such CV")
        return self.contacts.get(cv_id, ContactOut())

    def rank_for_order(
        self,
        actor: Actor,
        order: OrderQuery,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        *,
        session: Session | None = None,
    ) -> RankedPage:
        self.queries.append(order)
        items = [
            RankedCandidate(
                # A search result carries no a-kasse (RankedCv), as the real service's.
                cv=RankedCv(**cv.model_dump(exclude={"akasse_organisation_id"})),
                score=1.0 - i / 100,
                score_parts={},
                matched=[],
                missing=[],
                distance_km=None,
            )
            for i, cv in enumerate(self.cvs.values())
        ]
        return RankedPage(total=len(items), items=items[offset : offset + limit])


def session_count(session: Session, model: Any) -> int:
    from sqlalchemy import func, select

    return session.scalar(select(func.count()).select_from(model)) or 0
