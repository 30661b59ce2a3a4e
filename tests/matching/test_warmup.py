"""Start-up warm-up and the saved copy of the in-memory CV bank."""

from fastapi.testclient import TestClient

from services.matching import warmup
from services.matching.contract import OrderQuery
from services.matching.cvbank import service
from services.matching.cvbank.schemas import CvBody
from services.matching.search import scoring
from services.matching.search import service as search_service
from services.matching.search.bank import cache
from shared import db
from shared.actor import Actor
from tests.matching.conftest import cv_in


def _upsert(source: Actor, ext: str, title: str) -> None:
    fields = {"desired_jobs": [{"title": title}]}
    body = CvBody.model_validate(cv_in(ext, **fields).model_dump(exclude={"external_id"}))
    with db.unit_of_work() as s:
        service.upsert_cv(s, source, external_id=ext, body=body)


def _titles(mediator: Actor, title: str) -> list[str]:
    with db.unit_of_work() as s:
        page = search_service.search_for_order(s, mediator, OrderQuery(title=title))
    return [c.cv.external_id for c in page.items]


def test_warm_up_builds_and_saves_the_bank_and_a_restart_reads_it(
    cv_source: Actor, mediator: Actor, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _upsert(cv_source, "a", "lagermedarbejder")
    scoring.reset_cache()
    result = warmup.run()
    assert result["status"] == "ready"
    assert result["cvs"] == 1
    assert result["saved"]

    # A "restart": no snapshot in memory, and building one from the database is refused,
    # so the search can only succeed by reading the saved copy.
    scoring.reset_cache()

    def no_rebuild(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("rebuilt from the database instead of loading the saved bank")

    monkeypatch.setattr(cache, "build_rows", no_rebuild)
    assert _titles(mediator, "lagermedarbejder") == ["a"]


def test_a_saved_bank_that_is_behind_the_database_is_patched(
    cv_source: Actor, mediator: Actor
) -> None:
    for i in range(5):
        _upsert(cv_source, f"w{i}", "lagermedarbejder")
    scoring.reset_cache()
    assert warmup.run()["status"] == "ready"
    _upsert(cv_source, "cook", "kok")
    with db.unit_of_work() as s:
        service.delete_cv(s, cv_source, external_id="w0")
    scoring.reset_cache()
    assert _titles(mediator, "kok")[0] == "cook"
    assert "w0" not in _titles(mediator, "lagermedarbejder")


def test_the_server_warms_up_only_when_configured(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from services.app import create
    from shared.settings import get_matching_settings

    started: list[bool] = []
    monkeypatch.setattr(warmup, "start", lambda: started.append(True))
    with TestClient(create()):
        pass
    assert started == []
    monkeypatch.setenv("JOBBRO_MATCHING_WARM_UP", "1")
    get_matching_settings.cache_clear()
    try:
        with TestClient(create()):
            pass
    finally:
        get_matching_settings.cache_clear()
    assert started == [True]
