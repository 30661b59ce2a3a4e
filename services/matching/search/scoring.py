"""Hybrid ranking: FAISS similarity, character n-gram field matching and requirement matches."""

import functools
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from services.matching import policy
from services.matching.contract import (
    OrderQuery,
    RankedPage,
    SearchFilters,
)
from services.matching.occupations.link import Link, order_links, reset_link_cache
from services.matching.search import relevance
from services.matching.search.bank import cache
from services.matching.search.bank.matrices import TagMatrix
from services.matching.search.bank.snapshot import BankSnapshot
from services.matching.search.bank.text import contains_phrase
from services.matching.search.filters import filter_mask
from services.matching.search.query import SearchQuery, order_occupation
from services.matching.search.reasons import explain
from services.matching.search.text_builder import (
    free_text_fields,
    order_embedding_text,
    order_fields,
)
from shared.settings import get_matching_settings

log = logging.getLogger(__name__)

# How many nearest vectors FAISS returns per query; the rest get the lowest returned score.
SEMANTIC_K = 1000
# Within the lexical score: the order title against CV titles weighs more than the
# requirements text against competences, since a title names the whole job.
TITLE_SHARE = 0.6
# Score competences only for rows that can still reach the page (see `_rank`); the
# benchmark switches it off to measure the exhaustive path in the same run.
PRUNE_COMPETENCES = True


def _title_lexical(snap: BankSnapshot, query: SearchQuery, rows: np.ndarray) -> np.ndarray:
    """Order title against CV titles for every row: the title matrix is small enough."""
    if snap.title_rows is None:
        raise RuntimeError("snapshot has no lexical vocabulary")
    return snap.titles.score_all(snap.title_rows.matrix([query.fields.titles]))[rows]


def _skill_lexical(snap: BankSnapshot, query: SearchQuery, rows: np.ndarray) -> np.ndarray:
    """Requirements text against CV competences for the given rows only.

    The competence matrix is ten times the title matrix; scoring every row costs more
    than everything else in a search, so `_rank` asks only for rows that can still
    reach the page.
    """
    if snap.skill_rows is None:
        raise RuntimeError("snapshot has no lexical vocabulary")
    return snap.skills.score_rows(snap.skill_rows.matrix([query.fields.skills]), rows)


@functools.lru_cache(maxsize=512)
def _query_vector(model_name: str, text: str) -> np.ndarray:
    """The order's embedding; paging and re-filtering the same order reuse it."""
    from services.matching.index.embedding import get_embedder

    vector = get_embedder().encode([text])
    vector.setflags(write=False)
    return vector


def _semantic(snap: BankSnapshot, query: SearchQuery, rows: np.ndarray) -> np.ndarray:
    # Imported on first search: the model and FAISS are not loaded by merely importing.
    from services.matching.index.embedding import get_embedder
    from services.matching.index.store import get_index_store

    scores = np.zeros(len(rows), dtype=np.float32)
    index = get_index_store().current()
    if index is None or len(index) == 0 or len(rows) == 0:
        return scores
    embedder = get_embedder()
    vector = _query_vector(embedder.model_name, query.embed_text)
    allowed = snap.vector_ids[rows]
    k = min(SEMANTIC_K, len(rows))
    everyone = len(rows) == int(snap.alive.sum()) and len(index) <= len(rows)
    found_scores, found_ids = index.search(vector, k, None if everyone else allowed)
    found_scores, found_ids = found_scores[0], found_ids[0]
    ok = found_ids >= 0
    found_scores, found_ids = found_scores[ok], found_ids[ok]
    if len(found_ids) == 0:
        return scores
    # Rows outside the top k score as the k-th: a floor, not a guess above it.
    scores[:] = max(float(found_scores.min()), 0.0)
    sorted_vids, order = snap.by_vector
    pos = np.searchsorted(sorted_vids, found_ids)
    pos = np.clip(pos, 0, max(len(sorted_vids) - 1, 0))
    hit = sorted_vids[pos] == found_ids
    found_rows = order[pos[hit]]
    lookup = np.full(len(snap), -1, dtype=np.int64)
    lookup[rows] = np.arange(len(rows))
    where = lookup[found_rows]
    valid = where >= 0
    scores[where[valid]] = np.clip(found_scores[hit][valid], 0.0, 1.0)
    return scores


def occupation_credit(
    links: Sequence[Link], same: Sequence[np.ndarray], related: Sequence[np.ndarray]
) -> np.ndarray:
    """Per CV, the confidence-weighted credit of the order's occupation links, 0..1.

    Link i adds its confidence c_i if the CV has its occupation, and
    RELATED_OCCUPATION_CREDIT * c_i if the CV has only its ISCO unit group. The
    confidences sum to at most 1, so the credit is in [0, max c_i-sum] and a link of
    confidence c moves a CV's score by at most c * w_occ / total weight (see `_rank`).
    """
    credit = np.zeros(len(same[0]) if len(same) else 0)
    for link, s, r in zip(links, same, related, strict=True):
        credit += link.confidence * np.where(
            s, 1.0, np.where(r, policy.RELATED_OCCUPATION_CREDIT, 0)
        )
    return credit


def _occupation(snap: BankSnapshot, query: SearchQuery, rows: np.ndarray) -> np.ndarray | None:
    """The order's occupation credit per row; None for free text (no occupation to link)."""
    if query.order is None:
        return None
    links = [
        x for x in order_links(query.order.title, query.order.occupation_uri) if x.confidence > 0
    ]
    same = [snap.occupations.has_any(snap.occupations.column(x.uri), rows) for x in links]
    related = [
        snap.iscos.has_any(snap.iscos.column(x.isco_group), rows)
        if x.isco_group
        else np.zeros(len(rows), bool)
        for x in links
    ]
    if not links:
        return np.zeros(len(rows))
    return occupation_credit(links, same, related)


def _requirements(
    snap: BankSnapshot, query: SearchQuery, rows: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    order = query.order
    parts: dict[str, np.ndarray] = {}
    if order is None:
        return np.zeros(len(rows)), parts

    def share(matrix: TagMatrix, wanted: list[str], match: Any) -> np.ndarray:
        got = np.zeros(len(rows))
        for w in wanted:
            got += matrix.has_any(matrix.columns(lambda t, w=w: match(t, w)), rows)
        return got / len(wanted)

    if order.certificates:
        parts["certificates"] = share(snap.certificates, order.certificates, contains_phrase)
    if order.driving_licences:
        parts["driving_licences"] = share(
            snap.licences, order.driving_licences, lambda t, w: t == w
        )
    if order.languages:
        parts["languages"] = share(snap.languages, order.languages, lambda t, w: t == w)
    if order.education:
        parts["education"] = share(snap.education, order.education, contains_phrase)
    if order.weekly_hours is not None:
        parts["hours"] = policy.hours_credit(snap.hours[rows], order.weekly_hours)
    if order.start_date is not None:
        parts["availability"] = (snap.available[rows] <= order.start_date.toordinal()).astype(float)
    if not parts:
        return np.zeros(len(rows)), parts
    total_weight = sum(policy.REQUIREMENT_WEIGHTS[k] for k in parts)
    combined = sum(policy.REQUIREMENT_WEIGHTS[k] * v for k, v in parts.items())
    return np.asarray(combined) / total_weight, parts


def _rank(
    session: Session,
    query: SearchQuery,
    filters: SearchFilters,
    visibility: policy.Visibility,
    limit: int,
    offset: int,
) -> RankedPage:
    snap = cache.snapshot(session)
    mask, distance = filter_mask(snap, query, filters, visibility)
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return RankedPage(total=0, items=[])
    settings = get_matching_settings()
    title = _title_lexical(snap, query, rows)
    semantic = _semantic(snap, query, rows)
    requirements, req_parts = _requirements(snap, query, rows)
    occupation = _occupation(snap, query, rows)
    # Only relevant CVs are matches (search/relevance.py); the total counts those.
    keep = relevance.relevant(query, title, semantic, occupation)
    rows, title, semantic, requirements = (
        rows[keep],
        title[keep],
        semantic[keep],
        requirements[keep],
    )
    req_parts = {k: v[keep] for k, v in req_parts.items()}
    if occupation is not None:
        occupation = occupation[keep]
    if len(rows) == 0:
        return RankedPage(total=0, items=[])
    w_sem, w_lex, w_req = (
        settings.weight_semantic,
        settings.weight_lexical,
        settings.weight_requirements if req_parts else 0.0,
    )
    # The occupation weighs as much as the other requirements together, and its weight
    # counts for every order whether or not a title links: a link only ever adds
    # (confidence x credit), so no CV scores lower with a link than without one.
    w_occ = settings.weight_requirements if occupation is not None else 0.0
    if occupation is None:
        occupation = np.zeros(len(rows))
    else:
        req_parts = {**req_parts, "occupation": occupation}
    total_w = (w_sem + w_lex + w_req + w_occ) or 1.0
    want = min(offset + limit, len(rows))
    if want == 0:
        return RankedPage(total=len(rows), items=[])
    title_share = TITLE_SHARE if query.fields.skills else 1.0
    partial = (
        w_sem * semantic + w_lex * title_share * title + w_req * requirements + w_occ * occupation
    ) / total_w
    # Safe pruning: the competence part adds at most `headroom` (cosine <= 1), so a row
    # whose partial score is more than that below the want-th best partial score can
    # never reach the page. Only the rest get the (expensive) competence score.
    headroom = w_lex * (1 - title_share) / total_w
    tau = np.partition(partial, len(partial) - want)[len(partial) - want]
    # (1e-6: scores are rounded to six decimals below.)
    floor = tau - headroom - 1e-6
    prune = PRUNE_COMPETENCES and headroom > 0
    candidates = np.flatnonzero(partial >= floor) if prune else np.arange(len(rows))
    skill = np.zeros(len(rows))
    if headroom > 0:
        skill[candidates] = _skill_lexical(snap, query, rows[candidates])
    lexical = title_share * title + (1 - title_share) * skill
    score = np.round(partial + headroom * skill, 6)
    cand_score = score[candidates]
    # Only rows scoring at least the want-th best can reach the page; ties included.
    kth = np.partition(cand_score, len(cand_score) - want)[len(cand_score) - want]
    top = candidates[cand_score >= kth]
    # Ties broken by vector id so equal scores always come back in the same order.
    order = top[np.lexsort((snap.vector_ids[rows[top]], -score[top]))]
    page = order[offset : offset + limit]
    items = explain(
        session, snap, query, rows[page], score[page], semantic[page], lexical[page],
        requirements[page], {k: v[page] for k, v in req_parts.items()},
        distance[rows[page]] if distance is not None else None,
    )  # fmt: skip
    return RankedPage(total=len(rows), items=items)


def rank_order(
    session: Session,
    order: OrderQuery,
    filters: SearchFilters,
    visibility: policy.Visibility,
    *,
    limit: int = 20,
    offset: int = 0,
    unmet_only: bool = False,
) -> RankedPage:
    """Rank the visible CVs for a job order."""
    query = SearchQuery(
        fields=order_fields(order),
        embed_text=order_embedding_text(order),
        postal_code=order.postal_code,
        order=order,
        occupation=order_occupation(order),
        unmet_only=unmet_only,
    )
    return _rank(session, query, filters, visibility, limit, offset)


def rank_free_text(
    session: Session,
    text: str,
    postal_code: str | None,
    filters: SearchFilters,
    visibility: policy.Visibility,
    *,
    limit: int = 20,
    offset: int = 0,
) -> RankedPage:
    """Rank the visible CVs for a free-text query."""
    query = SearchQuery(
        fields=free_text_fields(text),
        embed_text=text.strip(),
        postal_code=postal_code,
        order=None,
        occupation=None,
    )
    return _rank(session, query, filters, visibility, limit, offset)


def reset_cache() -> None:
    """Forget the in-memory CV bank and cached query vectors (tests, a database switch)."""
    cache.reset()
    _query_vector.cache_clear()
    reset_link_cache()
