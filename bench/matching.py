"""Matching benchmark: ingest embedding throughput, vector search and end-to-end search.

Prints one JSON document on stdout; progress goes to stderr. Not part of the test suite.

    .venv/bin/python bench/matching.py            # full run (~10 minutes on 2 cores)
    .venv/bin/python bench/matching.py --quick    # small run (~1-2 minutes)

Flags:
    --quick              small sizes everywhere (smoke run, numbers are indicative only)
    --sizes 100000,...   vector counts for the index part (default 100000,1000000)
    --queries N          queries per latency/recall measurement (default 300)
    --ingest-texts N     CVs per round of the ingest-throughput part (default 128, 4 rounds)
    --e2e-cvs N          CVs in the database for the end-to-end part (default 100000)
    --skip-ingest / --skip-index / --skip-e2e / --skip-delta   leave a part out
    --delta-size N       vectors in the index for the delta-log part (default 100000)
    --delta-applies N    single-vector applies per mode in the delta-log part (default 100)
    --synthetic          index part on synthetic clustered vectors instead of real label
                         embeddings replicated with noise
    --nprobe N           override the IVF nprobe (tuning; default: the product's)
    --lists-per-sqrt-n F override nlist = F * sqrt(N) (tuning; default: the product's)
    --tags 100000,...    only the tag lookups of a search (occupation links, licences),
                         column-major against the row-major slice of before; seconds
    --million            one-off end-to-end run at 1M CVs (or --e2e-cvs N) instead of
                         everything else: p95, resident memory of the process and the
                         first search; synthetic vectors; not part of `make bench`
"""

import argparse
import contextlib
import gc
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from services.matching.index import faiss_index  # noqa: E402
from services.matching.index import store as index_store  # noqa: E402
from services.matching.index.faiss_index import VectorIndex  # noqa: E402

DIM = 384
K = 50
DATA = REPO / "services" / "matching" / "data"


def log(message: str) -> None:
    """Progress on stderr, so stdout stays one JSON document."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentiles(samples_s: Sequence[float], cpu_s: Sequence[float] = ()) -> dict[str, float]:
    """Wall-clock p50/p95/mean in milliseconds, and the calling thread's CPU time.

    On a shared machine wall time mostly measures the queue for a core; the
    thread's CPU time is close to what the same query costs on an idle one
    (searches and query embeddings run on the calling thread).
    """
    ms = np.asarray(samples_s) * 1000.0
    out = {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }
    if len(cpu_s):
        cpu = np.asarray(cpu_s) * 1000.0
        out["cpu_p50_ms"] = round(float(np.percentile(cpu, 50)), 3)
        out["cpu_p95_ms"] = round(float(np.percentile(cpu, 95)), 3)
    return out


# -- synthetic vectors -------------------------------------------------------------------


def clustered_vectors(n: int, *, seed: int, dim: int = DIM) -> np.ndarray:
    """Unit vectors shaped like sentence embeddings of CVs.

    A shared mean direction (sentence embeddings are anisotropic: unrelated
    texts still have cosine ~0.2), 300 occupation groups, 3,000 occupations
    around them, and individual noise, so that same-occupation pairs sit near
    cosine 0.6 and neighbours are not trivially separable. Uniform random
    vectors would make every approximate index look broken (models.md).
    """
    rng = np.random.default_rng(1234)  # the same "world" for every seed
    mean = rng.standard_normal(dim, dtype=np.float32) * 0.5
    groups = rng.standard_normal((300, dim), dtype=np.float32)
    occupations = groups[rng.integers(0, 300, 3000)] + 0.8 * rng.standard_normal(
        (3000, dim), dtype=np.float32
    )
    occupations += mean
    draw = np.random.default_rng(seed)
    # Occupations are not equally common (Zipf-like), as in a real CV bank.
    weights = 1.0 / np.arange(1, 3001) ** 0.7
    weights /= weights.sum()
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        which = draw.choice(3000, m, p=weights)
        x = occupations[which] + 1.1 * draw.standard_normal((m, dim), dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start : start + m] = x
    return out


def anchor_embeddings() -> tuple[np.ndarray, str]:
    """Real MiniLM embeddings of Danish ESCO occupation labels, and where they came from.

    The title normaliser caches them under <data_dir>/cache/occupations; when that
    cache is missing, 1,500 labels are embedded here (a minute or two).
    """
    from services.matching.occupations.normalize import label_cache_dir

    cached = sorted(label_cache_dir().glob("labels-*.npy"), key=lambda p: p.stat().st_size)
    for path in reversed(cached):
        arr = np.load(path)
        if arr.ndim == 2 and arr.shape[1] == DIM and len(arr) >= 1000:
            return np.ascontiguousarray(arr, dtype=np.float32), f"label cache {path.name}"
    from services.matching.index.embedding import get_embedder

    titles = [t for t, _ in occupation_titles()]
    sample = random.Random(3).sample(titles, min(1500, len(titles)))
    return get_embedder().encode(sample), "embedded here (1,500 ESCO labels)"


def replicated_vectors(anchors: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """CV-like vectors: a real label embedding, part of a second one, and noise.

    Each vector is a Danish occupation label's embedding plus up to 0.6 of
    another label's (people hold more than one job) plus Gaussian noise that
    leaves it near cosine 0.9 to its mix, so it keeps the real embeddings'
    geometry (anisotropy, related occupations close together).
    """
    rng = np.random.default_rng(seed)
    out = np.empty((n, anchors.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        first = anchors[rng.integers(0, len(anchors), m)]
        second = anchors[rng.integers(0, len(anchors), m)]
        weight = rng.uniform(0.0, 0.6, (m, 1)).astype(np.float32)
        noise = rng.standard_normal((m, anchors.shape[1]), dtype=np.float32)
        x = first + weight * second + 0.5 * noise / np.sqrt(anchors.shape[1])
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start : start + m] = x
    return out


def exact_top_k(
    x: np.ndarray, queries: np.ndarray, k: int, rows: np.ndarray | None = None
) -> np.ndarray:
    """Row numbers of the exact top-k by inner product (optionally among `rows` only)."""
    base = x if rows is None else x[rows]
    _, found = faiss.knn(queries, base, k, metric=faiss.METRIC_INNER_PRODUCT)
    return found if rows is None else rows[found]


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-k that the search returned."""
    hits = [
        len(np.intersect1d(f[f >= 0], t[t >= 0])) / max(1, int((t >= 0).sum()))
        for f, t in zip(found, truth, strict=True)
    ]
    return round(float(np.mean(hits)), 4)


def time_queries(
    search: Callable[[np.ndarray], np.ndarray], queries: np.ndarray
) -> tuple[dict[str, float], np.ndarray]:
    """Latency of one query at a time, as the API issues them; returns (stats, ids)."""
    search(queries[:1])  # warm caches and OpenMP threads
    times, cpu, results = [], [], []
    for q in queries:
        c0, t0 = time.thread_time(), time.perf_counter()
        ids = search(q[None, :])
        times.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        results.append(ids[0])
    return percentiles(times, cpu), np.stack(results)


# -- part 1: the vector index ----------------------------------------------------------------


def bench_index(
    size: int, n_queries: int, filters: Sequence[float], anchors: np.ndarray | None
) -> dict[str, Any]:
    """Build the product's index over `size` vectors; latency and recall@50 vs exact."""
    if anchors is None:
        log(f"index: generating {size:,} clustered vectors")
        x = clustered_vectors(size, seed=size)
        queries = clustered_vectors(n_queries, seed=size + 1)
    else:
        log(f"index: generating {size:,} vectors from real label embeddings")
        x = replicated_vectors(anchors, size, seed=size)
        queries = replicated_vectors(anchors, n_queries, seed=size + 1)
    # Sparse 63-bit ids, like the bank's (UUID bits).
    ids = np.sort(np.random.default_rng(size).choice(2**62, size, replace=False)).astype(np.int64)
    result: dict[str, Any] = {"vectors": size, "dimension": DIM, "queries": n_queries}

    log("index: exact ground truth")
    t0 = time.perf_counter()
    truth_rows = exact_top_k(x, queries, K)
    result["ground_truth_s"] = round(time.perf_counter() - t0, 2)

    # The product's choice for this size (exact up to exact_search_max, IVF above)
    # and, for comparison, the other kind at the same size.
    variants: list[tuple[str, VectorIndex]] = []
    log("index: building the product's index")
    t0 = time.perf_counter()
    product = VectorIndex.create(DIM, expected_size=size)
    for start in range(0, size, 200_000):
        product.add(ids[start : start + 200_000], x[start : start + 200_000])
    build_s = time.perf_counter() - t0
    variants.append(("product", product))
    if product.kind == "flat":
        log("index: building an IVF index for comparison")
        t0 = time.perf_counter()
        ivf = VectorIndex.create(DIM, expected_size=size, kind="ivf", exact_max=0)
        ivf.add(ids, x)
        variants.append(("ivf", ivf))
        ivf_build_s = time.perf_counter() - t0
    else:
        ivf_build_s = build_s
    result["build_s"] = {"product": round(build_s, 1)}
    if len(variants) > 1:
        result["build_s"]["ivf"] = round(ivf_build_s, 1)

    rng = np.random.default_rng(7)
    for name, index in variants:
        entry: dict[str, Any] = {"kind": index.kind, "nlist": index.nlist}
        if index.kind == "ivf":
            entry["nprobe"] = index.nprobe
        stats, found = time_queries(lambda q, ix=index: ix.search(q, K)[1], queries)
        entry["unfiltered"] = {**stats, "recall_at_50": recall_at(found, ids[truth_rows])}
        if index.kind == "ivf":
            # How recall and latency trade off around the default (tuning aid).
            default_nprobe = index.nprobe
            sweep = {}
            for nprobe in (8, 16, 24, 32, 48, 64, 96, 128):
                index.nprobe = nprobe
                stats, found = time_queries(lambda q, ix=index: ix.search(q, K)[1], queries)
                sweep[str(nprobe)] = {
                    "p50_ms": stats["p50_ms"],
                    "p95_ms": stats["p95_ms"],
                    "cpu_p50_ms": stats["cpu_p50_ms"],
                    "cpu_p95_ms": stats["cpu_p95_ms"],
                    "recall_at_50": recall_at(found, ids[truth_rows]),
                }
            index.nprobe = default_nprobe
            entry["nprobe_sweep"] = sweep
        for fraction in filters:
            allowed_rows = np.sort(rng.choice(size, int(size * fraction), replace=False))
            allowed = ids[allowed_rows]
            truth = ids[exact_top_k(x, queries, K, allowed_rows)]
            stats, found = time_queries(
                lambda q, ix=index, a=allowed: ix.search(q, K, allowed_ids=a)[1], queries
            )
            exact_max = (
                faiss_index.FILTER_EXACT_MAX
                if index.kind == "flat"
                else faiss_index.FILTER_EXACT_MAX_IVF
            )
            if len(allowed) <= exact_max:
                path = "exact over the allowed vectors"
            elif fraction >= faiss_index.POSTFILTER_MIN_SHARE:
                path = "unfiltered search, then filtered (over-fetch)"
            else:
                path = "id selector in the index"
            entry[f"filter_{fraction:g}"] = {
                **stats,
                "recall_at_50": recall_at(found, truth),
                "allowed": len(allowed),
                "path": path,
            }
        result[name] = entry
        log(f"index: {name} ({index.kind}) at {size:,}: {json.dumps(entry)}")
    del variants, product, x
    gc.collect()
    return result


# -- Danish CV texts ----------------------------------------------------------------------------


def danish_material() -> tuple[list[str], list[str]]:
    """Danish occupation titles (ESCO) and job-ad sentences (Kompetencer corpus)."""
    titles: list[str] = []
    with open(DATA / "esco" / "occupation_labels_da.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4 and parts[1] == "occupation" and parts[3]:
                titles.append(parts[3])
    sentences: list[str] = []
    tokens: list[str] = []
    with open(DATA / "kompetencer" / "kompetencer_danish_train.conll", encoding="utf-8") as fh:
        for line in fh:
            token = line.split("\t", 1)[0].strip()
            if token:
                tokens.append(token)
            elif tokens:
                sentences.append(" ".join(tokens))
                tokens = []
    sentences = [s for s in sentences if 30 <= len(s) <= 400]
    return titles, sentences


# -- synthetic CV bank ----------------------------------------------------------------------------

AREA_POSTAL_CODES = (
    # Aarhus and Norddjurs, where the demo and the pilot jobcentres are.
    "8000", "8200", "8210", "8220", "8230", "8240", "8250", "8260", "8270", "8300",
    "8310", "8320", "8330", "8340", "8355", "8361", "8362", "8370", "8380", "8381",
    "8500", "8530", "8550", "8560", "8570", "8581", "8585", "8586", "8592", "8400",
)  # fmt: skip
CERTIFICATES = (
    "Hygiejnebevis", "Truckcertifikat B", "Førstehjælp", "Kran certifikat", "Svejsecertifikat",
    "Autorisation som sygeplejerske", "Straffeattest", "ADR-bevis", "Kørekort til gaffeltruck",
)  # fmt: skip
LANGUAGES = ("dansk", "engelsk", "tysk", "polsk", "arabisk", "ukrainsk")
FIRST = ("Anne", "Mette", "Jens", "Peter", "Fatima", "Ali", "Oksana", "Lars", "Maria", "Søren")
LAST = ("Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Ahmed")


def occupation_titles() -> list[tuple[str, str]]:
    """(preferred Danish label, ESCO uri) of every occupation."""
    out = []
    with open(DATA / "esco" / "occupation_labels_da.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4 and parts[1] == "occupation" and parts[2] == "preferred":
                out.append((parts[3], parts[0]))
    return out


def skill_phrases() -> list[str]:
    """Danish competence phrases as they appear in job ads (Kompetencer snippets)."""
    with open(DATA / "kompetencer" / "da_train_snippets.tsv", encoding="utf-8") as fh:
        return [line.split("\t")[0].strip() for line in fh if line.strip()]


def make_cvs(n: int, *, seed: int, occupations: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """`n` varied CV documents in the ingest schema (CvContent), deterministic from `seed`."""
    from datetime import date, timedelta

    rng = random.Random(seed)
    start_day = date(2026, 11, 1)
    _, sentences = danish_material()
    skills = skill_phrases()
    docs = []
    for i in range(n):
        title, uri = rng.choice(occupations)
        other = rng.choice(occupations)
        docs.append(
            {
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
                "headline": title,
                "summary": " ".join(rng.sample(sentences, rng.randint(1, 3))),
                "desired_jobs": [{"title": title, "occupation_uri": uri}],
                "professional_competences": rng.sample(skills, rng.randint(2, 8)),
                "personal_competences": rng.sample(skills, rng.randint(0, 3)),
                "experience": [
                    {
                        "title": t,
                        "occupation_uri": u,
                        "employer": f"{rng.choice(LAST)} ApS",
                        "tasks": " ".join(rng.sample(sentences, rng.randint(1, 2))),
                    }
                    for t, u in ((title, uri), other)[: rng.randint(1, 2)]
                ],
                "education": [{"title": rng.choice(("Social- og sundhedsassistent", "Smed",
                                "Kontoruddannelse", "Datamatiker", "Pædagog", "Tømrer"))}],
                "certificates": rng.sample(CERTIFICATES, rng.randint(0, 2)),
                "languages": [{"language": lang, "level": "good"}
                              for lang in ("dansk", *rng.sample(LANGUAGES[1:], rng.randint(0, 2)))],
                "driving_licences": ["B"] if rng.random() < 0.7 else [],
                "weekly_hours": rng.choice((37.0, 37.0, 30.0, 25.0, 20.0)),
                "postal_code": rng.choice(AREA_POSTAL_CODES),
                "max_commute_km": rng.choice((10.0, 20.0, 30.0, 50.0, 80.0)),
                "available_from": (start_day + timedelta(days=rng.randint(0, 120))).isoformat(),
                "searchable": rng.random() < 0.97,
            }
        )  # fmt: skip
    return docs


def insert_cvs(docs: Sequence[dict[str, Any]], *, start: int, indexed: bool) -> list[int]:
    """Insert CV rows straight into the `cv` table (no embedding); returns vector ids."""
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from services.matching.cvbank import service
    from services.matching.cvbank.schemas import CvContent
    from services.matching.index.embedding import resolve_model_path
    from services.matching.models import Cv, vector_id_for
    from shared.db import unit_of_work

    model = resolve_model_path().name
    rows, vector_ids = [], []
    now = datetime.now(UTC)
    contents = [CvContent.model_validate(doc) for doc in docs]
    occupations = _occupations(contents)
    for i, content in enumerate(contents):
        cv_id = uuid.UUID(int=random.Random(start + i).getrandbits(128))
        vector_ids.append(vector_id_for(cv_id))
        values = service.cv_columns(content, occupations[i], model)
        rows.append(
            {
                **values,
                "id": cv_id,
                "created_at": now,
                "updated_at": now,
                "external_id": f"bench-{start + i}",
                "vector_id": vector_ids[-1],
                "indexed_hash": values["text_hash"] if indexed else None,
                "indexed_at": now if indexed else None,
            }
        )
    with unit_of_work() as session:
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Cv), rows[chunk : chunk + 5000])
    return vector_ids


def _occupations(contents: Sequence[Any]) -> list[list[list[str]]]:
    """The `cv.occupations` column as the bank's ingest fills it (every title has its uri)."""
    from services.matching.cvbank import service

    return service.resolve_occupations(list(contents), [None] * len(contents))


# -- part 2: ingest throughput ------------------------------------------------------------------


@contextlib.contextmanager
def temporary_data_dir() -> Iterator[Path]:
    """A throw-away JOBBRO_DATA_DIR with a migrated SQLite database; removed afterwards."""
    from shared import db, migrate
    from shared.settings import get_matching_settings, get_settings

    tmp = Path(tempfile.mkdtemp(prefix="jobbro-bench-"))
    old = {
        k: os.environ.get(k)
        for k in ("JOBBRO_DATA_DIR", "JOBBRO_DATABASE_URL", "JOBBRO_MATCHING_INDEX_DIR")
    }
    os.environ["JOBBRO_DATA_DIR"] = str(tmp)
    os.environ.pop("JOBBRO_DATABASE_URL", None)
    os.environ.pop("JOBBRO_MATCHING_INDEX_DIR", None)
    get_settings.cache_clear()
    get_matching_settings.cache_clear()
    url = get_settings().effective_database_url
    migrate.upgrade(url)
    db.configure(url)
    try:
        yield tmp
    finally:
        with contextlib.suppress(Exception):
            db.get_engine().dispose()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        get_matching_settings.cache_clear()
        shutil.rmtree(tmp, ignore_errors=True)


def bench_ingest(n_texts: int, rounds: int) -> dict[str, Any]:
    """The product's embedding ingest vs raw SentenceTransformer.encode on the same CV texts."""
    from services.matching.cvbank.schemas import CvContent
    from services.matching.index.embedding import get_embedder
    from services.matching.search.text_builder import cv_embedding_text

    embedder = get_embedder()
    raw = embedder.model
    occupations = occupation_titles()
    result: dict[str, Any] = {"model": embedder.model_name, "cvs_per_round": n_texts}
    raw_rates: list[float] = []
    product_rates: list[float] = []
    raw_cpu: list[float] = []
    product_cpu: list[float] = []
    done = 0
    with temporary_data_dir():
        ingest, path = ingest_function()
        result["product_path"] = path
        for r in range(rounds):
            docs = make_cvs(n_texts, seed=100 + r, occupations=occupations)
            insert_cvs(docs, start=r * n_texts, indexed=False)
            texts = [cv_embedding_text(CvContent.model_validate(d)) for d in docs]
            if r == 0:
                tokens = [len(raw.tokenizer(t)["input_ids"]) for t in texts]
                result["tokens_per_text_mean"] = round(float(np.mean(tokens)), 1)
                raw.encode(texts[:8])  # warm-up
            # Each round runs both sides on the same texts, back to back, so
            # background load on the machine hits both alike.
            # Alternate which side goes first, so a burst of load elsewhere does
            # not always land on the same side.
            for side in ("raw", "product") if r % 2 == 0 else ("product", "raw"):
                c0, t0 = time.process_time(), time.perf_counter()
                if side == "raw":
                    raw.encode(texts, convert_to_numpy=True, show_progress_bar=False)
                else:
                    done = ingest()
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                (raw_rates if side == "raw" else product_rates).append(len(texts) / wall)
                (raw_cpu if side == "raw" else product_cpu).append(cpu)
            if done != len(texts):
                result.setdefault("warnings", []).append(
                    f"round {r + 1}: ingest embedded {done} of {len(texts)} CVs"
                )
            log(f"ingest {r + 1}: raw {raw_rates[-1]:.1f}/s, product {product_rates[-1]:.1f}/s")
    ratios = [p / r for p, r in zip(product_rates, raw_rates, strict=True)]
    result["raw_cvs_per_s"] = round(statistics.median(raw_rates), 2)
    result["product_cvs_per_s"] = round(statistics.median(product_rates), 2)
    result["ratio"] = round(statistics.median(ratios), 3)
    result["ratios_per_round"] = [round(x, 3) for x in ratios]
    # CPU seconds of the whole process per side: less sensitive to other load.
    result["cpu_ratio"] = round(sum(raw_cpu) / max(sum(product_cpu), 1e-9), 3)
    return result


def ingest_function() -> tuple[Callable[[], int], str]:
    """The product's ingest step: embed every CV whose vector is missing, into the index."""
    from services.matching.index import pipeline
    from shared.db import unit_of_work

    def run() -> int:
        with unit_of_work() as session:
            return pipeline.embed_cvs(session)

    return (
        run,
        "services.matching.index.pipeline.embed_cvs (DB read, text build, embed, hash, index)",
    )


# -- part 3: end to end ---------------------------------------------------------------------------


def _memory_mb() -> dict[str, int]:
    """This process's resident memory now and at its peak (MB, /proc/self/status)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[{"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb"}[key]] = int(value.split()[0]) // 1024
    return out


@contextlib.contextmanager
def row_major_tags() -> Iterator[None]:
    """Tag lookups as before the column-major copy: slice the columns of the row-major
    matrix for every row, then pick the rows (the baseline of the `has_any` change)."""
    from services.matching.search.bank.matrices import TagMatrix

    def has_any(self: TagMatrix, cols: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        if len(cols) == 0:
            hit = np.zeros(self.matrix.shape[0], dtype=bool)
        else:
            hit = np.asarray(self.matrix[:, cols].sum(axis=1)).ravel() > 0
        return hit if rows is None else hit[rows]

    current = TagMatrix.has_any
    TagMatrix.has_any = has_any  # type: ignore[method-assign]
    try:
        yield
    finally:
        TagMatrix.has_any = current  # type: ignore[method-assign]


def bench_tags(n_rows: int, n_queries: int = 50) -> dict[str, Any]:
    """The tag lookups of one search (10 occupation/ISCO columns and 3 licence/certificate
    columns, read for the rows within reach), column-major copy against the row-major
    slice of before, on a bank of `n_rows` CVs with 3 occupations each of 3,000."""
    from services.matching.search.bank.matrices import TagMatrix

    rng = np.random.default_rng(7)
    tags = TagMatrix()
    occupations = [f"occ{i}" for i in range(3000)]
    weights = 1.0 / np.arange(1, 3001) ** 0.7
    drawn = rng.choice(3000, (n_rows, 3), p=weights / weights.sum())
    tags.append([[occupations[j] for j in row] for row in drawn])
    rows = np.sort(rng.choice(n_rows, n_rows // 2, replace=False))
    queries = [rng.choice(3000, 13, p=weights / weights.sum()) for _ in range(n_queries)]
    out: dict[str, Any] = {"rows": n_rows, "rows_within_reach": len(rows), "columns": 13}
    for name, ctx in (
        ("row_major_before", row_major_tags),
        ("column_major", contextlib.nullcontext),
    ):
        with ctx():
            tags.has_any(np.asarray([0]), rows)  # builds the column-major copy once
            times, cpu = [], []
            for cols in queries:
                c0, t0 = time.thread_time(), time.perf_counter()
                for c in cols:
                    tags.has_any(np.asarray([c]), rows)
                times.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
        out[name] = percentiles(times, cpu)
    out["cpu_p95_ratio"] = round(
        out["column_major"]["cpu_p95_ms"] / out["row_major_before"]["cpu_p95_ms"], 3
    )
    return out


def bench_e2e(n_cvs: int, n_queries: int, *, one_off: bool = False) -> dict[str, Any]:
    """search_for_order over `n_cvs` synthetic CVs whose vectors go straight into the index.

    `one_off` (the 1M run): no baselines and no saved copy of the bank (gigabytes at
    that size); reports resident memory and the first search instead.
    """
    import uuid

    from services.matching.contract import OrderQuery, SearchFilters
    from services.matching.index.embedding import get_embedder
    from services.matching.index.faiss_index import VectorIndex
    from services.matching.index.store import get_index_store
    from services.matching.search import scoring
    from services.matching.search import service as search_service
    from services.matching.search.bank import cache, persist
    from shared.actor import Actor
    from shared.db import unit_of_work
    from shared.models import OrgKind, Role

    embedder = get_embedder()
    occupations = occupation_titles()
    rng = random.Random(11)
    # A realistic spread: a few hundred occupations dominate a regional CV bank.
    common = rng.sample(occupations, 40 if n_cvs < 20_000 else 400)
    result: dict[str, Any] = {"cvs": n_cvs, "queries": n_queries, "occupations": len(common)}
    with temporary_data_dir():
        log(f"e2e: inserting {n_cvs:,} CVs")
        t0 = time.perf_counter()
        docs = make_cvs(n_cvs, seed=3, occupations=common)
        vector_ids = np.asarray(insert_cvs(docs, start=0, indexed=True), dtype=np.int64)
        result["insert_s"] = round(time.perf_counter() - t0, 1)
        # Vectors: the real embedding of the CV's desired job plus noise (cosine ~0.9
        # to it), instead of embedding 100k texts (an hour on two cores).
        log("e2e: embedding the occupation titles")
        t0 = time.perf_counter()
        titles = [t for t, _ in common]
        anchors = embedder.encode(titles)
        position = {t: i for i, t in enumerate(titles)}
        which = np.asarray([position[d["desired_jobs"][0]["title"]] for d in docs])
        noise = np.random.default_rng(5).standard_normal((n_cvs, DIM), dtype=np.float32)
        x = anchors[which] + 0.5 * noise / np.sqrt(DIM)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        index = VectorIndex.create(embedder.dimension, expected_size=n_cvs)
        index.add(vector_ids, x)
        get_index_store().publish(index, {"model": embedder.model_name, "source": "bench"})
        result["vectors_s"] = round(time.perf_counter() - t0, 1)
        result["index_kind"] = index.kind
        del x, noise

        actor = Actor(
            kind="user",
            id=uuid.uuid4(),
            name="Bench Formidler",
            organisation_id=uuid.uuid4(),
            organisation_name="Jobcenter Bench",
            organisation_kind=OrgKind.JOBCENTRE,
            role=Role.MEDIATOR,
        )
        skills = skill_phrases()
        by_title = dict(common)
        orders = [
            {
                "title": (title := rng.choice(titles)),
                # Orders carry their ESCO occupation when the job-order service
                # knows it; this also keeps the title normaliser (which embeds
                # every ESCO label on a cold start) out of the measurement.
                "occupation_uri": by_title[title],
                "description": "Vi søger en stabil medarbejder til vores team.",
                "skills": rng.sample(skills, 3),
                "postal_code": rng.choice(AREA_POSTAL_CODES),
                "weekly_hours": 37.0,
            }
            for _ in range(n_queries)
        ]
        scenarios = {
            # Whole bank: no workplace, no filters (the semantic part searches every vector).
            "unfiltered": (lambda o: {**o, "postal_code": None}, None),
            # A workplace (each candidate's own max commute applies) plus typical filters.
            "filtered": (
                lambda o: o,
                SearchFilters(max_distance_km=30, driving_licences=["B"], languages=["da"]),
            ),
        }

        def run(shape: Callable[[dict[str, Any]], dict[str, Any]], filters: Any) -> Any:
            times, cpu, totals, pages = [], [], [], []
            for order in orders:
                query = OrderQuery(**shape(order))
                # Every search embeds its order: no help from an earlier run's cache.
                scoring._query_vector.cache_clear()
                c0, t0 = time.thread_time(), time.perf_counter()
                with unit_of_work() as session:
                    page = search_service.search_for_order(session, actor, query, filters, limit=20)
                times.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
                totals.append(page.total)
                pages.append([(c.cv.id, c.score) for c in page.items])
            return percentiles(times, cpu), int(np.mean(totals)), pages

        log("e2e: first search (builds the in-memory CV bank snapshot)")
        t0 = time.perf_counter()
        with unit_of_work() as session:
            search_service.search_for_order(session, actor, OrderQuery(**orders[0]))
        result["first_search_s"] = round(time.perf_counter() - t0, 1)
        # One process holding the bank and the index: what every API worker holds.
        result["memory_after_first_search"] = _memory_mb()
        if one_off:
            result["vectors"] = "synthetic: each CV's occupation title embedded, plus noise"
            product, mean_total, _ = run(scenarios["filtered"][0], scenarios["filtered"][1])
            result["filtered"] = {**product, "candidates_after_filters_mean": mean_total}
            product, mean_total, _ = run(scenarios["unfiltered"][0], None)
            result["unfiltered"] = {**product, "candidates_after_filters_mean": mean_total}
            result["memory_at_end"] = _memory_mb()
            log(f"e2e one-off: {json.dumps(result)}")
            scoring.reset_cache()
            return result
        # What a restarted server pays instead: the warm-up saves the bank, a new
        # process loads it (persist.save_snapshot / load_persisted).
        t0 = time.perf_counter()
        saved = persist.save_snapshot(cache._cache) if cache._cache else None
        result["cv_bank_save_s"] = round(time.perf_counter() - t0, 1)
        result["cv_bank_file_mb"] = round(saved.stat().st_size / 1e6) if saved else None
        scoring.reset_cache()
        t0 = time.perf_counter()
        with unit_of_work() as session:
            search_service.search_for_order(session, actor, OrderQuery(**orders[0]))
        result["first_search_after_restart_s"] = round(time.perf_counter() - t0, 1)

        for name, (shape, filters) in scenarios.items():
            # Baseline in the same run: every candidate's competences scored.
            scoring.PRUNE_COMPETENCES = False
            try:
                exhaustive, _, expected = run(shape, filters)
            finally:
                scoring.PRUNE_COMPETENCES = True
            # Baseline in the same run: tag lookups over every row (before the change).
            with row_major_tags():
                row_major, _, before = run(shape, filters)
            product, mean_total, pages = run(shape, filters)
            same = sum(a == b for a, b in zip(pages, expected, strict=True))
            result[name] = {
                **product,
                "candidates_after_filters_mean": mean_total,
                "exhaustive_baseline": exhaustive,
                "p95_ratio_to_baseline": round(product["p95_ms"] / exhaustive["p95_ms"], 3),
                "pages_identical_to_baseline": same,
                "row_major_tags_baseline": row_major,
                "p95_ratio_to_row_major_tags": round(product["p95_ms"] / row_major["p95_ms"], 3),
                "pages_identical_to_row_major_tags": sum(
                    a == b for a, b in zip(pages, before, strict=True)
                ),
            }
            log(f"e2e {name}: {json.dumps(result[name])}")
        scoring.reset_cache()
    result["path"] = "services.matching.search.service.search_for_order (one unit of work, audited)"
    return result


# -- part 4: the index store's delta log -----------------------------------------------------


def _io_counters() -> dict[str, int]:
    """This process's write counters: wchar (bytes passed to write) and write_bytes (to disk)."""
    out = {}
    for line in Path("/proc/self/io").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = int(value)
    return out


def _single_applies(
    root: Path, base: VectorIndex, fresh: np.ndarray, *, delta_log: bool
) -> dict[str, Any]:
    """Publish `base`, then apply one new vector at a time; a second store follows."""
    from services.matching.index.delta import LayeredIndex
    from services.matching.index.store import IndexStore

    store, reader = IndexStore(root), IndexStore(root)
    store.publish(base, {"source": "bench"})
    base_file_bytes = (root / "cv" / "gen-1" / "index.faiss").stat().st_size
    reader.current()
    saved = index_store.DELTA_MAX_SEGMENTS
    # Without segments every apply compacts: the pre-delta-log behaviour (load
    # the generation, patch it, write all of it).
    index_store.DELTA_MAX_SEGMENTS = saved if delta_log else 0
    times, pickups = [], []
    gc.collect()
    before = _io_counters()
    started = time.perf_counter()
    try:
        for i, vector in enumerate(fresh):
            t0 = time.perf_counter()
            store.apply(add=(np.array([10_000_000 + i]), vector[None, :]))
            t1 = time.perf_counter()
            served = reader.current()
            pickups.append(time.perf_counter() - t1)
            times.append(t1 - t0)
    finally:
        index_store.DELTA_MAX_SEGMENTS = saved
    total = time.perf_counter() - started - sum(pickups)
    after = _io_counters()
    assert served is not None
    assert len(served) == len(base) + len(fresh)
    result: dict[str, Any] = {
        "applies": len(fresh),
        "total_s": round(total, 3),
        "apply_ms": percentiles(times),
        "bytes_written": after["wchar"] - before["wchar"],
        "bytes_to_disk": after["write_bytes"] - before["write_bytes"],
        "bytes_per_apply": round((after["wchar"] - before["wchar"]) / len(fresh)),
        # What a second store (another API process) pays to see each change.
        "reader_pickup_ms": percentiles(pickups),
        "pointer": (root / "cv" / "CURRENT").read_text().strip(),
        "base_index_file_bytes": base_file_bytes,
    }
    if isinstance(served, LayeredIndex):
        queries = clustered_vectors(50, seed=99)
        base_stats, _base_ids = time_queries(lambda q: served.base.search(q, K)[1], queries)
        layered_stats, _ = time_queries(lambda q: served.search(q, K)[1], queries)
        result["search_k50_ms"] = {"base_alone": base_stats, "base_plus_delta": layered_stats}
        cold = IndexStore(root)
        t0 = time.perf_counter()
        cold.current()
        result["cold_load_with_segments_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        index_store.DELTA_MAX_SEGMENTS = 0
        try:
            store.apply(add=(np.array([20_000_000]), fresh[:1]))
        finally:
            index_store.DELTA_MAX_SEGMENTS = saved
        result["compaction_s"] = round(time.perf_counter() - t0, 3)
    return result


def _at_the_limits(root: Path, base: VectorIndex, fresh: np.ndarray) -> dict[str, Any]:
    """Reader and search costs with a log just short of compaction.

    All segments but one replace one base vector each, then the last replaces
    as many as the row limit still allows (4,489 at 100k and the defaults), so
    thousands of base vectors are masked and as many live in the delta index.
    """
    from services.matching.index.delta import LayeredIndex
    from services.matching.index.store import IndexStore

    store, follower = IndexStore(root), IndexStore(root)
    store.publish(base, {"source": "bench"})
    follower.current()
    rng = np.random.default_rng(5)
    singles = index_store.DELTA_MAX_SEGMENTS - 1
    for i in range(singles):
        replaced = np.array([int(rng.integers(len(base)))])
        store.apply(add=(replaced, fresh[i % len(fresh)][None, :]))
    out: dict[str, Any] = {"single_segments": singles}
    t0 = time.perf_counter()
    follower.current()
    out["follower_catch_up_on_all_segments_ms"] = round((time.perf_counter() - t0) * 1e3, 1)
    limit = min(
        index_store.DELTA_MAX_ROWS,
        max(index_store.DELTA_MIN_ROWS, index_store.DELTA_MAX_SHARE * len(base)),
    )
    batch = int(limit) - singles
    replaced = rng.choice(len(base), batch, replace=False)
    store.apply(add=(replaced, clustered_vectors(batch, seed=11)))
    t0 = time.perf_counter()
    served = follower.current()
    out["follower_pickup_of_batch_segment_ms"] = round((time.perf_counter() - t0) * 1e3, 1)
    t0 = time.perf_counter()
    IndexStore(root).current()
    out["cold_load_s"] = round(time.perf_counter() - t0, 3)
    assert isinstance(served, LayeredIndex)
    out["pointer"] = (root / "cv" / "CURRENT").read_text().strip()
    out["delta_vectors"] = served.delta_size
    out["masked_base_vectors"] = len(base) + served.delta_size - len(served)
    queries = clustered_vectors(50, seed=99)
    allowed = np.sort(rng.choice(len(base), int(0.3 * len(base)), replace=False))
    cases = (("k50", 50, None), ("k1000", 1000, None), ("k1000_30pct", 1000, allowed))
    for label, k, ids in cases:
        base_stats, _ = time_queries(
            lambda q, k=k, ids=ids: served.base.search(q, k, ids)[1], queries
        )
        layered_stats, _ = time_queries(
            lambda q, k=k, ids=ids: served.search(q, k, ids)[1], queries
        )
        out[f"search_{label}_ms"] = {"base_alone": base_stats, "base_plus_delta": layered_stats}
    return out


def bench_delta(size: int, applies: int) -> dict[str, Any]:
    """Single-vector applies at `size` vectors: delta log against a whole generation per apply."""
    log(f"delta: {size:,} vectors, {applies} single-vector applies per mode")
    vectors = clustered_vectors(size + applies, seed=7)
    base = VectorIndex.create(DIM, expected_size=size)
    base.add(np.arange(size, dtype=np.int64), vectors[:size])
    fresh = vectors[size:]
    result: dict[str, Any] = {
        "size": size,
        "dimension": DIM,
        "index_kind": base.kind,
        "limits": {
            "delta_max_share": index_store.DELTA_MAX_SHARE,
            "delta_min_rows": index_store.DELTA_MIN_ROWS,
            "delta_max_rows": index_store.DELTA_MAX_ROWS,
            "delta_max_segments": index_store.DELTA_MAX_SEGMENTS,
        },
    }
    for name, delta_log in (("delta_log", True), ("full_generation", False)):
        root = Path(tempfile.mkdtemp(prefix="jobbro-bench-delta-"))
        try:
            result[name] = _single_applies(root, base, fresh, delta_log=delta_log)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        log(f"delta: {name}: {json.dumps(result[name])}")
    root = Path(tempfile.mkdtemp(prefix="jobbro-bench-delta-"))
    try:
        result["at_the_limits"] = _at_the_limits(root, base, fresh)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    log(f"delta: at the limits: {json.dumps(result['at_the_limits'])}")
    delta, full = result["delta_log"], result["full_generation"]
    result["ratio_full_over_delta"] = {
        "time": round(full["total_s"] / max(delta["total_s"], 1e-9), 1),
        "bytes": round(full["bytes_written"] / max(delta["bytes_written"], 1), 1),
    }
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected parts and print their JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default=None)
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--ingest-texts", type=int, default=None)
    parser.add_argument("--e2e-cvs", type=int, default=None)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--nprobe", type=int, default=None)
    parser.add_argument("--lists-per-sqrt-n", type=float, default=None)
    parser.add_argument("--skip-delta", action="store_true")
    parser.add_argument("--delta-size", type=int, default=None)
    parser.add_argument("--delta-applies", type=int, default=100)
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--tags", default=None)
    args = parser.parse_args(argv)
    if args.tags:
        load = [round(v, 1) for v in os.getloadavg()]
        parts = [bench_tags(int(n), args.queries or 50) for n in args.tags.split(",")]
        print(json.dumps({"load_average": load, "tags": parts}, indent=2))
        return 0
    if args.million:
        return one_million(args.e2e_cvs or 1_000_000, args.queries or 50)

    sizes = [
        int(s) for s in (args.sizes or ("20000" if args.quick else "100000,1000000")).split(",")
    ]
    n_queries = args.queries or (50 if args.quick else 300)
    ingest_texts = args.ingest_texts or (32 if args.quick else 128)
    e2e_cvs = args.e2e_cvs or (5000 if args.quick else 100_000)
    if args.nprobe:
        faiss_index.IVF_NPROBE = args.nprobe
    if args.lists_per_sqrt_n:
        faiss_index.IVF_LISTS_PER_SQRT_N = args.lists_per_sqrt_n

    started = time.perf_counter()
    report: dict[str, Any] = {
        "command": "bench/matching.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": {
            "cpus": os.cpu_count(),
            # Other work on the machine skews latency; the load shows how much there was.
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
            "faiss": faiss.__version__,
            "faiss_threads": faiss.omp_get_max_threads(),
        },
        "defaults": {
            "exact_search_max": _exact_max(),
            "ivf_lists_per_sqrt_n": faiss_index.IVF_LISTS_PER_SQRT_N,
            "ivf_nprobe": faiss_index.IVF_NPROBE,
            "filter_exact_max": faiss_index.FILTER_EXACT_MAX,
            "filter_exact_max_ivf": faiss_index.FILTER_EXACT_MAX_IVF,
            "postfilter_min_share": faiss_index.POSTFILTER_MIN_SHARE,
        },
        "targets": {
            "ingest_ratio_min": 0.9,
            "search_1m_p95_ms_max": 10,
            "search_1m_recall_at_50_min": 0.95,
            "e2e_100k_p95_ms_max": 150,
        },
    }
    if not args.skip_ingest:
        report["ingest"] = bench_ingest(ingest_texts, rounds=2 if args.quick else 4)
    if not args.skip_index:
        filters = (0.01, 0.1, 0.5)
        anchors = None
        if args.synthetic:
            report["index_vectors"] = "synthetic clustered (bench.matching.clustered_vectors)"
        else:
            anchors, source = anchor_embeddings()
            report["index_vectors"] = (
                f"{len(anchors)} real MiniLM embeddings of Danish ESCO labels ({source}),"
                " replicated with mixing and noise (bench.matching.replicated_vectors)"
            )
        report["index"] = [bench_index(size, n_queries, filters, anchors) for size in sizes]
    if not args.skip_e2e:
        report["e2e"] = bench_e2e(e2e_cvs, min(n_queries, 100))
    if not args.skip_delta:
        report["delta"] = bench_delta(
            args.delta_size or (20_000 if args.quick else 100_000), args.delta_applies
        )
    report["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    return 0


def one_million(n_cvs: int, n_queries: int) -> int:
    """The one-off run at 1M CVs (`--million`; not in `make bench`): where one machine ends."""
    started = time.perf_counter()
    report: dict[str, Any] = {
        "command": "bench/matching.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": list(os.getloadavg())},
        "e2e": bench_e2e(n_cvs, n_queries, one_off=True),
    }
    report["machine"]["load_average_at_end"] = list(os.getloadavg())
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    return 0


def _exact_max() -> int:
    from shared.settings import get_matching_settings

    return get_matching_settings().exact_search_max


if __name__ == "__main__":
    raise SystemExit(main())
