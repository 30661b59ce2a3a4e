"""What a search asks, whether it comes from a job order or from free text."""

from dataclasses import dataclass

from services.matching.contract import OrderQuery
from services.matching.occupations.link import isco_of, link_titles
from services.matching.search.text_builder import FieldTexts


@dataclass
class SearchQuery:
    """The texts a search compares, its place, its order (if any) and the order's occupation."""

    fields: FieldTexts
    embed_text: str
    postal_code: str | None
    order: OrderQuery | None
    occupation: tuple[str, str] | None
    # Only the candidates who lack a required licence or certificate (shown below the
    # others when the mediator asks for them).
    unmet_only: bool = False


def order_occupation(order: OrderQuery) -> tuple[str, str] | None:
    """The order's ESCO occupation (uri, ISCO group): as given, else linked from its title."""
    if order.occupation_uri:
        return order.occupation_uri, isco_of(order.occupation_uri) or ""
    return link_titles([order.title])[0]
