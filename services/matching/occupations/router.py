"""Occupation endpoints: normalise a Danish job title, look up an occupation."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from services.matching.occupations import service
from services.matching.occupations.schemas import NormalizeOut, OccupationMatchOut, OccupationOut
from shared.auth import CurrentActor
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/occupations", tags=["occupations"], responses=PROBLEM_RESPONSES)


@router.get("/normalize", response_model=NormalizeOut)
def normalize(
    actor: CurrentActor,
    title: Annotated[str, Query(min_length=1, max_length=200, description="Danish job title")],
    k: Annotated[int, Query(ge=1, le=service.MAX_K, description="Number of results")] = 10,
) -> NormalizeOut:
    """Rank ESCO occupations for a free-text Danish job title."""
    matches = service.normalize_title(title, k=k)
    return NormalizeOut(query=title, results=[OccupationMatchOut(**asdict(m)) for m in matches])


@router.get("/by-uri", response_model=OccupationOut)
def by_uri(
    actor: CurrentActor,
    uri: Annotated[str, Query(min_length=1, max_length=200, description="ESCO occupation URI")],
) -> OccupationOut:
    """One ESCO occupation with its Danish labels and ISCO unit group."""
    occ = service.get_occupation(uri)
    return OccupationOut(
        uri=occ.uri,
        preferred_label=occ.preferred_label,
        isco_group=occ.isco_group,
        labels=list(occ.labels),
    )
