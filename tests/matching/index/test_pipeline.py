"""The index follows the CV bank: incremental embedding, rebuild and reconcile."""

import numpy as np
from sqlalchemy import select

from services.matching.cvbank import service
from services.matching.cvbank.schemas import CvBody
from services.matching.index import pipeline
from services.matching.index.store import get_index_store
from services.matching.models import Cv
from shared import db
from shared.actor import Actor
from tests.matching.conftest import cv_in


def _upsert(actor: Actor, ext: str, **fields: object) -> None:
    body = CvBody.model_validate(cv_in(ext, **fields).model_dump(exclude={"external_id"}))
    with db.unit_of_work() as s:
        service.upsert_cv(s, actor, external_id=ext, body=body)


def _index_ids() -> set[int]:
    index = get_index_store().current()
    return set(index.ids().tolist()) if index is not None else set()


def _vector_ids() -> set[int]:
    with db.unit_of_work() as s:
        return set(s.scalars(select(Cv.vector_id)))


def test_ingest_embeds_after_commit_and_delete_removes(cv_source: Actor) -> None:
    _upsert(cv_source, "i1")
    _upsert(cv_source, "i2", desired_jobs=[{"title": "kok"}])
    assert _index_ids() == _vector_ids()
    with db.unit_of_work() as s:
        service.delete_cv(s, cv_source, external_id="i1")
    assert _index_ids() == _vector_ids()
    assert len(_index_ids()) == 1


def test_rebuild_writes_a_new_generation_with_every_cv(cv_source: Actor) -> None:
    for i in range(3):
        _upsert(cv_source, f"r{i}", desired_jobs=[{"title": f"tømrer {i}"}])
    before = get_index_store().current_generation()
    seen: list[tuple[int, int]] = []
    assert pipeline.rebuild(progress=lambda done, total: seen.append((done, total))) == 3
    assert get_index_store().current_generation() != before
    assert seen[-1] == (3, 3)
    assert _index_ids() == _vector_ids()
    index = get_index_store().current()
    assert index is not None
    assert index.meta["builder_version"]
    assert index.meta["model"]


def test_reconcile_fixes_missing_stale_and_orphaned_vectors(cv_source: Actor) -> None:
    for i in range(3):
        _upsert(cv_source, f"c{i}", desired_jobs=[{"title": f"elektriker {i}"}])
    vids = sorted(_vector_ids())
    store = get_index_store()
    index = store.current()
    assert index is not None
    # Lose one vector, and leave one that belongs to no CV.
    store.apply(remove=np.asarray([vids[0]]))
    store.apply(add=(np.asarray([12345]), np.ones((1, index.dimension), np.float32) / 20))
    with db.unit_of_work() as s:
        stale = s.scalars(select(Cv).where(Cv.vector_id == vids[1])).one()
        stale.indexed_hash = "0" * 64
    with db.unit_of_work() as s:
        report = pipeline.reconcile(s)
    assert (report.missing, report.stale, report.orphans, report.embedded) == (1, 1, 1, 2)
    assert _index_ids() == _vector_ids()
    with db.unit_of_work() as s:
        again = pipeline.reconcile(s)
    assert (again.missing, again.stale, again.orphans) == (0, 0, 0)
