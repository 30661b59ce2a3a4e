"""The order page's candidate table: status and outcome filters and sorting, from the query.

Filtering and sorting happen on the candidates the service already authorised and shaped
(`CandidateOut`), so a hidden name can neither be filtered nor sorted on: rows whose
details the reader may not see sort as "Kandidat foreslået af …", after the named ones.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.joborders.candidates.schemas import CandidateOut

STATUS_FILTERS: dict[str, str] = {
    "": "Alle aktive",
    "proposed": "Foreslået",
    "contacted": "Kontaktet",
    "referred": "Henvist",
    "hired": "Ansat",
    "not_hired": "Ikke ansat",
    "archived": "Arkiverede",
    "all": "Alle, også arkiverede",
}

OUTCOME_FILTERS: dict[str, str] = {
    "": "Alle",
    "none": "Ikke kontaktet endnu",
    "interested": "Interesseret",
    "not_interested": "Ikke interesseret",
    "unreachable": "Forsøgt kontaktet – ikke truffet",
}

SORTS: dict[str, str] = {
    "": "Senest tilføjet først",
    "navn": "Navn",
    "status": "Status",
    "kontakt": "Seneste kontakt først",
    "fundet": "Fundet af",
}

_STATUS_ORDER = {"proposed": 0, "contacted": 1, "referred": 2, "hired": 3, "not_hired": 4}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TableQuery:
    """The table's filters and sort as the query string gave them (unknown values: none)."""

    status: str = ""
    outcome: str = ""
    sort: str = ""

    @classmethod
    def parse(cls, params: Any) -> "TableQuery":
        def pick(name: str, allowed: dict[str, str]) -> str:
            value = str(params.get(name) or "")
            return value if value in allowed else ""

        return cls(
            status=pick("status", STATUS_FILTERS),
            outcome=pick("udfald", OUTCOME_FILTERS),
            sort=pick("sorter", SORTS),
        )

    @property
    def include_archived(self) -> bool:
        return self.status in ("archived", "all")

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.outcome)


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return _EPOCH
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _keep(row: CandidateOut, q: TableQuery) -> bool:
    archived = row.archived_at is not None
    if q.status == "archived" and not archived:
        return False
    if q.status not in ("archived", "all") and archived:
        return False
    if q.status in _STATUS_ORDER and row.status.value != q.status:
        return False
    outcome = row.contact_outcome.value if row.contact_outcome else "none"
    return not q.outcome or outcome == q.outcome


def _sort_key(org_names: dict[Any, str]) -> dict[str, Any]:
    def found(r: CandidateOut) -> str:
        return org_names.get(r.found_by_organisation_id, r.found_by_name).casefold()

    return {
        "navn": lambda r: (r.name is None, (r.name or found(r)).casefold()),
        "status": lambda r: (_STATUS_ORDER.get(r.status.value, 9), (r.name or "").casefold()),
        "kontakt": lambda r: (r.contacted_at is None, -_aware(r.contacted_at).timestamp()),
        "fundet": lambda r: (found(r), (r.name or "").casefold()),
    }


def table_rows(
    rows: list[CandidateOut], q: TableQuery, org_names: dict[Any, str]
) -> list[CandidateOut]:
    """The rows the filters keep, in the chosen order (the service's order by default)."""
    kept = [r for r in rows if _keep(r, q)]
    if not q.sort:
        return list(reversed(kept))  # the service lists oldest first; newest first reads best
    return sorted(kept, key=_sort_key(org_names)[q.sort])
