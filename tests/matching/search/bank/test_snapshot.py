"""The in-memory CV bank: appended blocks, patches and dropped rows give the same answers."""

import numpy as np
import pytest
from scipy import sparse

from services.matching.contract import OrderQuery
from services.matching.cvbank import service
from services.matching.cvbank.schemas import CvBody
from services.matching.search import scoring
from services.matching.search import service as search_service
from services.matching.search.bank import cache
from services.matching.search.bank.matrices import TextBlocks
from services.matching.search.bank.text import WordCachedVectorizer
from shared import db
from shared.actor import Actor
from shared.settings import get_matching_settings
from tests.matching.conftest import cv_in


def test_blocks_score_like_one_matrix() -> None:
    rng = np.random.default_rng(3)
    parts = [
        sparse.random(n, 50, density=0.2, format="csr", random_state=rng) for n in (40, 3, 1, 7)
    ]
    parts += [sparse.random(1, 50, density=0.2, format="csr", random_state=rng) for _ in range(20)]
    whole = sparse.vstack(parts, format="csr")
    blocks = TextBlocks(transposed=True)
    for part in parts:
        blocks.append(part)
    # Appending merged small blocks along the way.
    assert len(blocks.blocks) < len(parts)
    assert blocks.rows == whole.shape[0]
    query = sparse.random(1, 50, density=0.5, format="csr", random_state=rng)
    expected = np.asarray((whole @ query.T).toarray()).ravel()
    np.testing.assert_allclose(blocks.score_all(query), expected, rtol=1e-6)
    rows = np.asarray([0, 5, 39, 40, 41, 44, 50, whole.shape[0] - 1])
    np.testing.assert_allclose(blocks.score_rows(query, rows), expected[rows], rtol=1e-6)
    keep = np.arange(whole.shape[0]) % 3 != 0
    kept = blocks.select(keep)
    np.testing.assert_allclose(kept.score_all(query), expected[keep], rtol=1e-6)


def _upsert(source: Actor, ext: str, title: str, skills: list[str]) -> None:
    fields = {"desired_jobs": [{"title": title}], "professional_competences": skills}
    body = CvBody.model_validate(cv_in(ext, **fields).model_dump(exclude={"external_id"}))
    with db.unit_of_work() as s:
        service.upsert_cv(s, source, external_id=ext, body=body)


def _ranked(mediator: Actor, order: OrderQuery) -> list[tuple[str, float]]:
    with db.unit_of_work() as s:
        page = search_service.search_for_order(s, mediator, order, limit=50)
    return [(c.cv.external_id, c.score) for c in page.items]


def test_a_patched_bank_ranks_like_a_rebuilt_one(
    cv_source: Actor, mediator: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "DEAD_SHARE", 0.3)
    monkeypatch.setattr(cache, "REBUILD_SHARE", 0.9)
    titles = ["lagermedarbejder", "truckfører", "kok", "tjener", "buschauffør", "pædagog"]
    skills = [["truckkørsel"], ["pluk og pak", "rengøring"], ["madlavning"], ["kundeservice"]]
    contents = [(titles[i % 6], skills[i % 4]) for i in range(12)]
    for i, (title, held) in enumerate(contents):
        _upsert(cv_source, f"cv{i}", title, held)
    order = OrderQuery(title="lagermedarbejder", skills=["truckkørsel", "pluk og pak"])
    _ranked(mediator, order)
    # Neighbours swap contents one CV at a time, as a CV source sends them, and each
    # search patches the bank. After three rounds the bank holds the same texts as at
    # the start (so a rebuild fits the same IDF), but on other CVs.
    for round_ in range(3):
        for i in range(12):
            title, held = contents[i ^ 1] if round_ % 2 == 0 else contents[i]
            _upsert(cv_source, f"cv{i}", title, held)
            _ranked(mediator, order)
    patched = _ranked(mediator, order)
    snap = cache._cache
    assert snap is not None
    # Replaced rows were dropped along the way, not only flagged.
    assert len(snap.alive) < 12 + 3 * 12
    scoring.reset_cache()
    monkeypatch.setattr(get_matching_settings(), "persist_snapshot", False)
    rebuilt = _ranked(mediator, order)
    assert patched[0][0] in {"cv1", "cv7"}
    assert [e for e, _ in patched] == [e for e, _ in rebuilt]
    np.testing.assert_allclose([x for _, x in patched], [x for _, x in rebuilt], atol=1e-5)


def test_the_word_cached_vectorizer_equals_sklearns() -> None:
    import pickle

    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [
        "Social- og sundhedsassistent | personlig pleje | medicinhåndtering",
        "lagermedarbejder  med\ttruckcertifikat | pluk og pak",
        "kok | madlavning | a | økologi  og   råvarer",
        "",
        "IT-supporter | Windows | kundeservice | kundeservice",
    ]
    params = {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True}
    ours, plain = WordCachedVectorizer(**params), TfidfVectorizer(**params)
    a, b = ours.fit_transform(texts), plain.fit_transform(texts)
    assert ours.vocabulary_ == plain.vocabulary_
    np.testing.assert_allclose(a.toarray(), b.toarray(), rtol=1e-6)
    query = ["sundhedsassistent med truck", "pleje og pak"]
    np.testing.assert_allclose(
        ours.transform(query).toarray(), plain.transform(query).toarray(), rtol=1e-6
    )
    # The word cache is not written with a saved snapshot.
    assert "_word_ngrams" not in pickle.loads(pickle.dumps(ours)).__dict__


def test_cv_writers_do_not_queue_on_the_bank_version(cv_source: Actor, database: str) -> None:
    """PostgreSQL bumps the version at commit: an open transaction holds no lock on it."""
    from sqlalchemy import text

    if not database.startswith("postgresql"):
        pytest.skip("SQLite serialises writers anyway")
    for ext in ("a", "b"):
        _upsert(cv_source, ext, "lagermedarbejder", ["truckkørsel"])
    engine = db.get_engine()
    version = "SELECT version FROM cv_bank_state WHERE id = 1"
    with engine.connect() as c:
        before = c.execute(text(version)).scalar_one()
    rename = text("UPDATE cv SET headline = :h WHERE external_id = :e")
    with engine.connect() as first, engine.connect() as second:
        first.execute(rename, {"h": "first", "e": "a"})
        # With the counter bumped inside the statement, this would wait for `first`
        # (and deadlock once `first` writes "b" below).
        second.execute(text("SET lock_timeout = '2s'"))
        second.execute(rename, {"h": "second", "e": "b"})
        second.commit()
        first.execute(rename, {"h": "first", "e": "b"})
        first.commit()
    with engine.connect() as c:
        assert c.execute(text(version)).scalar_one() == before + 2
