"""Schemathesis fuzzes every documented operation: no 5xx, responses match the spec.

Two phases against the demo world (organisations, users, CVs, orders and candidates of
`jobbro demo load`), each with a jobcentre key and an a-kasse key:

- generated requests per operation, half of them aimed at demo ids that exist for the
  caller (a real order, CV, external id and candidate), so deeper code runs;
- the stateful phase: chains of calls that follow the links between operations (an
  order created, then read, edited, shared; a CV put, then read and deleted ...), links
  that schemathesis infers from the schemas' ids.

Every response is checked against the published description (status codes, headers,
content types, bodies) and for server errors. The counts are printed (run with -s).
Runs on SQLite, or on PostgreSQL when JOBBRO_TEST_POSTGRES_URL is set (CI sets it).
"""

import json
import shutil
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlalchemy import select, text

from services.app import create
from services.demo import load as load_demo
from services.demo.identities import DEMO_API_KEYS
from services.joborders.models import Candidate, JobOrder, OrderShare
from services.matching.models import Cv, CvCaseFacts
from services.matching.occupations import normalize
from services.matching.occupations.data import load_occupations
from shared import db
from shared.identity.scopes import LEGACY_SCOPES
from shared.identity.service import create_api_key
from shared.models import Organisation, OrgKind
from tests.conftest import _TABLES_SQL, _TMP


# Typed as returning bytes, but the transports take a dict of request arguments, as here.
@schemathesis.serializer("application/x-ndjson")  # type: ignore[arg-type]
def ndjson(ctx: Any, value: Any) -> dict[str, bytes]:
    """Send generated NDJSON bodies as one JSON document a line."""
    if isinstance(value, bytes):
        return {"data": value}
    if isinstance(value, str):
        return {"data": value.encode()}
    items = value if isinstance(value, list) else [value]
    return {"data": "\n".join(json.dumps(item) for item in items).encode()}


APP = create()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

JOBCENTRE = "Jobcenter Norddjurs"
AKASSE = "3F A-kasse"
# Business rules beyond JSON Schema (a hire needs a start date, a period is at most ten
# years) answer 4xx to schema-valid input by design, so that check is left out.
EXCLUDED = [checks.positive_data_acceptance]


@dataclass
class Counts:
    """What the run sent and got, printed at the end of the module."""

    fuzz: int = 0
    stateful: int = 0
    transitions: int = 0
    linked: int = 0
    scenarios: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)


COUNTS = Counts()


@pytest.fixture(autouse=True, scope="module")
def lexical_normalizer() -> Iterator[None]:
    """Without a warm label cache, title normalisation would embed 43k labels in a request."""
    if normalize._normalizer is not None:
        yield
        return
    normalize.set_normalizer(normalize.TitleNormalizer(load_occupations()))
    yield
    normalize.set_normalizer(None)


@pytest.fixture(scope="module")
def demo_world(database_url: str) -> Iterator[dict[str, tuple[str, dict[str, str]]]]:
    """The demo data in a database of this module's own; per caller its key and demo ids.

    The world is loaded once (the demo embeds its CVs) and every fuzz test writes into it,
    so later tests meet orders in all sorts of states: that is the point.
    """
    if database_url.startswith("postgresql"):
        url = database_url
    else:
        path = _TMP / f"fuzz-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(database_url.removeprefix("sqlite:///"), path)
        url = f"sqlite:///{path}"
    engine = db.configure(url)
    with db.unit_of_work() as s:
        load_demo(s, cvs=40, seed=7)
    with db.unit_of_work() as s:
        orgs = {o.name: o for o in s.scalars(select(Organisation))}
        # The demo's jobcentre key is a CV source only; an order system needs all of it.
        _, jobcentre_key = create_api_key(
            s,
            organisation=orgs[JOBCENTRE],
            name="fuzz order system",
            scopes=LEGACY_SCOPES[OrgKind.JOBCENTRE],
        )
        world = {
            "jobcentre": (jobcentre_key, _seeds(s, orgs[JOBCENTRE])),
            "akasse": (DEMO_API_KEYS[AKASSE], _seeds(s, orgs[AKASSE])),
        }
    yield world
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            tables = [r[0] for r in conn.execute(text(_TABLES_SQL))]
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    db.get_engine().dispose()


def _seeds(s: Any, org: Organisation) -> dict[str, str]:
    """Demo ids the organisation may use: an order it works on, a CV and a candidate."""
    mine = select(JobOrder.id).where(JobOrder.owner_organisation_id == org.id)
    shared_with = select(OrderShare.order_id).where(OrderShare.organisation_id == org.id)
    with_candidates = select(Candidate.order_id)
    order_id = s.scalar(
        select(JobOrder.id)
        .where(JobOrder.id.in_(mine.union(shared_with)), JobOrder.id.in_(with_candidates))
        .order_by(JobOrder.received_at)
    ) or s.scalar(mine.order_by(JobOrder.received_at))
    cvs = select(Cv).order_by(Cv.external_id)
    if org.kind is OrgKind.AKASSE:
        cvs = cvs.join(CvCaseFacts, CvCaseFacts.cv_id == Cv.id).where(
            CvCaseFacts.akasse_organisation_id == org.id
        )
    cv = s.scalar(cvs)
    seeds = {"order_id": str(order_id)}
    if cv is not None:
        seeds |= {"cv_id": str(cv.id), "external_id": cv.external_id}
    candidate = s.scalar(select(Candidate.id).where(Candidate.order_id == order_id))
    if candidate is not None:
        seeds["candidate_id"] = str(candidate)
    return seeds


@pytest.fixture(autouse=True, scope="module")
def print_counts() -> Iterator[None]:
    """Print how many requests each phase sent and what came back (shown with -s)."""
    yield
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(COUNTS.statuses.items()))
    print(
        f"\nschemathesis: {COUNTS.fuzz + COUNTS.stateful} requests to "
        f"{len(COUNTS.operations)} operations ({COUNTS.fuzz} generated per operation, "
        f"{COUNTS.stateful} in {COUNTS.scenarios} stateful scenarios, {COUNTS.transitions} of "
        f"them along a link, {COUNTS.linked} with the linked value applied); server errors: "
        f"{sum(v for k, v in COUNTS.statuses.items() if k >= 500)}, schema violations: 0 "
        f"(any would have failed the run); statuses {{{statuses}}}"
    )


def _aim_at_seeds(case: Any, seeds: dict[str, str]) -> None:
    """Half the cases reach a resource that exists, so deeper code runs, not only 404s."""
    params = case.path_parameters or {}
    if zlib.crc32(repr(sorted(params.items())).encode()) % 2 == 0:
        for name in params:
            if name in seeds:
                params[name] = seeds[name]


def _record(case: Any, status: int) -> None:
    COUNTS.statuses[status] += 1
    COUNTS.operations.add(case.operation.label)


@pytest.fixture(params=["jobcentre", "akasse"])
def caller(
    request: pytest.FixtureRequest, demo_world: dict[str, tuple[str, dict[str, str]]]
) -> tuple[str, dict[str, str]]:
    """A system key of the demo jobcentre or of the demo a-kasse, and its demo ids."""
    return demo_world[request.param]


@schema.parametrize()
# Three per operation and caller (hypothesis adds its explicit and boundary examples):
# a few thousand requests in a minute or two of the CI budget.
@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_generated_input(case: Any, caller: tuple[str, dict[str, str]]) -> None:
    key, seeds = caller
    _aim_at_seeds(case, seeds)
    COUNTS.fuzz += 1
    # The key goes into the case itself (not only the request), so schemathesis re-checks
    # what the case still holds: a "negative" case whose bad header or path id we replaced
    # is no longer negative, and a 200 to it is no failure.
    # Passed to the call as well, so schemathesis knows it is ours, not generated.
    auth = {"Authorization": f"Bearer {key}"}
    case.headers = {**(case.headers or {}), **auth}
    response = case.call(headers=auth)
    _record(case, response.status_code)
    case.validate_response(response, excluded_checks=EXCLUDED, headers=auth)


class _Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Chains of calls along the links between operations, as one caller."""

    key = ""
    seeds: ClassVar[dict[str, str]] = {}

    def setup(self) -> None:
        COUNTS.scenarios += 1

    def step(self, input: Any) -> Any:
        if input.transition is None:
            # A scenario's first call (e.g. contact a candidate) starts at a demo id half
            # the time; later calls take their ids from the answers, along the links.
            _aim_at_seeds(input.case, self.seeds)
        else:
            COUNTS.transitions += 1
            COUNTS.linked += input.is_applied
        return super().step(input)

    def before_call(self, case: Any) -> None:
        case.headers = {**(case.headers or {}), **self._auth()}

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": self._auth()}

    def after_call(self, response: Any, case: Any) -> None:
        super().after_call(response, case)
        COUNTS.stateful += 1
        _record(case, response.status_code)

    def validate_response(
        self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
    ) -> None:
        case.validate_response(
            response,
            excluded_checks=EXCLUDED,
            transport_kwargs=kwargs or None,
            recorder=self.recorder,
        )

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def test_api_stateful_workflows_never_fail(caller: tuple[str, dict[str, str]]) -> None:
    key, seeds = caller
    workflow: Any = type("Workflow", (_Workflow,), {"key": key, "seeds": seeds})
    workflow.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    assert COUNTS.stateful > 0
