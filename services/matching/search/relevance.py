"""The relevance floor: which candidates are matches at all.

Ranking orders everyone within reach; a mediator needs to know how many *relevant*
candidates there are, and a query of gibberish must find nobody. A CV is relevant when at
least one topical signal says it is about the job: its occupation is the order's (or of
the same ISCO unit group), a title of the CV is close to the order's title or the query
(character n-gram cosine), or its embedded profile is close to the query's. Requirements
such as hours, place and start date never make a CV relevant on their own.

The thresholds were calibrated with `bench/relevance_floor.py` on `bench/eval_data/`
(200 orders, 2,367 CVs, 4,107 judged-relevant pairs; docs/matching.md, "The relevance
floor"): 60 gibberish queries reach at most 0.20 title cosine and 0.37 embedding cosine;
0.30 and 0.55 keep 98.2 % of the judged-relevant pairs (98.5 % of same-occupation ones)
and drop 79 % of the others, with a wide margin over gibberish.
"""

import numpy as np

from services.matching.search.query import SearchQuery

# Title n-gram cosine from which a CV title is about the query's title.
MIN_TITLE = 0.3
# Embedding cosine from which the CV profile is about the query.
MIN_SEMANTIC = 0.55
# Occupation credit (link confidence x 1 for the order's occupation, x 0.5 for its ISCO
# unit group; occupations/link.py) from which the CV's occupation is the job's: a link
# of confidence 0.1 to the same occupation, or 0.2 to the same group. Below that the
# linker itself doubts the link, and the title or profile must say it instead.
MIN_OCCUPATION = 0.1


def relevant(
    query: SearchQuery, title: np.ndarray, semantic: np.ndarray, occupation: np.ndarray | None
) -> np.ndarray:
    """Per row: whether the CV is a match at all (see the module docstring)."""
    keep = (title >= MIN_TITLE) | (semantic >= MIN_SEMANTIC)
    if occupation is not None:
        keep |= occupation >= MIN_OCCUPATION
    return np.asarray(keep, dtype=bool)
