"""Which rows of the CV bank a search may return at all."""

import numpy as np

from services.matching import policy
from services.matching.contract import SearchFilters
from services.matching.search import synonyms
from services.matching.search.bank.snapshot import BankSnapshot
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
    for lang in filters.languages:
        mask &= snap.languages.has_any(snap.languages.columns(lambda t, lang=lang: t == lang))
    if filters.min_weekly_hours is not None:
        mask &= ~(snap.hours < filters.min_weekly_hours)
    if filters.max_weekly_hours is not None:
        mask &= ~(snap.hours > filters.max_weekly_hours)
    if filters.available_by is not None:
        mask &= snap.available <= filters.available_by.toordinal()
    met = requirements_met(snap, *required(query, filters))
    mask &= ~met if query.unmet_only else met
    return mask, distance


def required(query: SearchQuery, filters: SearchFilters) -> tuple[list[str], list[str]]:
    """The driving licences and certificates every listed candidate must hold: the
    filters' and, when the order's requirements are hard, the order's."""
    licences, certificates = list(filters.driving_licences), list(filters.certificates)
    order = query.order
    if order is not None and order.hard_requirements:
        licences += order.driving_licences
        certificates += order.certificates
    return sorted(set(licences)), list(dict.fromkeys(certificates))


def requirements_met(
    snap: BankSnapshot, licences: list[str], certificates: list[str]
) -> np.ndarray:
    """Per row: holds every licence and every certificate (read as in `synonyms.holds`)."""
    met = np.ones(len(snap), dtype=bool)
    for lic in licences:
        met &= snap.licences.has_any(snap.licences.columns(lambda t, lic=lic: t == lic))
    for cert in certificates:
        met &= snap.certificates.has_any(
            snap.certificates.columns(lambda t, c=cert: synonyms.certificate_matches(t, c))
        )
    return met
