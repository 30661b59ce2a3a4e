"""A small installation with personal data that must stay with its organisation.

Jobcentre C works with a-kasser A and B; jobcentre D is another municipality. Each fund
has members in the real CV bank; an order of C is shared with both funds, and each fund's
members on it carry contact notes, hire notes and archive and reversal reasons with
unique markers, so a test can search any answer for another fund's data.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.models import ContactOutcome, Notification
from services.joborders.notes import service as notes
from services.joborders.orders import service as orders
from services.joborders.orders.schemas import OrderCreate
from services.joborders.sharing import service as sharing
from services.joborders.webhooks import service as webhooks
from services.joborders.webhooks.models import WebhookEvent
from services.joborders.webhooks.schemas import SubscriptionIn
from services.matching.cvbank import service as cvbank
from services.matching.cvbank.schemas import ContactIn, CvBody
from shared import db
from shared.actor import Actor, system_actor
from shared.auth import actor_for_api_key, actor_for_user
from shared.identity.service import create_api_key, create_user, get_or_create_organisation
from shared.models import ApiKey, Organisation, OrgKind, Role, User
from tests.factories import PASSWORD, bearer, login_csrf
from tests.security import contact_world

CREDENTIALS = (
    "jobcentre mediator",
    "jobcentre admin",
    "a-kasse A caseworker",
    "a-kasse B caseworker",
    "jobcentre API key",
    "a-kasse A API key",
    "CV-source key",
    "no credentials",
)


@dataclass
class Secrets:
    """Strings that identify one organisation's people: names, ids, notes."""

    strings: set[str] = field(default_factory=set)

    def add(self, *values: object) -> None:
        self.strings.update(str(v) for v in values if v)


@dataclass
class World:
    ids: dict[str, uuid.UUID]
    emails: dict[str, str]
    keys: dict[str, str]
    # What each fund's members and the other jobcentre's case work reveal.
    fund_a: Secrets
    fund_b: Secrets
    centre_d: Secrets
    hidden_cv: Secrets
    # Contact-process cases of a pair (tests/security/contact_world.py).
    case_a_d: Secrets = field(default_factory=Secrets)
    case_b_c: Secrets = field(default_factory=Secrets)

    def forbidden_for(self, credential: str) -> set[str]:
        """What this credential must never receive, in any field of any answer."""
        return self._forbidden(credential) | self._foreign_cases(credential)

    def _foreign_cases(self, credential: str) -> set[str]:
        foreign = set()
        if not credential.startswith("a-kasse A"):
            foreign |= self.case_a_d.strings
        if credential.startswith("a-kasse A") or credential == "no credentials":
            foreign |= self.case_b_c.strings
        return foreign

    def _forbidden(self, credential: str) -> set[str]:
        others = self.centre_d.strings
        if credential.startswith("a-kasse A"):
            return others | self.fund_b.strings | self.hidden_cv.strings
        if credential.startswith("a-kasse B"):
            # The hidden CV is B's own member's: B sees it, nobody else does.
            return others | self.fund_a.strings
        if credential == "no credentials":
            return others | self.fund_a.strings | self.fund_b.strings | self.hidden_cv.strings
        # The jobcentre sees every searchable CV of its area, not the hidden one; its id is
        # no secret to it (its own CV source wrote it, and its audit log says so).
        return others | {s for s in self.hidden_cv.strings if s.startswith("Person ")}


def _org(name: str, kind: OrgKind) -> Organisation:
    with db.unit_of_work() as s:
        org = get_or_create_organisation(
            s, name=name, kind=kind, municipality_code="707" if kind is OrgKind.JOBCENTRE else None
        )
        s.expunge(org)
        return org


def _user(org: Organisation, role: Role, name: str) -> tuple[Actor, str]:
    email = f"{uuid.uuid4().hex[:10]}@example.dk"
    with db.unit_of_work() as s:
        user = create_user(
            s,
            email=email,
            name=name,
            password=PASSWORD,
            organisation=s.get(Organisation, org.id),
            role=role,
        )
        return actor_for_user(user), email


def _key(org: Organisation, name: str) -> tuple[Actor, str]:
    with db.unit_of_work() as s:
        key, plain = create_api_key(s, organisation=s.get(Organisation, org.id), name=name)
        key = s.get(ApiKey, key.id)
        assert key is not None
        return actor_for_api_key(key), plain


def cv_body(name: str, fund: uuid.UUID | None, *, searchable: bool = True) -> CvBody:
    return CvBody.model_validate(
        {
            "name": name,
            "headline": "Lagermedarbejder og truckfører",
            "desired_jobs": [{"title": "lagermedarbejder"}],
            "professional_competences": ["truckkørsel", "plukning af varer"],
            "certificates": ["Truckcertifikat B"],
            "languages": [{"language": "dansk", "level": "native"}],
            "driving_licences": ["B"],
            "weekly_hours": 37,
            "postal_code": "8500",
            "max_commute_km": 50,
            "searchable": searchable,
            "case_facts": {"akasse_organisation_id": str(fund) if fund else None},
        }
    )


def order_data(title: str = "Lagermedarbejder") -> OrderCreate:
    return OrderCreate(
        employer_name="Grenaa Havn A/S",
        contact_name="Karin Holm",
        title=title,
        description="Lagermedarbejder med truckcertifikat.",
        skills=["truckkørsel"],
        certificates=["Truckcertifikat B"],
        driving_licences=["B"],
        positions=2,
        weekly_hours=37,
        workplace_postal_code="8500",
        start_date=date(2027, 1, 4),
    )


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with db.unit_of_work() as s:
        return fn(s, *args, **kwargs)


def _member(
    source: Actor, tag: str, fund: uuid.UUID | None, secrets: Secrets, **kw: Any
) -> uuid.UUID:
    name = f"Person {tag} {uuid.uuid4().hex[:8]}"
    external_id = f"sec-{tag}-{uuid.uuid4().hex[:8]}"
    body = cv_body(name, fund, **kw)
    # Contact details from the CV source: secret to everyone who may not contact the member.
    phone = f"+45 {uuid.uuid4().int % 10**8:08d}"
    email = f"kontakt-{tag.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    body.contact = ContactIn(phone=phone, email=email)
    result = _run(cvbank.upsert_cv, source, external_id=external_id, body=body)
    secrets.add(name, external_id, result.id, phone, email)
    return uuid.UUID(str(result.id))


def _casework(
    by: Actor, owner: Actor, order_id: uuid.UUID, cvs: list[uuid.UUID], tag: str, s: Secrets
) -> list[uuid.UUID]:
    """Propose two members; contact, hire and reverse the first; archive the second."""
    marker = f"{tag}-{uuid.uuid4().hex[:8]}"
    s.add(f"kontaktnote-{marker}", f"ansaettelsesnote-{marker}")
    s.add(f"tilbagefoert-{marker}", f"arkiveret-{marker}", f"forslag-{marker}")
    s.add(f"kandidatnote-{marker}")
    first = _run(
        candidates.add_candidate,
        by,
        order_id=order_id,
        data=CandidateIn(cv_id=cvs[0], note=f"forslag-{marker}"),
    )
    second = _run(candidates.add_candidate, by, order_id=order_id, data=CandidateIn(cv_id=cvs[1]))
    _run(
        candidates.record_contact,
        by,
        order_id=order_id,
        candidate_id=first.id,
        outcome=ContactOutcome.INTERESTED,
        note=f"kontaktnote-{marker}",
    )
    _run(candidates.refer_candidate, owner, order_id=order_id, candidate_id=first.id)
    _run(
        candidates.record_outcome,
        owner,
        order_id=order_id,
        candidate_id=first.id,
        hired=True,
        start_date=date(2027, 1, 4),
        note=f"ansaettelsesnote-{marker}",
    )
    _run(
        candidates.reverse_outcome,
        owner,
        order_id=order_id,
        candidate_id=first.id,
        reason=f"tilbagefoert-{marker}",
    )
    _run(
        candidates.archive_candidate,
        by,
        order_id=order_id,
        candidate_id=second.id,
        reason=f"arkiveret-{marker}",
    )
    _run(
        notes.add_note,
        by,
        order_id=order_id,
        candidate_id=first.id,
        text=f"kandidatnote-{marker}",
    )
    return [first.id, second.id]


def build() -> World:
    """The installation; CVs go through the CV bank service as the CV source writes them."""
    tag = uuid.uuid4().hex[:6]
    c = _org(f"Jobcenter C {tag}", OrgKind.JOBCENTRE)
    d = _org(f"Jobcenter D {tag}", OrgKind.JOBCENTRE)
    a = _org(f"A-kasse A {tag}", OrgKind.AKASSE)
    b = _org(f"A-kasse B {tag}", OrgKind.AKASSE)
    mediator, mediator_email = _user(c, Role.MEDIATOR, "Mette Formidler")
    _, admin_email = _user(c, Role.ADMINISTRATOR, "Allan Administrator")
    worker_a, worker_a_email = _user(a, Role.CASEWORKER, "Anne Sagsbehandler")
    worker_b, worker_b_email = _user(b, Role.CASEWORKER, "Bent Sagsbehandler")
    mediator_d, _ = _user(d, Role.MEDIATOR, "Dorte Formidler")
    _, centre_key = _key(c, "order system")
    _, key_a = _key(a, "case system")
    _, key_b = _key(b, "case system")
    source, source_key = _key(c, "CV source")
    key_d, _ = _key(d, "order system")
    fund_a, fund_b, centre_d, hidden = Secrets(), Secrets(), Secrets(), Secrets()
    members_a = [_member(source, "A", a.id, fund_a) for _ in range(2)]
    members_b = [_member(source, "B", b.id, fund_b) for _ in range(3)]
    _member(source, "hidden", b.id, hidden, searchable=False)
    hidden_cv = next(v for v in hidden.strings if _is_uuid(v))

    shared = _run(orders.create_order, mediator, data=order_data()).id
    _run(sharing.share_order, mediator, order_id=shared, organisation_ids=[a.id, b.id])
    cand_a = _casework(worker_a, mediator, shared, members_a, "A", fund_a)
    cand_b = _casework(worker_b, mediator, shared, members_b[:2], "B", fund_b)
    own_b = _run(orders.create_order, worker_b, data=order_data("Truckfører")).id
    _run(
        candidates.add_candidate,
        worker_b,
        order_id=own_b,
        data=CandidateIn(cv_id=members_b[2], note=f"egen-ordre-B-{tag}"),
    )
    fund_b.add(f"egen-ordre-B-{tag}")
    order_d = _run(orders.create_order, mediator_d, data=order_data("Pakkemedarbejder")).id
    cand_d = _casework(mediator_d, mediator_d, order_d, members_b[:2], "D", centre_d)
    case_a_d, case_b_c = Secrets(), Secrets()
    rec_a_d, int_a_d, found = contact_world.case(
        cv_id=members_a[0], akasse=a.id, jobcentre=d.id, marker=f"AD-{tag}"
    )
    case_a_d.add(*found)
    rec_b_c, int_b_c, found = contact_world.case(
        cv_id=members_b[0], akasse=b.id, jobcentre=c.id, marker=f"BC-{tag}"
    )
    case_b_c.add(*found)
    with db.unit_of_work() as s:
        note = Notification(
            user_id=mediator_d.id, kind="overdue", dedupe_key=f"t:{tag}", message="Overskredet"
        )
        s.add(note)
        s.flush()
        note_d = note.id
    # Another jobcentre's order system listens for events (to a port nobody answers on).
    hook = SubscriptionIn(url="https://127.0.0.1:9/hooks", events=list(WebhookEvent))
    webhook_d = _run(webhooks.create_subscription, key_d, data=hook).id
    return World(
        ids={
            "centre": c.id,
            "akasse_a": a.id,
            "akasse_b": b.id,
            "order_shared": shared,
            "order_own_b": own_b,
            "order_d": order_d,
            "cand_a": cand_a[0],
            "cand_b": cand_b[0],
            "cand_b_archived": cand_b[1],
            "cand_d": cand_d[0],
            "cv_a": members_a[0],
            "cv_b": members_b[0],
            "cv_hidden": uuid.UUID(hidden_cv),
            "notification_d": note_d,
            "key_d": key_d.id,
            "webhook_d": webhook_d,
            "rec_a_d": rec_a_d,
            "int_a_d": int_a_d,
            "rec_b_c": rec_b_c,
            "int_b_c": int_b_c,
        },
        emails={
            "jobcentre mediator": mediator_email,
            "jobcentre admin": admin_email,
            "a-kasse A caseworker": worker_a_email,
            "a-kasse B caseworker": worker_b_email,
        },
        keys={
            "jobcentre API key": centre_key,
            "a-kasse A API key": key_a,
            "a-kasse B API key": key_b,
            "CV-source key": source_key,
        },
        fund_a=fund_a,
        fund_b=fund_b,
        centre_d=centre_d,
        hidden_cv=hidden,
        case_a_d=case_a_d,
        case_b_c=case_b_c,
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def client_as(app: Any, world: World, credential: str) -> tuple[TestClient, dict[str, str]]:
    """A client for the credential and the headers every write needs (CSRF or bearer)."""
    client = TestClient(app, raise_server_exceptions=False)
    if credential in world.keys:
        return client, bearer(world.keys[credential])
    if credential == "no credentials":
        return client, {}
    form = client.post(
        "/login",
        data={
            "email": world.emails[credential],
            "password": PASSWORD,
            "next": "/",
            "csrf_token": login_csrf(client),
        },
        follow_redirects=False,
    )
    assert form.status_code == 303, form.text
    html = client.get("/").text
    marker = '"X-CSRF-Token": "'
    start = html.index(marker) + len(marker)
    return client, {"X-CSRF-Token": html[start : html.index('"', start)]}


def system(organisation_id: uuid.UUID) -> Actor:
    with db.unit_of_work() as s:
        org = s.get(Organisation, organisation_id)
        assert org is not None
        return system_actor(org, "test")


def user_actor(email: str) -> Actor:
    from sqlalchemy import select

    with db.unit_of_work() as s:
        user = s.scalar(select(User).where(User.email == email))
        assert user is not None
        return actor_for_user(user)
