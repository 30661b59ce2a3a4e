"""The job-order service's one door to the matching service (swappable for tests)."""

from services.joborders.models import JobOrder
from services.matching.client import MatchingClient, get_matching_client
from services.matching.contract import OrderQuery

_client: MatchingClient | None = None


def get_client() -> MatchingClient:
    """The installed client, else the configured one (in-process or HTTP)."""
    return _client if _client is not None else get_matching_client()


def set_client(client: MatchingClient | None) -> None:
    """Install a client (tests use a fake); None goes back to the configured one."""
    global _client
    _client = client


def order_query(
    order: JobOrder, *, hard_requirements: bool = True, show_unmet: bool = False
) -> OrderQuery:
    """The order as the ranking sees it: requirements and place, nothing about the employer.

    An order has no required/wanted flag per requirement, so its driving licences and
    certificates are required (`hard_requirements`) unless the caller says otherwise."""
    return OrderQuery(
        title=order.title,
        occupation_uri=order.occupation_uri,
        description=order.description,
        skills=order.skills,
        certificates=order.certificates,
        driving_licences=order.driving_licences,
        languages=order.languages,
        education=order.education,
        postal_code=order.workplace_postal_code,
        weekly_hours=order.weekly_hours,
        start_date=order.start_date,
        hard_requirements=hard_requirements,
        show_unmet=show_unmet,
    )
