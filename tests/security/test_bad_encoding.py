"""Text that is not UTF-8: a Danish page in the UI, a 422 problem in the API, nothing stored.

Starlette would read `%FF` as U+FFFD, a raw byte as a Latin-1 letter and a bad multipart
field as Latin-1, and store that junk; an escaped lone surrogate in JSON would reach the
database driver and fail there (a 500). `shared/input_encoding.py` refuses all of it.
"""

import json
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.joborders.models import JobOrder
from services.matching.models import Cv
from shared import db
from shared.identity.scopes import CV_SOURCE, CVS_READ, ORDERS
from shared.identity.service import create_api_key, get_or_create_organisation
from shared.models import OrgKind, Role
from tests import factories as f
from tests.web.test_forms import VALID

FORM = "application/x-www-form-urlencoded"


def _orders() -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(JobOrder)) or 0


def _assert_danish_refusal(r: object) -> None:
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    assert "Oplysningerne er ikke gyldige" in r.text  # type: ignore[attr-defined]
    assert "ugyldig UTF-8" in r.text  # type: ignore[attr-defined]
    assert "intet er gemt" in r.text  # type: ignore[attr-defined]


def _form_body(token: str, title: bytes) -> bytes:
    fields = {k: v for k, v in VALID.items() if k != "title"}
    return urlencode({**fields, "csrf_token": token}).encode() + b"&title=" + title


@pytest.mark.parametrize(
    "title",
    [
        b"Lager%FFmedarbejder",  # a percent-encoded byte that is no UTF-8
        b"Lager%C3medarbejder",  # a cut-off sequence
        b"Lager%ED%A0%80",  # an encoded surrogate
        b"Lager\xe6medarbejder",  # a raw Latin-1 byte, read as 'æ' by the parser
    ],
    ids=["ff", "truncated", "surrogate", "raw-latin1"],
)
def test_a_urlencoded_form_with_invalid_utf8_gets_a_danish_page_and_saves_nothing(
    client: TestClient, title: bytes
) -> None:
    token = f.login(client, f.user(f.org()))
    before = _orders()
    r = client.post(
        "/jobordrer/ny",
        content=_form_body(token, title),
        headers={"content-type": FORM},
        follow_redirects=False,
    )
    _assert_danish_refusal(r)
    assert _orders() == before


def test_a_multipart_form_with_invalid_utf8_gets_a_danish_page_and_saves_nothing(
    client: TestClient,
) -> None:
    token = f.login(client, f.user(f.org()))
    before = _orders()
    boundary = "jobbro-boundary"
    parts = [(k, v.encode()) for k, v in {**VALID, "csrf_token": token}.items() if k != "title"]
    parts.append(("title", b"Lager\xff\xfemedarbejder"))
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
            + v
            + b"\r\n"
            for k, v in parts
        )
        + f"--{boundary}--\r\n".encode()
    )
    r = client.post(
        "/jobordrer/ny",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        follow_redirects=False,
    )
    _assert_danish_refusal(r)
    assert _orders() == before


def test_valid_utf8_forms_still_save_danish_letters(client: TestClient) -> None:
    """The guard refuses only what is broken: æøå, urlencoded and multipart, are saved."""
    token = f.login(client, f.user(f.org()))
    r = client.post(
        "/jobordrer/ny",
        data={**VALID, "title": "Rengøringsassistent på Århus Ø", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    r = client.post(
        "/jobordrer/ny",
        data={**VALID, "title": "Kørselsleder", "csrf_token": token},
        files={"ignored": ("note.txt", b"\xff\xfe binary is fine in a file", "text/plain")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with db.unit_of_work() as s:
        titles = set(s.scalars(select(JobOrder.title)))
    assert {"Rengøringsassistent på Århus Ø", "Kørselsleder"} <= titles


def _key(kind: OrgKind, scopes: str) -> tuple[dict[str, str], f.Org]:
    org = f.org(kind)
    with db.unit_of_work() as s:
        o = get_or_create_organisation(s, name=org.name, kind=kind)
        _, plain = create_api_key(s, organisation=o, name="encoding test", scopes=scopes.split())
    return f.bearer(plain), org


@pytest.mark.parametrize(
    "body",
    [
        b'{"employer_name": "Bjerg \xff ApS", "title": "Lager"}',
        b'{"employer_name": "Bjerg ApS", "title": "Lager \\ud800"}',
        b'{"employer_name": "Bjerg ApS", "title": "Lager \\udc00 x"}',
        b'{"employer_name": "Bjerg ApS", "title": "Lager \xed\xa0\x80"}',
    ],
    ids=["invalid-byte", "lone-high-surrogate", "lone-low-surrogate", "encoded-surrogate"],
)
def test_api_json_that_is_not_utf8_is_a_422_problem(client: TestClient, body: bytes) -> None:
    headers, _ = _key(OrgKind.AKASSE, ORDERS)
    before = _orders()
    r = client.post(
        "/api/orders", content=body, headers={**headers, "content-type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"].endswith("/validation-failed")
    assert problem["errors"][0]["type"] == "invalid_utf8"
    assert problem["request_id"]
    assert _orders() == before


def test_api_json_with_a_surrogate_pair_and_escaped_backslashes_is_accepted(
    client: TestClient,
) -> None:
    """A proper pair (an emoji) and a literal backslash-u in text are fine."""
    headers, org = _key(OrgKind.AKASSE, ORDERS)
    owner = f.user(org, Role.CASEWORKER)
    order = {"employer_name": "Bjerg ApS \\ud800", "title": "Lager 🚚", "owner_email": owner.email}
    body = json.dumps(order, ensure_ascii=True).encode()
    assert b"\\ud83d\\ude9a" in body
    assert b"\\\\ud800" in body
    r = client.post(
        "/api/orders", content=body, headers={**headers, "content-type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "Lager 🚚"


def test_a_cv_put_with_invalid_utf8_is_refused_and_a_bulk_line_fails_alone(
    client: TestClient,
) -> None:
    headers, _ = _key(OrgKind.JOBCENTRE, f"{CV_SOURCE} {CVS_READ}")
    r = client.put(
        "/api/matching/cvs/by-external-id/enc-1",
        content=b'{"name": "Hans \xc3"}',
        headers={**headers, "content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    bulk = b"\n".join(
        [
            json.dumps({"external_id": "enc-2", "name": "Karen Ølgaard"}).encode(),
            b'{"external_id": "enc-3", "name": "Bad \xff byte"}',
            b'{"external_id": "enc-4", "name": "Lone \\ud800 surrogate"}',
            json.dumps({"external_id": "enc-5", "name": "Jens Å"}).encode(),
        ]
    )
    r = client.post(
        "/api/matching/cvs/bulk",
        content=bulk,
        headers={**headers, "content-type": "application/x-ndjson"},
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["created"] == 2
    assert sorted(e["line"] for e in result["errors"]) == [2, 3]
    with db.unit_of_work() as s:
        stored = set(s.scalars(select(Cv.external_id)))
    assert {"enc-2", "enc-5"} <= stored
    assert not {"enc-1", "enc-3", "enc-4"} & stored
