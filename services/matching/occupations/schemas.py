"""API schemas for occupations and title normalisation."""

from pydantic import BaseModel, Field


class OccupationMatchOut(BaseModel):
    """One ranked ESCO occupation for a title."""

    uri: str
    label: str = Field(description="The occupation's Danish preferred label")
    isco_group: str = Field(description="ISCO-08 unit group (4 digits)")
    score: float = Field(description="Combined score; rank by it, do not threshold across models")
    matched_label: str = Field(description="The Danish label that matched best")


class NormalizeOut(BaseModel):
    """Ranked occupations for one title."""

    query: str
    results: list[OccupationMatchOut]


class OccupationOut(BaseModel):
    """An ESCO occupation with its Danish labels."""

    uri: str
    preferred_label: str
    isco_group: str
    labels: list[str]
