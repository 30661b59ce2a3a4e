"""Calibrate the relevance floor of matching (services/matching/search/relevance.py).

Loads bench/eval_data/ (CVs, orders, graded judgements) into a throw-away installation,
reads for every order and every CV the three topical signals the floor looks at (title
n-gram cosine, embedding cosine, occupation link), and does the same for gibberish and
for real one-word queries. Prints, per threshold pair, the share of judged-relevant CVs
kept and the most CVs any gibberish query keeps, so the floor can be chosen as the
pair that keeps gibberish at 0 while losing the fewest relevant CVs.

    PYTHONPATH=$PWD python bench/relevance_floor.py [--json out.json]
"""

import argparse
import json
import random
import string
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

EVAL = Path(__file__).resolve().parent / "eval_data"
GIBBERISH = ["xkcd qwzzv blørp", "asdfghjkl", "qwertyuiop", "zxcvbnm", "lorem ipsum dolor",
             "hjkl ølkj", "aaaa bbbb", "fnord", "blibbleblob", "kjhgf dsa"]  # fmt: skip


def _random_gibberish(n: int) -> list[str]:
    rng = random.Random(11)
    letters = string.ascii_lowercase + "æøå"
    return [
        " ".join("".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))
                 for _ in range(rng.randint(1, 3)))
        for _ in range(n)
    ]  # fmt: skip


def _install(tmp: Path) -> Any:
    from services.matching.search import scoring
    from shared import db, migrate
    from shared.actor import system_actor
    from shared.identity.service import get_or_create_organisation
    from shared.models import OrgKind
    from shared.settings import get_matching_settings
    from shared.tasks import celery_app

    url = f"sqlite:///{tmp / 'eval.db'}"
    migrate.upgrade(url)
    db.configure(url)
    get_matching_settings().index_dir = tmp / "index"
    celery_app.conf.task_always_eager = True
    scoring.reset_cache()
    with db.unit_of_work() as session:
        org = get_or_create_organisation(session, name="Calibration", kind=OrgKind.JOBCENTRE)
        return system_actor(org, "relevance floor calibration")


def _signals(session: Any, query: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    from services.matching import policy
    from services.matching.contract import SearchFilters
    from services.matching.search import scoring
    from services.matching.search.bank import cache
    from services.matching.search.filters import filter_mask

    snap = cache.snapshot(session)
    mask, _ = filter_mask(snap, query, SearchFilters(), policy.Visibility(only_ids=None))
    rows = np.flatnonzero(mask)
    title = scoring._title_lexical(snap, query, rows)
    semantic = scoring._semantic(snap, query, rows)
    _, parts = scoring._requirements(snap, query, rows)
    occupation = parts.get("occupation", np.zeros(len(rows)))
    return title, semantic, occupation, [snap.ids[r] for r in rows]


def main() -> None:
    from services.matching.contract import OrderQuery
    from services.matching.cvbank import ingest
    from services.matching.index import pipeline
    from services.matching.search import relevance
    from services.matching.search.query import SearchQuery, order_occupation
    from services.matching.search.text_builder import (
        free_text_fields,
        order_embedding_text,
        order_fields,
    )
    from shared import db

    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (EVAL / "qrels.txt").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            o, c, g = line.split()
            qrels[o][c] = int(g)
    orders = [json.loads(x) for x in (EVAL / "orders.ndjson").read_text("utf-8").splitlines()]
    with tempfile.TemporaryDirectory(prefix="jobbro-floor-") as tmp:
        actor = _install(Path(tmp))
        with db.unit_of_work() as session:
            ingest.bulk_upsert(
                session,
                actor,
                lines=(x.encode() for x in (EVAL / "cvs.ndjson").open(encoding="utf-8")),
            )
        with db.unit_of_work() as session:
            pipeline.embed_cvs(session)
        kept: list[tuple[float, float, float, int]] = []  # (title, semantic, occupation, grade)
        gib: list[tuple[np.ndarray, np.ndarray]] = []
        from sqlalchemy import select

        from services.matching.models import Cv

        with db.unit_of_work() as session:
            external = dict(session.execute(select(Cv.id, Cv.external_id)).tuples().all())
            for data in orders:
                oid = data.pop("id")
                order = OrderQuery.model_validate(data)
                q = SearchQuery(order_fields(order), order_embedding_text(order),
                                order.postal_code, order, order_occupation(order))  # fmt: skip
                title, sem, occ, ext = _signals(session, q)
                grades = qrels.get(oid, {})
                kept += [(t, s, o, grades.get(e, 0)) for t, s, o, e in
                         zip(title, sem, occ, [external[i] for i in ext], strict=True)]  # fmt: skip
            for text in GIBBERISH + _random_gibberish(40):
                q = SearchQuery(free_text_fields(text), text, None, None, None)
                title, sem, _occ, _ = _signals(session, q)
                gib.append((title, sem))
    arr = np.asarray(kept)
    rel, irr = arr[arr[:, 3] > 0], arr[arr[:, 3] == 0]
    report: dict[str, Any] = {"relevant": len(rel), "not_relevant": len(irr), "grid": []}

    def kept(rows: np.ndarray, t_title: float, t_sem: float) -> np.ndarray:
        return (rows[:, 0] >= t_title) | (rows[:, 1] >= t_sem) | (rows[:, 2] > 0)

    same = rel[rel[:, 3] == 2]
    for t_title in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
        for t_sem in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
            gib_kept = max(int(((t >= t_title) | (s >= t_sem)).sum()) for t, s in gib)
            report["grid"].append(
                {
                    "title": t_title,
                    "semantic": t_sem,
                    "relevant_kept": round(float(kept(rel, t_title, t_sem).mean()), 4),
                    "grade2_kept": round(float(kept(same, t_title, t_sem).mean()), 4),
                    "not_relevant_dropped": round(float(1 - kept(irr, t_title, t_sem).mean()), 4),
                    "max_gibberish_kept": gib_kept,
                }
            )
    report["gibberish_max_title"] = round(max(float(t.max()) for t, _ in gib), 4)
    report["gibberish_max_semantic"] = round(max(float(s.max()) for _, s in gib), 4)
    report["current"] = {"title": relevance.MIN_TITLE, "semantic": relevance.MIN_SEMANTIC}
    out = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(out)
    print(out)


if __name__ == "__main__":
    main()
