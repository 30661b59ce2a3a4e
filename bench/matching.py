"""Matching benchmark: ingest embedding throughput, vector search and end-to-end search.

Prints one JSON document on stdout; progress goes to stderr. Not part of the test suite.

    .venv/bin/python bench/matching.py            # full run (~10 minutes on 2 cores)
    .venv/bin/python bench/matching.py --quick    # small run (~1-2 minutes)

Flags:
    --quick              small sizes everywhere (smoke run, numbers are indicative only)
    --sizes 100000,...   vector counts for the index part (default 100000,1000000)
    --queries N          queries per latency/recall measurement (default 300)
    --ingest-texts N     CV texts per round of the ingest-throughput part (default 192)
    --e2e-cvs N          CVs in the database for the end-to-end part (default 100000)
    --skip-ingest / --skip-index / --skip-e2e   leave a part out
    --nprobe N           override the IVF nprobe (tuning; default: the product's)
    --lists-per-sqrt-n F override nlist = F * sqrt(N) (tuning; default: the product's)
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

from services.matching import vector_index  # noqa: E402
from services.matching.vector_index import VectorIndex  # noqa: E402

DIM = 384
K = 50
DATA = REPO / "services" / "matching" / "data"


def log(message: str) -> None:
    """Progress on stderr, so stdout stays one JSON document."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentiles(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean in milliseconds."""
    ms = np.asarray(samples_s) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }


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
    times, results = [], []
    for q in queries:
        t0 = time.perf_counter()
        ids = search(q[None, :])
        times.append(time.perf_counter() - t0)
        results.append(ids[0])
    return percentiles(times), np.stack(results)


# -- part 1: the vector index ----------------------------------------------------------------


def bench_index(size: int, n_queries: int, filters: Sequence[float]) -> dict[str, Any]:
    """Build the product's index over `size` vectors; latency and recall@50 vs exact."""
    log(f"index: generating {size:,} clustered vectors")
    x = clustered_vectors(size, seed=size)
    queries = clustered_vectors(n_queries, seed=size + 1)
    ids = np.arange(size, dtype=np.int64) * 7 + 11  # sparse ids, like the bank's
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
        for fraction in filters:
            allowed_rows = np.sort(rng.choice(size, int(size * fraction), replace=False))
            allowed = ids[allowed_rows]
            truth = ids[exact_top_k(x, queries, K, allowed_rows)]
            stats, found = time_queries(
                lambda q, ix=index, a=allowed: ix.search(q, K, allowed_ids=a)[1], queries
            )
            path = (
                "exact over the allowed vectors"
                if len(allowed) <= vector_index.FILTER_EXACT_MAX
                else "id selector in the index"
            )
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


# -- part 2: ingest throughput ------------------------------------------------------------------


@contextlib.contextmanager
def temporary_data_dir() -> Iterator[Path]:
    """A throw-away JOBBRO_DATA_DIR (database and index), removed afterwards."""
    from shared import db
    from shared.settings import get_matching_settings, get_settings

    tmp = Path(tempfile.mkdtemp(prefix="jobbro-bench-"))
    old = {k: os.environ.get(k) for k in ("JOBBRO_DATA_DIR", "JOBBRO_DATABASE_URL")}
    os.environ["JOBBRO_DATA_DIR"] = str(tmp)
    os.environ.pop("JOBBRO_DATABASE_URL", None)
    get_settings.cache_clear()
    get_matching_settings.cache_clear()
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
    """Product ingest embedding vs raw SentenceTransformer.encode on the same texts."""
    from services.matching.embedding import get_embedder

    embedder = get_embedder()
    raw = embedder.model
    titles, sentences = danish_material()
    rng = random.Random(5)

    def cv_text() -> str:
        # Same order of length as a built CV text: titles, then competences.
        head = ", ".join(rng.sample(titles, 3))
        body = " ".join(rng.sample(sentences, rng.randint(3, 7)))
        return f"{head}. {body}"

    result: dict[str, Any] = {"model": embedder.model_name, "texts_per_round": n_texts}
    texts_by_round = [[cv_text() for _ in range(n_texts)] for _ in range(rounds)]
    tokens = [len(raw.tokenizer(t)["input_ids"]) for t in texts_by_round[0]]
    result["tokens_per_text_mean"] = round(float(np.mean(tokens)), 1)
    product_path, product = ingest_path(embedder)
    result["product_path"] = product_path
    raw.encode(texts_by_round[0][:8])  # warm-up
    raw_rates, product_rates = [], []
    # Interleaved rounds, each side on the same texts, so background load on
    # the machine hits both alike.
    for r, texts in enumerate(texts_by_round):
        t0 = time.perf_counter()
        raw.encode(texts, convert_to_numpy=True, show_progress_bar=False)
        raw_rates.append(len(texts) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        product(texts)
        product_rates.append(len(texts) / (time.perf_counter() - t0))
        log(f"ingest round {r + 1}: raw {raw_rates[-1]:.1f}/s, product {product_rates[-1]:.1f}/s")
    result["raw_texts_per_s"] = round(statistics.median(raw_rates), 2)
    result["product_texts_per_s"] = round(statistics.median(product_rates), 2)
    result["ratio"] = round(
        statistics.median(p / r for p, r in zip(product_rates, raw_rates, strict=True)), 3
    )
    result["ratios_per_round"] = [
        round(p / r, 3) for p, r in zip(product_rates, raw_rates, strict=True)
    ]
    return result


def ingest_path(embedder: Any) -> tuple[str, Callable[[list[str]], Any]]:
    """The function the product's ingest uses to embed a batch of CV texts."""
    try:
        from services.matching import indexing

        encode = indexing._encode
    except (ImportError, AttributeError):
        return "services.matching.embedding.Embedder.encode", embedder.encode
    return "services.matching.indexing._encode (Embedder.encode, distinct texts once)", encode


# -- part 3: end to end ---------------------------------------------------------------------------


def bench_e2e(n_cvs: int, n_queries: int) -> dict[str, Any]:
    """Placeholder until the bank's search service is measured (see docs/matching-index.md)."""
    return {"cvs": n_cvs, "queries": n_queries, "skipped": "not implemented yet"}


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
    parser.add_argument("--nprobe", type=int, default=None)
    parser.add_argument("--lists-per-sqrt-n", type=float, default=None)
    args = parser.parse_args(argv)

    sizes = [
        int(s) for s in (args.sizes or ("20000" if args.quick else "100000,1000000")).split(",")
    ]
    n_queries = args.queries or (50 if args.quick else 300)
    ingest_texts = args.ingest_texts or (32 if args.quick else 192)
    e2e_cvs = args.e2e_cvs or (5000 if args.quick else 100_000)
    if args.nprobe:
        vector_index.IVF_NPROBE = args.nprobe
    if args.lists_per_sqrt_n:
        vector_index.IVF_LISTS_PER_SQRT_N = args.lists_per_sqrt_n

    started = time.perf_counter()
    report: dict[str, Any] = {
        "command": "bench/matching.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": {
            "cpus": os.cpu_count(),
            "faiss": faiss.__version__,
            "faiss_threads": faiss.omp_get_max_threads(),
        },
        "defaults": {
            "exact_search_max": _exact_max(),
            "ivf_lists_per_sqrt_n": vector_index.IVF_LISTS_PER_SQRT_N,
            "ivf_nprobe": vector_index.IVF_NPROBE,
            "filter_exact_max": vector_index.FILTER_EXACT_MAX,
        },
        "targets": {
            "ingest_ratio_min": 0.9,
            "search_1m_p95_ms_max": 10,
            "search_1m_recall_at_50_min": 0.95,
            "e2e_100k_p95_ms_max": 150,
        },
    }
    if not args.skip_ingest:
        report["ingest"] = bench_ingest(ingest_texts, rounds=2 if args.quick else 3)
    if not args.skip_index:
        filters = (0.01, 0.1, 0.5)
        report["index"] = [bench_index(size, n_queries, filters) for size in sizes]
    if not args.skip_e2e:
        report["e2e"] = bench_e2e(e2e_cvs, min(n_queries, 100))
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    return 0


def _exact_max() -> int:
    from shared.settings import get_matching_settings

    return get_matching_settings().exact_search_max


if __name__ == "__main__":
    raise SystemExit(main())
