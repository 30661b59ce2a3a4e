"""The relevance floor: which candidates are matches at all.

Ranking orders everyone within reach; a mediator needs to know how many *relevant*
candidates there are, and a query of gibberish must find nobody. A CV is relevant when at
least one topical signal says it is about the job: its occupation is the order's (or of
the same ISCO unit group), a title of the CV is close to the order's title or the query
(character n-gram cosine), or its embedded profile is close to the query's. Requirements
such as hours, place and start date never make a CV relevant on their own.

The thresholds were re-calibrated after the soft occupation links with
`bench/relevance_floor.py` on BOTH dev sets at once (synthetic and realistic; docs/eval.md,
"Relevance floor"): gibberish reaches at most 0.20 title and 0.38 embedding cosine; of
the floors that lose at most 5 % of the judged-relevant CVs and 0.002 nDCG@10 on each
set, 0.25 / 0.60 / 0.05 gives counts closest to the judged-relevant ones (mean count per
order 517 -> 199 synthetic, 309 -> 147 realistic; relevant kept 99.4 % / 95.3 %).
"""

import numpy as np

from services.matching.search.query import SearchQuery

# Title n-gram cosine from which a CV title is about the query's title.
MIN_TITLE = 0.25
# Embedding cosine from which the CV profile is about the query.
MIN_SEMANTIC = 0.6
# Occupation credit (link confidence x 1 for the order's occupation, x 0.5 for its ISCO
# unit group; occupations/link.py) from which the CV's occupation is the job's: a link
# of confidence 0.05 to the same occupation, or 0.1 to the same group. Below that the
# linker itself doubts the link, and the title or profile must say it instead.
MIN_OCCUPATION = 0.05


def relevant(
    query: SearchQuery, title: np.ndarray, semantic: np.ndarray, occupation: np.ndarray | None
) -> np.ndarray:
    """Per row: whether the CV is a match at all (see the module docstring)."""
    keep = (title >= MIN_TITLE) | (semantic >= MIN_SEMANTIC)
    if occupation is not None:
        keep |= occupation >= MIN_OCCUPATION
    return np.asarray(keep, dtype=bool)
