"""Embedding CVs into the FAISS index: incremental, full rebuild and reconcile."""

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.matching.cvbank.schemas import CvContent
from services.matching.index.embedding import get_embedder, text_hash
from services.matching.index.faiss_index import VectorIndex
from services.matching.index.store import get_index_store
from services.matching.models import Cv
from services.matching.search.text_builder import BUILDER_VERSION, cv_embedding_text
from shared.db import unit_of_work, utcnow
from shared.settings import get_matching_settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
PUBLISH_EVERY = 4096


def _meta(model: str, dimension: int) -> dict[str, object]:
    return {"model": model, "dimension": dimension, "builder_version": BUILDER_VERSION}


def _encode(texts: Sequence[str]) -> np.ndarray:
    """Embed texts, each distinct text once (demo and real CVs repeat short profiles)."""
    embedder = get_embedder()
    unique = list(dict.fromkeys(texts))
    vectors = embedder.encode(unique)
    position = {t: i for i, t in enumerate(unique)}
    return vectors[[position[t] for t in texts]]


def embed_cvs(session: Session, cv_ids: Sequence[uuid.UUID] | None = None) -> int:
    """Embed the given (or all) CVs whose indexed vector is missing or stale; returns count."""
    embedder = get_embedder()
    stmt = select(Cv).where((Cv.indexed_hash.is_(None)) | (Cv.indexed_hash != Cv.text_hash))
    if cv_ids is not None:
        stmt = stmt.where(Cv.id.in_(list(cv_ids)))
    cvs = list(session.scalars(stmt.order_by(Cv.vector_id)))
    if not cvs:
        return 0
    batch = max(get_matching_settings().embed_batch_size * 8, 64)
    store = get_index_store()
    meta = _meta(embedder.model_name, embedder.dimension)
    done = 0
    pending: list[tuple[list[Cv], list[str], np.ndarray]] = []

    def publish() -> None:
        # One apply per PUBLISH_EVERY CVs: each is a delta segment (or a compaction),
        # and fewer, larger segments mean fewer fsyncs and files for readers.
        ids = np.concatenate([[cv.vector_id for cv in c] for c, _, _ in pending]).astype(np.int64)
        store.apply(
            add=(ids, np.concatenate([v for _, _, v in pending])),
            meta=meta,
            dimension=embedder.dimension,
        )
        now = utcnow()
        for chunk, texts, _ in pending:
            for cv, text in zip(chunk, texts, strict=True):
                cv.indexed_hash = text_hash(text, embedder.model_name, BUILDER_VERSION)
                cv.indexed_at = now
        session.flush()
        pending.clear()

    for start in range(0, len(cvs), batch):
        chunk = cvs[start : start + batch]
        texts = [cv_embedding_text(CvContent.model_validate(cv.document)) for cv in chunk]
        pending.append((chunk, texts, _encode(texts)))
        done += len(chunk)
        if sum(len(c) for c, _, _ in pending) >= PUBLISH_EVERY:
            publish()
    if pending:
        publish()
    return done


def remove_vectors(vector_ids: Sequence[int]) -> None:
    """Drop vectors of deleted CVs from the index."""
    if not vector_ids or get_index_store().current() is None:
        return
    get_index_store().apply(remove=np.asarray(vector_ids, dtype=np.int64))


def rebuild(progress: Progress | None = None, chunk: int = 512) -> int:
    """Embed every CV into a new index generation and switch to it atomically."""
    embedder = get_embedder()
    with unit_of_work() as session:
        ids = list(session.scalars(select(Cv.id).order_by(Cv.vector_id)))
    index = VectorIndex.create(embedder.dimension, expected_size=len(ids))
    done = 0
    if progress:
        progress(0, len(ids))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with unit_of_work() as session:
            cvs = list(session.scalars(select(Cv).where(Cv.id.in_(part))))
            texts = [cv_embedding_text(CvContent.model_validate(cv.document)) for cv in cvs]
            vectors = _encode(texts)
            index.add(np.asarray([cv.vector_id for cv in cvs], dtype=np.int64), vectors)
            now = utcnow()
            for cv, text in zip(cvs, texts, strict=True):
                cv.indexed_hash = text_hash(text, embedder.model_name, BUILDER_VERSION)
                cv.indexed_at = now
        done += len(part)
        if progress:
            progress(done, len(ids))
    get_index_store().publish(index, _meta(embedder.model_name, embedder.dimension))
    # CVs written during the rebuild may have been embedded into the old generation.
    with unit_of_work() as session:
        reconcile(session)
    return done


@dataclass
class ReconcileReport:
    missing: int
    stale: int
    orphans: int
    embedded: int


def reconcile(session: Session) -> ReconcileReport:
    """Find CVs missing from or stale in the index and vectors of deleted CVs; fix both."""
    embedder_model = get_embedder().model_name
    index = get_index_store().current()
    in_index = set(index.ids().tolist()) if index is not None else set()
    rows = session.execute(select(Cv.id, Cv.vector_id, Cv.document, Cv.indexed_hash)).all()
    missing, stale = [], []
    for cv_id, vector_id, document, indexed in rows:
        expected = text_hash(
            cv_embedding_text(CvContent.model_validate(document)), embedder_model, BUILDER_VERSION
        )
        if vector_id not in in_index:
            missing.append(cv_id)
        elif indexed != expected:
            stale.append(cv_id)
    known = {r.vector_id for r in rows}
    orphans = [v for v in in_index if v not in known]
    if orphans:
        remove_vectors(orphans)
    todo = missing + stale
    if todo:
        # Clear the marks so embed_cvs takes them whatever the stored hashes say.
        for start in range(0, len(todo), 500):
            for cv in session.scalars(select(Cv).where(Cv.id.in_(todo[start : start + 500]))):
                cv.indexed_hash = None
        session.flush()
    embedded = embed_cvs(session, todo) if todo else 0
    return ReconcileReport(len(missing), len(stale), len(orphans), embedded)
