"""The relevance floor: which candidates are matches at all.

Ranking orders everyone within reach; a mediator needs to know how many *relevant*
candidates there are, and a query of gibberish must find nobody. A CV is relevant when at
least one topical signal says it is about the job: its occupation is the order's (or of
the same ISCO unit group), a title of the CV is close to the order's title or the query
(character n-gram cosine), or its embedded profile is close to the query's. Requirements
such as hours, place and start date never make a CV relevant on their own.

The thresholds were calibrated with `bench/relevance_floor.py` on `bench/eval_data/`
(docs/matching.md, "The relevance floor"): the highest values that keep gibberish queries
at zero results while keeping the judged-relevant CVs.
"""

import numpy as np

from services.matching.search.query import SearchQuery

# Title n-gram cosine from which a CV title is about the query's title.
MIN_TITLE = 0.35
# Embedding cosine from which the CV profile is about the query.
MIN_SEMANTIC = 0.6


def relevant(
    query: SearchQuery, title: np.ndarray, semantic: np.ndarray, req_parts: dict[str, np.ndarray]
) -> np.ndarray:
    """Per row: whether the CV is a match at all (see the module docstring)."""
    keep = (title >= MIN_TITLE) | (semantic >= MIN_SEMANTIC)
    occupation = req_parts.get("occupation")
    if occupation is not None:
        keep |= occupation > 0
    return np.asarray(keep, dtype=bool)
