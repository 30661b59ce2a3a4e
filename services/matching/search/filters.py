"""Which rows of the CV bank a search may return at all."""

import numpy as np

from services.matching import policy
from services.matching.contract import SearchFilters
from services.matching.search.bank.snapshot import BankSnapshot
from services.matching.search.bank.text import contains_phrase
from services.matching.search.query import SearchQuery
from shared import geo


def filter_mask(
    snap: BankSnapshot, query: SearchQuery, filters: SearchFilters, visibility: policy.Visibility
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows that pass visibility and every filter, and the distance of each row (km)."""
    mask = snap.alive & snap.searchable
    if visibility.only_ids is not None:
        allowed = np.zeros(len(snap), dtype=bool)
        rows = [snap.row_of[i] for i in visibility.only_ids if i in snap.row_of]
        allowed[rows] = True
        mask &= allowed
    distance = None
    workplace = geo.coordinates(query.postal_code)
    if workplace is not None:
        distance = geo.haversine_many(workplace, snap.lat, snap.lon)
        mask &= policy.within_reach(distance, snap.commute, filters.max_distance_km)
    elif filters.max_distance_km is not None:
        # A distance filter without a place to measure from leaves nobody.
        mask &= False
    for lic in filters.driving_licences:
        mask &= snap.licences.has_any(snap.licences.columns(lambda t, lic=lic: t == lic))
    for lang in filters.languages:
        mask &= snap.languages.has_any(snap.languages.columns(lambda t, lang=lang: t == lang))
    for cert in filters.certificates:
        mask &= snap.certificates.has_any(
            snap.certificates.columns(lambda t, c=cert: contains_phrase(t, c))
        )
    if filters.min_weekly_hours is not None:
        mask &= ~(snap.hours < filters.min_weekly_hours)
    if filters.max_weekly_hours is not None:
        mask &= ~(snap.hours > filters.max_weekly_hours)
    if filters.available_by is not None:
        mask &= snap.available <= filters.available_by.toordinal()
    order = query.order
    if order is not None and order.hard_requirements:
        for lic in order.driving_licences:
            mask &= snap.licences.has_any(snap.licences.columns(lambda t, lic=lic: t == lic))
        for cert in order.certificates:
            mask &= snap.certificates.has_any(
                snap.certificates.columns(lambda t, c=cert: contains_phrase(t, c))
            )
    return mask, distance
