"""Contact details on a CV: accepted and validated at upsert, kept out of the CV content,
the CV read and the embedded text, and handed out only through the contact read."""

import json
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.matching.client import InProcessMatchingClient
from services.matching.cvbank import service
from services.matching.cvbank.contact_model import CvContact
from services.matching.cvbank.schemas import CvBody, CvContent
from services.matching.models import Cv
from services.matching.search.text_builder import cv_embedding_text
from shared import db
from shared.errors import Forbidden
from shared.models import AuditEvent, OrgKind
from tests import factories
from tests.matching.conftest import actor_of, cv_in

NDJSON = {"Content-Type": "application/x-ndjson"}
PHONE = "+45 86 32 12 34"


def _body(**contact: object) -> dict[str, object]:
    body = cv_in("kontakt-1").model_dump(mode="json", exclude={"external_id"})
    return {**body, "contact": contact}


@pytest.mark.parametrize(
    "contact",
    [{"phone": "12"}, {"phone": "ring mig"}, {"email": "ikke-en-mail"}, {"fax": "12345678"}],
)
def test_bad_contact_details_are_422(client: TestClient, contact: dict[str, str]) -> None:
    auth = factories.bearer(factories.api_key(factories.org(OrgKind.JOBCENTRE)))
    r = client.put("/api/matching/cvs/by-external-id/k-bad", json=_body(**contact), headers=auth)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_contact_details_are_stored_apart_and_read_only_through_the_contact_read(
    client: TestClient,
) -> None:
    centre = factories.org(OrgKind.JOBCENTRE)
    auth = factories.bearer(factories.api_key(centre))
    body = _body(phone=PHONE, email="Mette@Example.dk")
    r = client.put("/api/matching/cvs/by-external-id/kontakt-1", json=body, headers=auth)
    assert r.status_code == 200, r.text
    cv_id = uuid.UUID(r.json()["id"])
    service.drain_background()
    # Not in the CV read, not in the stored document, not in the text that is embedded.
    read = client.get(f"/api/matching/cvs/{cv_id}", headers=auth)
    assert read.status_code == 200
    assert PHONE not in read.text
    assert "mette@" not in read.text
    with db.unit_of_work() as s:
        cv = s.scalars(select(Cv).where(Cv.id == cv_id)).one()
        assert "contact" not in cv.document
        assert PHONE not in cv_embedding_text(CvContent.model_validate(cv.document))
        row = s.get(CvContact, cv_id)
        assert row is not None
        assert (row.phone, row.email) == (PHONE, "mette@example.dk")
    # Nobody reads it over HTTP without acting through the job-order service.
    direct = client.get(f"/api/matching/cvs/{cv_id}/contact", headers=auth)
    assert direct.status_code == 403
    # In process (the job-order service, after its contact rule): read and audited.
    mediator = actor_of(centre, OrgKind.JOBCENTRE)
    details = InProcessMatchingClient().get_cv_contact(mediator, cv_id)
    assert details.phone == PHONE
    with db.unit_of_work() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "cv.contact.read"))


def test_another_akasse_gets_no_contact_details(client: TestClient) -> None:
    centre = factories.org(OrgKind.JOBCENTRE)
    fund, other = factories.org(OrgKind.AKASSE), factories.org(OrgKind.AKASSE)
    source = actor_of(centre, OrgKind.JOBCENTRE, api_key=True)
    body = cv_in("kontakt-2").model_dump(mode="json", exclude={"external_id"})
    body["case_facts"] = {"akasse_organisation_id": str(fund.id)}
    body["contact"] = {"phone": PHONE}
    with db.unit_of_work() as s:
        cv_id = service.upsert_cv(
            s, source, external_id="kontakt-2", body=CvBody.model_validate(body)
        ).id
    service.drain_background()
    client_ = InProcessMatchingClient()
    assert client_.get_cv_contact(actor_of(fund, OrgKind.AKASSE), cv_id).phone == PHONE
    with pytest.raises(Forbidden):
        client_.get_cv_contact(actor_of(other, OrgKind.AKASSE), cv_id)


def test_bulk_lines_carry_contact_details(client: TestClient) -> None:
    auth = factories.bearer(factories.api_key(factories.org(OrgKind.JOBCENTRE)))
    line = json.dumps({**_body(email="a@b.dk"), "external_id": "kontakt-3"})
    r = client.post("/api/matching/cvs/bulk", content=line + "\n", headers={**auth, **NDJSON})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    service.drain_background()
    with db.unit_of_work() as s:
        cv = s.scalars(select(Cv).where(Cv.external_id == "kontakt-3")).one()
        row = s.get(CvContact, cv.id)
        assert row is not None
        assert row.email == "a@b.dk"
