"""Small typed factories for test data, committed in their own unit of work."""

import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient

from shared import db
from shared.identity.service import create_api_key, create_user, get_or_create_organisation
from shared.models import OrgKind, Role

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Org:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    email: str
    org: Org


def org(kind: OrgKind = OrgKind.JOBCENTRE, name: str | None = None) -> Org:
    name = name or f"{kind.value} {uuid.uuid4().hex[:6]}"
    with db.unit_of_work() as s:
        o = get_or_create_organisation(
            s, name=name, kind=kind, municipality_code="707" if kind is OrgKind.JOBCENTRE else None
        )
        return Org(o.id, o.name)


def user(organisation: Org, role: Role = Role.MEDIATOR) -> UserInfo:
    email = f"u{uuid.uuid4().hex[:8]}@example.dk"
    with db.unit_of_work() as s:
        o = get_or_create_organisation(s, name=organisation.name, kind=OrgKind.JOBCENTRE)
        u = create_user(
            s, email=email, name=f"Test {role.value}", password=PASSWORD, organisation=o, role=role
        )
        return UserInfo(u.id, email, organisation)


def api_key(organisation: Org) -> str:
    with db.unit_of_work() as s:
        o = get_or_create_organisation(s, name=organisation.name, kind=OrgKind.AKASSE)
        _, plain = create_api_key(s, organisation=o, name="test system")
        return plain


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def login(client: TestClient, u: UserInfo) -> str:
    """Log in through the form; returns the CSRF token for later writes."""
    r = client.post(
        "/login",
        data={
            "email": u.email,
            "password": PASSWORD,
            "next": "/",
            "csrf_token": login_csrf(client),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return _csrf(client)


def login_csrf(client: TestClient) -> str:
    """The CSRF token the login form carries (the login form is protected too)."""
    page = client.get("/login")
    assert page.status_code == 200
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


def _csrf(client: TestClient) -> str:
    html = client.get("/").text
    marker = '"X-CSRF-Token": "'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
