"""The index's lag is visible (`jobbro index status`, /readyz, /metrics) and reconcile ends it."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from services.cli import app as cli
from services.matching.cvbank import service as cvbank
from services.matching.cvbank.schemas import CvBody
from services.matching.index.tasks import reconcile_index
from services.matching.models import Cv
from shared import db
from shared.health import readiness
from shared.models import OrgKind
from shared.settings import get_matching_settings, get_settings
from shared.tasks import publish
from tests import factories
from tests.joborders.helpers import run
from tests.matching.conftest import actor_of


@pytest.fixture(autouse=True)
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "index"
    monkeypatch.setattr(get_matching_settings(), "index_dir", root)
    return root


def _cvs(count: int) -> None:
    source = actor_of(factories.org(OrgKind.JOBCENTRE), OrgKind.JOBCENTRE, api_key=True)
    for n in range(count):
        body = CvBody.model_validate(
            {"name": f"Lag {n}", "headline": f"Kok nummer {n}", "postal_code": "8000"}
        )
        run(cvbank.upsert_cv, source, external_id=f"lag-{n}", body=body)


def _status() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["index", "status"])
    assert result.exit_code == 0, result.output
    status: dict[str, Any] = json.loads(result.stdout)
    return status


def test_the_lag_is_shown_and_reconcile_ends_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cvs(3)  # embedded in-process as they are written
    assert _status()["pending"] == 0
    # As after a worker died: one CV never embedded, one changed since, an hour ago.
    an_hour_ago = db.utcnow() - timedelta(hours=1)
    with db.unit_of_work() as s:
        s.execute(
            update(Cv)
            .where(Cv.external_id == "lag-0")
            .values(indexed_hash=None, updated_at=an_hour_ago)
        )
        s.execute(update(Cv).where(Cv.external_id == "lag-1").values(indexed_hash="old"))
    status = _status()
    assert status["cvs"] == 3
    assert status["pending"] == 2
    assert status["lag"]["missing"] == 1
    assert status["lag"]["stale"] == 1
    assert 3590 < status["lag"]["oldest_pending_seconds"] < 3700

    readiness.clear()
    ready = client.get("/readyz").json()
    assert ready["lag"]["index"]["pending"] == 2
    assert ready["lag"]["index"]["oldest_seconds"] > 3590
    monkeypatch.setattr(get_settings(), "metrics_token", "t" * 20)
    scraped = client.get("/metrics", headers=factories.bearer("t" * 20)).text
    assert 'jobbro_lag_pending{part="index"} 2.0' in scraped

    # What beat and the in-process scheduler run periodically:
    publish("matching.reconcile_index", [], {})
    status = _status()
    assert status["pending"] == 0
    assert status["lag"]["oldest_pending_seconds"] is None
    scraped = client.get("/metrics", headers=factories.bearer("t" * 20)).text
    assert 'jobbro_lag_pending{part="index"} 0.0' in scraped
    assert 'jobbro_tasks_total{outcome="success",task="matching.reconcile_index"}' in scraped
    readiness.clear()


def test_a_reconcile_already_running_is_not_run_beside_it(index_dir: Path) -> None:
    import fcntl

    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / "reconcile.lock").open("a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert reconcile_index.apply().get() == {"skipped": 1}
