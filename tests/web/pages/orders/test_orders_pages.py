"""Mine jobordrer (overdue first, filters, paging) and ownership, forwarding and sharing forms."""

import re
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from services.joborders.models import JobOrder
from services.joborders.orders.deadlines import today
from shared import db
from shared.db import utcnow
from shared.models import OrgKind, Role
from tests import factories as f
from tests.web.test_forms import VALID


def _create(client: TestClient, token: str, **changes: str) -> str:
    r = client.post(
        "/jobordrer/ny", data={**VALID, **changes, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def test_overdue_orders_come_first_and_can_be_filtered(client: TestClient) -> None:
    token = f.login(client, f.user(f.org()))
    _create(client, token, title="Rettidig ordre")
    late = _create(client, token, title="Forsinket ordre")
    # Time passes: the order was received a week ago and its deadline is gone.
    with db.unit_of_work() as s:
        s.execute(
            update(JobOrder)
            .where(JobOrder.id == uuid.UUID(late.rsplit("/", 1)[1]))
            .values(
                received_at=utcnow() - timedelta(days=7),
                processing_deadline=today() - timedelta(days=3),
            )
        )
    page = client.get("/jobordrer").text
    assert page.index("Forsinket ordre") < page.index("Rettidig ordre")
    assert "Overskredet" in page
    only = client.get("/jobordrer?overskredet=1").text
    assert "Forsinket ordre" in only
    assert "Rettidig ordre" not in only
    drafts = client.get("/jobordrer?status=inactivated").text
    assert "Ingen jobordrer matcher filtrene." in drafts


def test_long_lists_are_paged(client: TestClient) -> None:
    token = f.login(client, f.user(f.org()))
    for n in range(21):
        _create(client, token, title=f"Ordre nummer {n:02d}")
    first = client.get("/jobordrer").text
    assert "Side 1 af 2 · 21 jobordrer" in first
    assert 'rel="next"' in first
    second = client.get("/jobordrer?side=2").text
    assert "Side 2 af 2" in second
    assert len(re.findall(r"Ordre nummer \d\d</a>", second)) == 1


def test_owner_hands_over_to_a_colleague_who_then_owns_it(client: TestClient) -> None:
    centre = f.org()
    colleague = f.user(centre)
    token = f.login(client, f.user(centre))
    order = _create(client, token)
    page = client.get(order).text
    assert "Overdrag ejerskab" in page
    r = client.post(
        f"{order}/ejer",
        data={"user_id": str(colleague.id), "reason": "", "csrf_token": token},
    )
    assert "Ejerskabet er ikke ændret. Begrundelse: Skal udfyldes." in r.text
    r = client.post(
        f"{order}/ejer",
        data={"user_id": str(colleague.id), "reason": "Ferie", "csrf_token": token},
    )
    assert "er nu formidlingsansvarlig" in r.text
    assert "Overdrag ejerskab" not in r.text  # no longer the owner
    assert "Ny formidlingsansvarlig" in r.text


def test_akasse_forwards_and_the_jobcentre_takes_ownership_from_its_inbox(
    client: TestClient,
) -> None:
    akasse = f.org(OrgKind.AKASSE)
    centre = f.org()
    token = f.login(client, f.user(akasse, Role.CASEWORKER))
    order = _create(client, token, title="Svejser til værksted")
    page = client.get(order).text
    assert "Videreformidl jobordre" in page
    assert "Del jobordre" not in page  # only a jobcentre shares
    r = client.post(
        f"{order}/videreformidl",
        data={"jobcentre_id": str(centre.id), "reason": "Ingen svejsere", "csrf_token": token},
    )
    assert "videreformidlet til jobcentret via JobAG" in r.text
    mediator = f.user(centre)
    token = f.login(client, mediator)
    inbox = client.get("/jobordrer").text
    assert "Indbakke: jobordrer videreformidlet fra a-kasser (1)" in inbox
    assert "Svejser til værksted" in inbox
    assert "Ingen svejsere" in inbox
    version = re.search(r'tag-ejerskab".*?name="version" value="(\d+)"', inbox, re.S)
    assert version
    r = client.post(
        f"{order}/tag-ejerskab", data={"version": version.group(1), "csrf_token": token}
    )
    assert "Du er nu formidlingsansvarlig" in r.text
    assert "Del jobordre" in r.text  # the jobcentre now coordinates and may share
    assert "Indbakke: jobordrer videreformidlet fra a-kasser (0)" in client.get("/jobordrer").text


def test_a_stale_form_is_refused_with_a_danish_explanation(client: TestClient) -> None:
    token = f.login(client, f.user(f.org()))
    order = _create(client, token)
    client.post(f"{order}/status", data={"status": "inactivated", "csrf_token": token})
    r = client.post(
        f"{order}/status", data={"status": "in_process", "version": "1", "csrf_token": token}
    )
    assert r.status_code == 412
    assert "Jobordren er ændret, siden du åbnede den" in r.text
    assert "måske af dig selv i en anden fane" in r.text
