"""Role × operation matrix: every credential kind against every API operation and UI page.

Each request targets objects of another organisation (another fund's candidates and CVs,
another jobcentre's order, another person's notification and key). Every answer (body and
headers) is searched for the other organisations' members' names, ids and notes. The counts
are printed; the test fails on any leak, on a server error, or if a route was left out.
"""

import itertools
import json
import re
import time
import uuid
from collections import Counter
from typing import Any
from urllib.parse import unquote_plus

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.security import world as worlds

# Bodies that get past validation into the authorisation checks, per route (method, path).
_REASON = {"reason": "test"}


def _bodies(w: worlds.World) -> dict[tuple[str, str], dict[str, Any]]:
    ids = w.ids
    cv_body = worlds.cv_body("Overskrevet Navn", ids["akasse_b"]).model_dump(mode="json")
    return {
        ("POST", "/api/orders"): worlds.order_data().model_dump(mode="json"),
        ("PATCH", "/api/orders/{order_id}"): {"title": "Ændret"},
        ("PUT", "/api/orders/{order_id}/employer-contact"): {"contact_name": "X"},
        ("POST", "/api/orders/{order_id}/status"): {"status": "inactivated", "reason": "x"},
        ("POST", "/api/orders/{order_id}/owner"): {"user_id": str(uuid.uuid4()), **_REASON},
        ("POST", "/api/orders/{order_id}/owners"): {"user_id": str(uuid.uuid4()), **_REASON},
        ("POST", "/api/orders/{order_id}/forward"): {
            "jobcentre_id": str(ids["centre"]),
            **_REASON,
        },
        ("POST", "/api/orders/{order_id}/shares"): {
            "organisation_ids": [str(ids["akasse_a"]), str(ids["akasse_b"])]
        },
        ("POST", "/api/orders/{order_id}/candidates"): {"cv_id": "{cv_id}"},
        ("POST", "/api/orders/{order_id}/candidates/{candidate_id}/contact"): {
            "outcome": "interested",
            "note": "x",
        },
        ("POST", "/api/orders/{order_id}/candidates/{candidate_id}/outcome"): {"hired": False},
        ("POST", "/api/orders/{order_id}/candidates/{candidate_id}/reverse"): _REASON,
        ("POST", "/api/orders/{order_id}/candidates/{candidate_id}/archive"): _REASON,
        ("POST", "/api/apikeys"): {"name": "matrix"},
        ("PUT", "/api/matching/cvs/by-external-id/{external_id}"): cv_body,
        ("POST", "/api/matching/search/order"): {
            "order": {"title": "lagermedarbejder", "postal_code": "8500"},
            "limit": 100,
        },
        ("POST", "/api/matching/search/text"): {"text": "{name}", "limit": 100},
        ("POST", "/kandidater/tilfoej"): {"order_id": "{order_id}", "cv_id": "{cv_id}"},
        ("POST", "/jobordrer/{order_id}/kandidater"): {"cv_id": "{cv_id}"},
        ("POST", "/jobordrer/{order_id}/kandidater/{candidate_id}/kontakt"): {
            "outcome": "interested"
        },
        ("POST", "/jobordrer/{order_id}/kandidater/{candidate_id}/tilbagefoer"): _REASON,
        ("POST", "/jobordrer/{order_id}/kandidater/{candidate_id}/arkiver"): _REASON,
        # Another fund's member: recommending one's own hidden member is case work that
        # rightly shows the name to that member's jobcentre.
        ("POST", "/api/recommendations"): {**_RECOMMENDATION, "cv_id": "{foreign_cv}"},
        ("PUT", "/api/recommendations/{recommendation_id}"): {
            **_RECOMMENDATION,
            "cv_id": "{foreign_cv}",
        },
        ("POST", "/api/recommendations/{recommendation_id}/decision"): {
            "decision": "refused",
            **_REASON,
        },
        ("POST", "/api/interviews/{interview_id}/proposal"): {
            "times": ["2030-01-02T09:00:00+00:00"]
        },
        ("POST", "/api/interviews/{interview_id}/confirmation"): {
            "meeting_at": "2030-01-02T09:00:00+00:00"
        },
        ("POST", "/api/interviews/{interview_id}/move"): {
            "meeting_at": "2030-01-02T09:00:00+00:00",
            **_REASON,
        },
        ("POST", "/api/interviews/{interview_id}/cancellation"): _REASON,
        ("POST", "/samarbejde/indstillinger/{rec_id}/afgoerelse"): {
            "decision": "refused",
            **_REASON,
        },
        ("POST", "/samarbejde/samtaler/{interview_id}/tider"): {"time1": "2030-01-02T10:00"},
        ("POST", "/samarbejde/samtaler/{interview_id}/aflys"): _REASON,
        # Notes, bulk actions (w3-uicand).
        ("POST", "/api/orders/{order_id}/notes"): {"text": "matrix"},
        ("POST", "/api/orders/{order_id}/candidates/{candidate_id}/notes"): {"text": "matrix"},
        ("POST", "/jobordrer/{order_id}/noter"): {"text": "matrix"},
        ("POST", "/jobordrer/{order_id}/kandidater/{candidate_id}/noter"): {"text": "matrix"},
        ("POST", "/jobordrer/{order_id}/kandidater/samlet"): {
            "kandidat": "{candidate_id}",
            "handling": "contact:interested",
            "bekraeft": "ja",
        },
    }


_RECOMMENDATION = {
    "offer_kind": "guidance",
    "offer_title": "Truckcertifikat",
    "start_date": "2030-01-07",
    "end_date": "2030-01-18",
    "weekly_hours": 37,
    "price": "8500.00",
    "provider_name": "AMU",
    "provider_address": "Kystvejen 1, 8500 Grenaa",
    "provider_email": "amu@example.dk",
    "provider_phone": "86320000",
    "justification": "Lagerjob",
    "motivation": "Lager",
    "caseworker_phone": "70101010",
}


# Query strings that make a page or search actually return people.
_QUERIES = {
    "/kandidater": "q={name}",
    "/api/matching/search/text": "",
    "/jobordrer/{order_id}/find-kandidater": "side=1",
    "/api/orders": "view=all",
    "/api/orders/{order_id}/candidates": "include_archived=true",
    "/api/occupations/normalize": "",
    "/samarbejde/indstillinger/ny": "cv={cv_id}&soeg={name}",
}


def _targets(w: worlds.World, credential: str) -> dict[str, list[str]]:
    """Objects of another organisation, per path parameter, for this credential."""
    ids = w.ids
    a_kasse_a = credential.startswith("a-kasse A")
    if credential.startswith("a-kasse A"):
        # The shared order is visible to A; everything of B on it is not.
        orders = [ids["order_shared"], ids["order_own_b"], ids["order_d"]]
        candidates = [ids["cand_b"], ids["cand_b_archived"], ids["cand_d"]]
        cvs = [ids["cv_b"], ids["cv_hidden"]]
        names = sorted(s for s in w.fund_b.strings if s.startswith("Person "))
    elif credential.startswith("a-kasse B"):
        orders = [ids["order_shared"], ids["order_d"]]
        candidates = [ids["cand_a"], ids["cand_d"]]
        cvs = [ids["cv_a"], ids["cv_hidden"]]
        names = sorted(s for s in w.fund_a.strings if s.startswith("Person "))
    else:
        # Jobcentre credentials see their area; the other jobcentre's case work is foreign.
        orders = [ids["order_d"]]
        candidates = [ids["cand_d"]]
        cvs = [ids["cv_hidden"]]
        # Searching by the hidden member's name would put it in the jobcentre's own audit
        # log, which its administrator reads; any name will do for the search pages.
        names = []
    external = [s for s in (w.fund_b.strings | w.fund_a.strings) if s.startswith("sec-")][:1]
    return {
        "order_id": [str(o) for o in orders],
        "candidate_id": [str(c) for c in candidates],
        "cv_id": [str(c) for c in cvs],
        "notification_id": [str(ids["notification_d"])],
        "key_id": [str(ids["key_d"])],
        "subscription_id": [str(ids["webhook_d"])],
        # Jobcentre systems and administrators may write CVs; a throwaway id keeps the
        # matrix from overwriting or deleting a member's CV (which would move it between
        # funds and make the later rows meaningless).
        "external_id": external if credential.startswith(("a-kasse", "no ")) else ["sec-x"],
        "name": names[:1] or ["Person"],
        # Contact-process cases of a pair the credential is no party to.
        "recommendation_id": [str(ids["rec_b_c" if a_kasse_a else "rec_a_d"])],
        "rec_id": [str(ids["rec_b_c" if a_kasse_a else "rec_a_d"])],
        "interview_id": [str(ids["int_b_c" if a_kasse_a else "int_a_d"])],
        "foreign_cv": [str(ids["cv_b" if a_kasse_a else "cv_a"])],
    }


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, through included routers."""

    def walk(routes: list[Any], prefix: str = "") -> Any:
        for r in routes:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes, prefix + r.include_context.prefix)
            elif getattr(r, "methods", None):
                for method in sorted(r.methods - {"HEAD"}):
                    yield method, prefix + r.path

    found = sorted(set(walk(app.routes)))
    # Logout ends the session: it goes last, so every other request runs logged in.
    return sorted(found, key=lambda mp: mp[1] == "/logout")


_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _fill(template: str, values: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: values[m.group(1)], template)


def _expansions(path: str, body: Any, targets: dict[str, list[str]]) -> list[dict[str, str]]:
    names = set(_PARAM.findall(path)) | set(_PARAM.findall(json.dumps(body) if body else ""))
    names |= set(_PARAM.findall(_QUERIES.get(path, "")))
    params = sorted(names)
    return [
        dict(zip(params, combo, strict=True))
        for combo in itertools.product(*(targets[p] for p in params))
    ]


def _request(
    client: TestClient,
    headers: dict[str, str],
    method: str,
    path: str,
    body: Any,
    v: dict[str, str],
) -> Any:
    url = _fill(path, v)
    query = _fill(_QUERIES.get(path, ""), v)
    if query:
        url = f"{url}?{query}"
    payload = json.loads(_fill(json.dumps(body), v)) if body is not None else None
    if path.startswith("/api/matching/cvs/bulk"):
        line = json.dumps({**_bodies_cache["cv"], "external_id": v.get("external_id", "x")})
        return client.request(
            method, url, content=line, headers={**headers, "Content-Type": "application/x-ndjson"}
        )
    if path.startswith("/api") or payload is None:
        return client.request(method, url, json=payload, headers=headers, follow_redirects=False)
    return client.request(method, url, data=payload, headers=headers, follow_redirects=False)


_bodies_cache: dict[str, Any] = {}


def _leaks(response: Any, forbidden: set[str]) -> list[str]:
    """Forbidden strings in the answer that the request did not itself send.

    A problem's `instance` echoes the path and a search page its query; what the caller
    sent is not disclosed to them, so those strings are not counted.
    """
    sent = str(response.request.url) + response.request.content.decode(errors="replace")
    sent = unquote_plus(sent)
    text = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return sorted(s for s in forbidden if s in text and s not in sent)


def test_no_credential_sees_another_organisations_members(app: FastAPI, w: worlds.World) -> None:
    started = time.perf_counter()
    bodies = _bodies(w)
    _bodies_cache["cv"] = bodies[("PUT", "/api/matching/cvs/by-external-id/{external_id}")]
    routes = _routes(app)
    counts: Counter[str] = Counter()
    statuses: dict[str, Counter[int]] = {}
    leaks: list[str] = []
    covered: set[tuple[str, str]] = set()
    for credential in worlds.CREDENTIALS:
        client, headers = worlds.client_as(app, w, credential)
        forbidden = w.forbidden_for(credential)
        targets = _targets(w, credential)
        statuses[credential] = Counter()
        for method, path in routes:
            body = bodies.get((method, path))
            for v in _expansions(path, body, targets):
                response = _request(client, headers, method, path, body, v)
                counts[credential] += 1
                statuses[credential][response.status_code] += 1
                covered.add((method, path))
                assert response.status_code < 500, (credential, method, path, response.text)
                leaks += [
                    f"{credential} {method} {_fill(path, v)}: {s}"
                    for s in _leaks(response, forbidden)
                ]
    elapsed = time.perf_counter() - started
    print(f"\nrole x operation matrix: {len(routes)} routes, {sum(counts.values())} requests")
    for credential in worlds.CREDENTIALS:
        by_status = ", ".join(f"{k}: {n}" for k, n in sorted(statuses[credential].items()))
        print(f"  {credential:22} {counts[credential]:4} requests ({by_status})")
    print(f"  leaks: {len(leaks)}; {elapsed:.1f} s")
    assert covered == set(routes)
    assert leaks == [], "\n".join(leaks[:50])
