"""An a-kasse's case system, as a client generated from /openapi.json, against a live server."""

import importlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.api.conftest import AKASSE_KEY
from tests.web.conftest import seed_cvs

PACKAGE = "jobbro_api_client"
PROBLEMS = "https://jobbro.dk/problems/"


@pytest.fixture(scope="module")
def client_pkg(api_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """Generate the Python client from the live server's document and import it."""
    generator = shutil.which("openapi-python-client") or str(
        Path(sys.executable).parent / "openapi-python-client"
    )
    if not os.access(generator, os.X_OK):
        pytest.skip("openapi-python-client is not installed: pip install -e '.[dev]'")
    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_bytes(httpx.get(f"{api_server}/openapi.json").content)
    (root / "config.yml").write_text(f"package_name_override: {PACKAGE}\n")
    subprocess.run(
        [generator, "generate", "--path", "openapi.json", "--config", "config.yml",
         "--meta", "none", "--output-path", PACKAGE],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _mod(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_the_akasse_flow_and_its_error_branches(api_server: str, client_pkg: ModuleType) -> None:
    problem_cls = _mod("models").Problem
    models = _mod("models")
    orders = "api.orders."
    akasse = client_pkg.AuthenticatedClient(base_url=api_server, token=AKASSE_KEY)
    run = uuid.uuid4().hex[:8]

    # Create with an Idempotency-Key; the retry answers with the same order.
    body = models.OrderCreate.from_dict(
        {
            "employer_name": "Grenaa Smedie",
            "title": "Lagermedarbejder",
            "skills": ["lagerarbejde", "truckkørsel"],
            "workplace_postal_code": "8500",
            "owner_email": "lars@3f.dk",
            "channel": "email",
        }
    )
    create = _mod(orders + "create_order")
    first = create.sync_detailed(client=akasse, body=body, idempotency_key=f"{run}-create")
    assert first.status_code == 201, first.content
    order = first.parsed
    assert isinstance(order, models.OrderOut)
    assert first.headers["ETag"] == f'"{order.version}"'
    assert first.headers["Location"] == f"/api/orders/{order.id}"
    again = create.sync(client=akasse, body=body, idempotency_key=f"{run}-create")
    assert again.id == order.id

    # The same key for a different request is its own kind of problem.
    other = models.OrderCreate.from_dict({**body.to_dict(), "title": "Smed"})
    reused = create.sync(client=akasse, body=other, idempotency_key=f"{run}-create")
    assert isinstance(reused, problem_cls)
    assert reused.type_ == PROBLEMS + "idempotency-key-reused"
    assert reused.idempotency_key == f"{run}-create"

    # A stale If-Match is refused with the current version; the ETag's version is accepted.
    update = _mod(orders + "update_order")
    stale = update.sync(
        order.id, client=akasse, body=models.OrderUpdate(positions=2), if_match='"99"'
    )
    assert isinstance(stale, problem_cls)
    assert (stale.status, stale.type_) == (412, PROBLEMS + "stale-version")
    assert stale.current_version == order.version
    updated = update.sync_detailed(
        order.id,
        client=akasse,
        body=models.OrderUpdate(positions=2),
        if_match=first.headers["ETag"],
    )
    assert updated.status_code == 200, updated.content
    assert updated.headers["ETag"] == f'"{order.version + 1}"'

    # Forward via JobAG (idempotent too: the retry is the same forward).
    forward = _mod(orders + "forward_order")
    reason = models.ForwardIn(reason="Ingen ledige medlemmer med truckcertifikat")
    forwarded = forward.sync(order.id, client=akasse, body=reason, idempotency_key=f"{run}-fwd")
    assert isinstance(forwarded, models.OrderOut), forwarded
    retried = forward.sync(order.id, client=akasse, body=reason, idempotency_key=f"{run}-fwd")
    assert retried.version == forwarded.version
    own_log = _mod(orders + "get_mediation_log").sync(order.id, client=akasse).items
    assert [type(e).__name__ for e in own_log] == ["CreatedEvent", "UpdatedEvent", "ForwardedEvent"]
    assert own_log[2].data.via == "JobAG"

    # List the orders a jobcentre shared with the a-kasse; propose a member on an open one.
    list_orders = _mod(orders + "list_orders")
    page = list_orders.sync(client=akasse, view=models.ListOrdersView.SHARED, limit=200)
    assert isinstance(page, models.OrderPage), page
    shared = next(o for o in page.items if o.status == models.OrderStatus.IN_PROCESS)
    # The same list page by page, by cursor: every order once.
    seen: list[uuid.UUID] = []
    cursor: Any = client_pkg.types.UNSET
    while True:
        part = list_orders.sync(
            client=akasse, view=models.ListOrdersView.SHARED, limit=2, cursor=cursor
        )
        assert isinstance(part, models.OrderPage), part
        seen += [o.id for o in part.items]
        if not part.next_cursor:
            break
        cursor = part.next_cursor
    assert seen == [o.id for o in page.items]
    matches = _mod("api.candidates.list_matches").sync(shared.id, client=akasse)
    assert isinstance(matches, models.MatchesOut), matches
    assert all(isinstance(m, models.RankedCandidate) for m in matches.items)
    cv_id = uuid.UUID(seed_cvs(api_server)["Ali Hassan"])
    propose = _mod("api.candidates.propose_candidate")
    proposal = models.CandidateIn(cv_id=cv_id, note="Har truckcertifikat")
    candidate = propose.sync(shared.id, client=akasse, body=proposal, idempotency_key=f"{run}-c")
    assert isinstance(candidate, models.CandidateOut), candidate
    twice = propose.sync(shared.id, client=akasse, body=proposal)
    assert isinstance(twice, problem_cls)
    assert (twice.status, twice.type_) == (409, PROBLEMS + "duplicate-candidate")
    assert twice.candidate_id == candidate.id

    # Record contact.
    contact = _mod("api.candidates.record_contact").sync(
        shared.id,
        candidate.id,
        client=akasse,
        body=models.ContactIn(outcome=models.ContactOutcome.INTERESTED, note="Kan starte straks"),
    )
    assert isinstance(contact, models.CandidateOut), contact
    assert contact.status == models.CandidateStatus.CONTACTED

    # Read the log: each event in its own typed shape.
    log = _mod(orders + "get_mediation_log").sync(shared.id, client=akasse).items
    kinds = [type(e).__name__ for e in log]
    assert kinds[:1] == ["CreatedEvent"]
    for wanted in ("SharedEvent", "CandidateAddedEvent", "ContactedEvent"):
        assert wanted in kinds, kinds
    contacted = next(e for e in log if isinstance(e, models.ContactedEvent))
    assert contacted.data.outcome == models.ContactOutcome.INTERESTED
    assert [e.seq for e in log] == sorted(e.seq for e in log)

    # Error branches: no credentials, unknown order, invalid input.
    anonymous = client_pkg.Client(base_url=api_server)
    unauthenticated = _mod(orders + "get_order").sync(order.id, client=anonymous)
    assert isinstance(unauthenticated, problem_cls)
    assert unauthenticated.type_ == PROBLEMS + "unauthenticated"
    missing = _mod(orders + "get_order").sync(uuid.uuid4(), client=akasse)
    assert isinstance(missing, problem_cls)
    assert (missing.status, missing.type_) == (404, PROBLEMS + "not-found")
    assert missing.request_id
    invalid = _mod(orders + "list_orders").sync(client=akasse, limit=500)
    assert isinstance(invalid, problem_cls)
    assert invalid.type_ == PROBLEMS + "validation-failed"
    assert invalid.errors[0].loc == ["query", "limit"]
    bad_cursor = _mod(orders + "list_orders").sync(client=akasse, cursor="not-a-cursor")
    assert isinstance(bad_cursor, problem_cls)
    assert bad_cursor.type_ == PROBLEMS + "validation-failed"

    # Webhooks: an endpoint is registered once, its secret shown then; http is refused.
    webhooks = "api.webhooks."
    hook = models.SubscriptionIn(
        url="https://akasse.example/jobbro",
        events=[models.WebhookEvent.CANDIDATE_HIRED, models.WebhookEvent.ORDER_CLOSED],
    )
    created = _mod(webhooks + "create_webhook").sync(client=akasse, body=hook)
    assert isinstance(created, models.SubscriptionCreated), created
    assert created.secret.startswith("whsec_")
    plain = models.SubscriptionIn(url="http://akasse.example/jobbro", events=hook.events)
    refused = _mod(webhooks + "create_webhook").sync(client=akasse, body=plain)
    assert isinstance(refused, problem_cls)
    assert (refused.status, refused.type_) == (422, PROBLEMS + "validation-failed")
    deliveries = _mod(webhooks + "list_webhook_deliveries").sync(created.id, client=akasse)
    assert isinstance(deliveries, models.DeliveryPage), deliveries
    assert deliveries.items == []
