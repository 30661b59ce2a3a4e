"""Offline ranking evaluation: the product against BM25 on the same CV and order texts."""

import csv
import json
import math
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from services.matching.contract import OrderQuery
from services.matching.cvbank.schemas import CvIn
from services.matching.search.text_builder import cv_full_text, order_full_text

Log = Callable[[str], None]
Qrels = dict[str, dict[str, int]]
K_NDCG = 10
K_RECALL = 50


def read_qrels(path: Path) -> Qrels:
    """Lines `order_id cv_id grade` (whitespace separated; `#` starts a comment)."""
    qrels: Qrels = defaultdict(dict)
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3:
            raise ValueError(f"{path}:{n}: expected 'order_id cv_id grade'")
        qrels[parts[0]][parts[1]] = int(parts[2])
    return dict(qrels)


def read_orders(path: Path) -> list[tuple[str, OrderQuery]]:
    """NDJSON lines: an `id` plus the fields of OrderQuery."""
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        order_id = data.pop("id", None)
        if not isinstance(order_id, str):
            raise ValueError(f"{path}:{n}: every order needs a string 'id'")
        out.append((order_id, OrderQuery.model_validate(data)))
    return out


def read_cvs(path: Path) -> list[CvIn]:
    return [CvIn.model_validate_json(line) for line in path.read_text("utf-8").splitlines() if line]


def ndcg(ranked: Sequence[str], grades: dict[str, int], k: int = K_NDCG) -> float:
    """Normalised DCG with gains 2^grade - 1."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def reciprocal_rank(ranked: Sequence[str], grades: dict[str, int]) -> float:
    return next((1.0 / (i + 1) for i, d in enumerate(ranked) if grades.get(d, 0) > 0), 0.0)


def recall(ranked: Sequence[str], grades: dict[str, int], k: int = K_RECALL) -> float:
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def metrics(runs: dict[str, list[str]], qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, MRR and recall@50 over the orders that have judgements."""
    judged = [o for o in runs if qrels.get(o)]
    if not judged:
        return {"ndcg@10": 0.0, "mrr": 0.0, "recall@50": 0.0, "orders": 0}
    return {
        "ndcg@10": round(statistics.fmean(ndcg(runs[o], qrels[o]) for o in judged), 4),
        "mrr": round(statistics.fmean(reciprocal_rank(runs[o], qrels[o]) for o in judged), 4),
        "recall@50": round(statistics.fmean(recall(runs[o], qrels[o]) for o in judged), 4),
        "orders": len(judged),
    }


def bm25_runs(
    cvs: list[CvIn], orders: list[tuple[str, OrderQuery]], k: int = K_RECALL
) -> dict[str, list[str]]:
    """BM25 (bm25s, Lucene variant) over each CV's full text, queried with the order's."""
    import bm25s

    corpus = [cv_full_text(cv) for cv in cvs]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords=None, show_progress=False), show_progress=False
    )
    queries = bm25s.tokenize(
        [order_full_text(o) for _, o in orders], stopwords=None, show_progress=False
    )
    docs, _scores = retriever.retrieve(queries, k=min(k, len(cvs)), show_progress=False)
    return {
        order_id: [cvs[int(j)].external_id for j in row]
        for (order_id, _), row in zip(orders, docs, strict=True)
    }


def read_truth(path: Path) -> dict[str, tuple[str, str]]:
    """`occupations.tsv` of a dev set: each order's true (ESCO uri, ISCO unit group)."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {r["order_id"]: (r["uri"], r["isco_group"]) for r in rows}


LINK_CLASSES = ("right", "same_group", "wrong", "none")


def write_graded_set(
    directory: Path,
    orders: Sequence[dict[str, Any]],
    truth: Sequence[tuple[str, str, str]],
    cvs: Sequence[tuple[str, str, str]],
) -> None:
    """A dev set's orders.ndjson, occupations.tsv and qrels.txt, graded by construction.

    `truth` is each order's (uri, ISCO unit group, title form); `cvs` each CV's
    (external id, uri, ISCO unit group). Grade 2: same ESCO occupation; 1: same unit group.
    """
    with (directory / "orders.ndjson").open("w", encoding="utf-8") as f:
        for order in orders:
            f.write(json.dumps(order, ensure_ascii=False) + "\n")
    with (directory / "occupations.tsv").open("w", encoding="utf-8") as f:
        f.write("order_id\turi\tisco_group\tform\n")
        for order, (uri, isco, form) in zip(orders, truth, strict=True):
            f.write(f"{order['id']}\t{uri}\t{isco}\t{form}\n")
    with (directory / "qrels.txt").open("w", encoding="utf-8") as f:
        f.write("# order_id cv_id grade (2 same ESCO occupation, 1 same ISCO-08 unit group)\n")
        for order, (uri, isco, _form) in zip(orders, truth, strict=True):
            for cv_id, cv_uri, cv_isco in cvs:
                grade = 2 if cv_uri == uri else int(cv_isco == isco)
                if grade:
                    f.write(f"{order['id']} {cv_id} {grade}\n")


def link_class(link: tuple[str, str] | None, truth: tuple[str, str]) -> str:
    """How the title's shown link relates to the true occupation."""
    if link is None:
        return "none"
    if link[0] == truth[0]:
        return "right"
    return "same_group" if link[1] and link[1] == truth[1] else "wrong"


def order_link_classes(
    orders: list[tuple[str, OrderQuery]], truth: dict[str, tuple[str, str]]
) -> dict[str, str]:
    """Each order's link class, from the linker's one shown occupation for its title."""
    from services.matching.occupations.link import link_titles

    links = link_titles([o.title for _, o in orders])
    return {
        order_id: link_class(link, truth[order_id])
        for (order_id, _), link in zip(orders, links, strict=True)
        if order_id in truth
    }


def by_link_class(
    runs: dict[str, list[str]], qrels: Qrels, classes: dict[str, str]
) -> dict[str, dict[str, float]]:
    """The metrics of the orders in each link class."""
    return {
        name: metrics({o: r for o, r in runs.items() if classes.get(o) == name}, qrels)
        for name in LINK_CLASSES
    }


def write_per_order(
    path: Path,
    orders: list[tuple[str, OrderQuery]],
    runs: dict[str, list[str]],
    qrels: Qrels,
    classes: dict[str, str],
) -> None:
    """One JSON line per order: title, link class, nDCG@10 and the ranked CV ids."""
    with path.open("w", encoding="utf-8") as f:
        for order_id, order in orders:
            ranked = runs.get(order_id, [])
            grades = qrels.get(order_id, {})
            line = {
                "id": order_id,
                "title": order.title,
                "link_class": classes.get(order_id),
                "ndcg@10": round(ndcg(ranked, grades), 4),
                "ranking": [{"cv": cv, "grade": grades.get(cv, 0)} for cv in ranked],
            }
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


@contextmanager
def _isolated_installation(workdir: Path) -> Iterator[None]:
    """A throw-away database and index, with tasks in-process, for one evaluation."""
    from services.matching.search import scoring
    from shared import db, migrate
    from shared.settings import get_matching_settings
    from shared.tasks import celery_app

    settings = get_matching_settings()
    url = f"sqlite:///{workdir / 'eval.db'}"
    migrate.upgrade(url)
    db.configure(url)
    old_dir, old_eager = settings.index_dir, celery_app.conf.task_always_eager
    settings.index_dir = workdir / "index"
    celery_app.conf.task_always_eager = True
    scoring.reset_cache()
    try:
        yield
    finally:
        settings.index_dir = old_dir
        celery_app.conf.task_always_eager = old_eager
        scoring.reset_cache()
        db.get_engine().dispose()


@contextmanager
def _weights(semantic: float, lexical: float, requirements: float) -> Iterator[None]:
    from shared.settings import get_matching_settings

    s = get_matching_settings()
    old = (s.weight_semantic, s.weight_lexical, s.weight_requirements)
    s.weight_semantic, s.weight_lexical, s.weight_requirements = semantic, lexical, requirements
    try:
        yield
    finally:
        s.weight_semantic, s.weight_lexical, s.weight_requirements = old


def _product_runs(
    orders: list[tuple[str, OrderQuery]], actor: Any
) -> tuple[dict[str, list[str]], list[float]]:
    from services.matching.search import service
    from shared import db

    runs: dict[str, list[str]] = {}
    latencies: list[float] = []
    for order_id, order in orders:
        with db.unit_of_work() as session:
            started = time.perf_counter()
            page = service.search_for_order(session, actor, order, limit=K_RECALL)
            latencies.append((time.perf_counter() - started) * 1000)
        runs[order_id] = [item.cv.external_id or "" for item in page.items]
    return runs, latencies


def run_ranking_eval(
    cvs_path: Path,
    orders_path: Path,
    qrels_path: Path,
    *,
    ablations: bool = False,
    per_order: Path | None = None,
    truth_path: Path | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Load the CVs into a fresh installation, rank every order, score against the qrels."""
    from services.matching.cvbank import ingest
    from services.matching.index import pipeline
    from shared import db
    from shared.actor import system_actor
    from shared.identity.service import get_or_create_organisation
    from shared.models import OrgKind
    from shared.settings import get_matching_settings

    cvs, orders, qrels = read_cvs(cvs_path), read_orders(orders_path), read_qrels(qrels_path)
    report: dict[str, Any] = {"cvs": len(cvs), "orders": len(orders)}
    report["bm25"] = metrics(bm25_runs(cvs, orders), qrels)
    with (
        tempfile.TemporaryDirectory(prefix="jobbro-eval-") as tmp,
        _isolated_installation(Path(tmp)),
    ):
        with db.unit_of_work() as session:
            org = get_or_create_organisation(
                session, name="Evaluation jobcentre", kind=OrgKind.JOBCENTRE
            )
            actor = system_actor(org, "jobbro eval ranking")
        started = time.perf_counter()
        log(f"ingesting {len(cvs)} CVs (titles are linked to occupations, texts embedded)")
        with db.unit_of_work() as session:
            result = ingest.bulk_upsert(
                session, actor, lines=(cv.model_dump_json().encode() for cv in cvs)
            )
        with db.unit_of_work() as session:
            pipeline.embed_cvs(session)
        report["ingest_seconds"] = round(time.perf_counter() - started, 1)
        if result.failed:
            report["ingest_errors"] = [e.model_dump() for e in result.errors[:10]]
        log(f"ranking {len(orders)} orders")
        runs, latencies = _product_runs(orders, actor)
        report["product"] = metrics(runs, qrels)
        classes: dict[str, str] = {}
        if truth_path is not None and truth_path.is_file():
            classes = order_link_classes(orders, read_truth(truth_path))
            report["product_by_link_class"] = by_link_class(runs, qrels, classes)
        if per_order is not None:
            write_per_order(per_order, orders, runs, qrels, classes)
        report["product_latency_ms"] = {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 1),
        }
        s = get_matching_settings()
        report["weights"] = {
            "semantic": s.weight_semantic,
            "lexical": s.weight_lexical,
            "requirements": s.weight_requirements,
        }
        if ablations:
            report["ablations"] = {}
            for name, w in {
                "semantic only": (1.0, 0.0, 0.0),
                "lexical only": (0.0, 1.0, 0.0),
                "requirements only": (0.0, 0.0, 1.0),
                "without semantic": (0.0, s.weight_lexical, s.weight_requirements),
                "without requirements": (s.weight_semantic, s.weight_lexical, 0.0),
            }.items():
                log(f"ablation: {name}")
                with _weights(*w):
                    ablated = _product_runs(orders, actor)[0]
                report["ablations"][name] = metrics(ablated, qrels)
                if classes:
                    report["ablations"][name]["by_link_class"] = by_link_class(
                        ablated, qrels, classes
                    )
    return report
