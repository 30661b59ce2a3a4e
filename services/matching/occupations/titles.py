"""The one cleaning every job title gets before it is compared with ESCO labels.

Its own module because the normaliser, the query variants and the title linker all
clean titles, and the variants are imported by the normaliser.
"""

import re

_GENDER_MARKERS = re.compile(r"\(\s*[mk]\s*/\s*[kmw]\s*\)|\b[mk]/[kmw]\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s_/|,;:—–]+")


def clean_title(title: str) -> str:
    """Lower-case a title and drop job-ad noise such as "(m/k)" and odd separators."""
    text = _GENDER_MARKERS.sub(" ", title.lower())
    return _SEPARATORS.sub(" ", text).strip(" -.")
