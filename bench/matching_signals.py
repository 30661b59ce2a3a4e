"""Ranking signals of a dev set, per (order, CV), cached on disk for offline experiments.

Loads a dev set (CVs, orders, qrels) into an installation kept under a cache directory
(default /tmp/jobbro-signals/<set>/; reused when it is there, so the slow ingest — title
linking and embedding — is paid once), then reads for every order and every CV that
passes the order's filters the signals `search/scoring.py` combines: title n-gram
cosine, competence n-gram cosine, embedding cosine (FAISS, as the product reads it),
stated requirements and occupation credit; plus the grade. Written as one .npz per set
that `bench/relevance_floor.py` and `bench/embedding_variants.py` read.

    PYTHONPATH=$PWD python bench/matching_signals.py --set synthetic|realistic [--cache DIR]

`rank(signals, order)` re-ranks from the arrays exactly as `_rank` does (same weights,
same floor), so a variant is measured against the product in the same harness.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SETS = {
    "synthetic": REPO / "bench" / "eval_data",
    "realistic": REPO / "bench" / "eval_data" / "realistic",
}
CACHE = Path(os.environ.get("JOBBRO_SIGNALS_CACHE", "/tmp/jobbro-signals"))
FIELDS = ("title", "skill", "semantic", "requirements", "occupation", "has_req", "grade")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _install(root: Path) -> Any:
    """A migrated SQLite installation under `root` (kept), with tasks in-process."""
    from services.matching.search import scoring
    from shared import db, migrate
    from shared.actor import system_actor
    from shared.identity.service import get_or_create_organisation
    from shared.models import OrgKind
    from shared.settings import get_matching_settings
    from shared.tasks import celery_app

    url = f"sqlite:///{root / 'eval.db'}"
    migrate.upgrade(url)
    db.configure(url)
    settings = get_matching_settings()
    settings.index_dir = root / "index"
    settings.persist_snapshot = False
    celery_app.conf.task_always_eager = True
    scoring.reset_cache()
    with db.unit_of_work() as session:
        org = get_or_create_organisation(session, name="Signals", kind=OrgKind.JOBCENTRE)
        return system_actor(org, "ranking signals")


def load(name: str, cache: Path = CACHE) -> Any:
    """The installation of dev set `name`, ingested once; returns the system actor."""
    from services.matching.cvbank import ingest
    from services.matching.index import pipeline
    from shared import db

    root = cache / name
    root.mkdir(parents=True, exist_ok=True)
    done = root / "ingested"
    actor = _install(root)
    if not done.exists():
        log(f"{name}: ingesting (title linking and embedding; slow once)")
        t0 = time.perf_counter()
        with db.unit_of_work() as session:
            ingest.bulk_upsert(
                session, actor, lines=(x.encode() for x in (SETS[name] / "cvs.ndjson").open())
            )
        with db.unit_of_work() as session:
            pipeline.embed_cvs(session)
        done.write_text(f"{time.perf_counter() - t0:.0f} s\n")
    return actor


def signals(session: Any, query: Any) -> dict[str, np.ndarray]:
    """The product's signals for every row that passes the query's filters."""
    from services.matching import policy
    from services.matching.contract import SearchFilters
    from services.matching.search import scoring
    from services.matching.search.bank import cache
    from services.matching.search.filters import filter_mask

    snap = cache.snapshot(session)
    mask, _ = filter_mask(snap, query, SearchFilters(), policy.Visibility(only_ids=None))
    rows = np.flatnonzero(mask)
    requirements, parts = scoring._requirements(snap, query, rows)
    occupation = scoring._occupation(snap, query, rows)
    return {
        "rows": rows,
        "ids": np.asarray([str(snap.ids[r]) for r in rows]),
        "title": scoring._title_lexical(snap, query, rows),
        "skill": scoring._skill_lexical(snap, query, rows)
        if query.fields.skills
        else np.zeros(len(rows)),
        "semantic": scoring._semantic(snap, query, rows),
        "requirements": requirements,
        "occupation": np.zeros(len(rows)) if occupation is None else occupation,
        "has_req": np.full(len(rows), bool(parts)),
        "has_skills": np.full(len(rows), bool(query.fields.skills)),
    }


def dump(name: str, cache: Path = CACHE) -> Path:
    """Signals of every order of set `name` as <cache>/<name>/signals.npz."""
    from sqlalchemy import select

    from services.matching.contract import OrderQuery
    from services.matching.models import Cv
    from services.matching.search.query import SearchQuery, order_occupation
    from services.matching.search.text_builder import order_embedding_text, order_fields
    from services.ml.ranking_eval import read_qrels
    from shared import db

    load(name, cache)
    qrels = read_qrels(SETS[name] / "qrels.txt")
    orders = [json.loads(x) for x in (SETS[name] / "orders.ndjson").read_text("utf-8").splitlines()]
    cols: dict[str, list[np.ndarray]] = {k: [] for k in (*FIELDS, "order", "cv", "has_skills")}
    with db.unit_of_work() as session:
        external = {str(k): v for k, v in session.execute(select(Cv.id, Cv.external_id)).tuples()}
        for n, data in enumerate(orders):
            oid = data.pop("id")
            order = OrderQuery.model_validate(data)
            q = SearchQuery(order_fields(order), order_embedding_text(order),
                            order.postal_code, order, order_occupation(order))  # fmt: skip
            s = signals(session, q)
            ext = [external[i] for i in s["ids"]]
            grades = qrels.get(oid, {})
            for k in ("title", "skill", "semantic", "requirements", "occupation", "has_req",
                      "has_skills"):  # fmt: skip
                cols[k].append(np.asarray(s[k]))
            cols["grade"].append(np.asarray([grades.get(e, 0) for e in ext]))
            cols["order"].append(np.full(len(ext), n))
            cols["cv"].append(np.asarray(ext))
    out = cache / name / "signals.npz"
    np.savez_compressed(out, **{k: np.concatenate(v) for k, v in cols.items()})
    log(f"{name}: {sum(len(x) for x in cols['grade']):,} (order, CV) pairs -> {out}")
    return out


def gibberish_signals(
    name: str, texts: list[str], cache: Path = CACHE
) -> list[dict[str, np.ndarray]]:
    """Title and embedding cosine of free-text queries against every CV of set `name`."""
    from services.matching.search.query import SearchQuery
    from services.matching.search.text_builder import free_text_fields
    from shared import db

    load(name, cache)
    out = []
    with db.unit_of_work() as session:
        for text in texts:
            q = SearchQuery(free_text_fields(text), text, None, None, None)
            out.append(signals(session, q))
    return out


def weights() -> tuple[float, float, float]:
    from shared.settings import get_matching_settings

    s = get_matching_settings()
    return s.weight_semantic, s.weight_lexical, s.weight_requirements


def scores(d: dict[str, np.ndarray], semantic: np.ndarray | None = None) -> np.ndarray:
    """`_rank`'s score per pair (no pruning: it never changes the page)."""
    from services.matching.search.scoring import TITLE_SHARE

    w_sem, w_lex, w_req = weights()
    sem = d["semantic"] if semantic is None else semantic
    share = np.where(d["has_skills"], TITLE_SHARE, 1.0)
    w_r = np.where(d["has_req"], w_req, 0.0)
    total = w_sem + w_lex + w_r + w_req
    lexical = share * d["title"] + (1 - share) * d["skill"]
    return (
        w_sem * sem + w_lex * lexical + w_r * d["requirements"] + w_req * d["occupation"]
    ) / total


def ndcg_per_order(
    d: dict[str, np.ndarray], score: np.ndarray, keep: np.ndarray, k: int = 10
) -> np.ndarray:
    """nDCG@k per order of the pairs kept, ranked by `score` (ideal over all judged CVs)."""
    out = []
    gain = 2.0 ** d["grade"] - 1
    for o in np.unique(d["order"]):
        sel = d["order"] == o
        g_all = np.sort(gain[sel])[::-1][:k]
        idcg = float((g_all / np.log2(np.arange(2, len(g_all) + 2))).sum())
        if idcg == 0:
            continue
        m = sel & keep
        top = gain[m][np.argsort(-score[m], kind="stable")][:k]
        out.append(float((top / np.log2(np.arange(2, len(top) + 2))).sum()) / idcg)
    return np.asarray(out)


def read(name: str, cache: Path = CACHE) -> dict[str, np.ndarray]:
    path = cache / name / "signals.npz"
    if not path.exists():
        dump(name, cache)
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), required=True)
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    d = read(args.set, args.cache)
    from services.matching.search import relevance

    keep = (
        (d["title"] >= relevance.MIN_TITLE)
        | (d["semantic"] >= relevance.MIN_SEMANTIC)
        | (d["occupation"] >= relevance.MIN_OCCUPATION)
    )
    ndcg = round(float(ndcg_per_order(d, scores(d), keep).mean()), 4)
    print(json.dumps({"set": args.set, "pairs": len(d["grade"]), "ndcg@10": ndcg}))


if __name__ == "__main__":
    main()
