"""Matching's rules: who writes and who reads the CV bank, and how requirements count.

Each rule is written here once; the API, the web pages (through the client) and the
tasks all reach it through the cvbank and search services.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.matching.models import Cv, CvCaseFacts
from shared.actor import Actor
from shared.audit import RefusedAsNotFound
from shared.errors import Forbidden
from shared.identity.scopes import CV_SOURCE
from shared.models import OrgKind

# -- who may write and read the CV bank -------------------------------------------------


def require_cv_source(actor: Actor, *, action: str) -> None:
    """Only the jobcentre's CV source writes to the CV bank: a key with the cv-source
    scope, or Jobbro itself (import command, demo loader).

    No person writes CVs, administrators included, and no other key: a CV carries the
    fund in its case facts, which decides which a-kasse may see it.
    """
    if not actor.is_jobcentre:
        raise Forbidden("Only the jobcentre's CV source may change the CV bank", action=action)
    if actor.kind == "user":
        raise Forbidden("CVs come from the CV source system, not from a person", action=action)
    if actor.kind == "api_key" and CV_SOURCE not in actor.scopes:
        raise Forbidden("This API key lacks the scope 'cv-source'", action=action)


def require_searcher(actor: Actor, *, action: str) -> None:
    """Jobcentre and a-kasse staff and systems search; employers do not."""
    if actor.organisation_kind not in (OrgKind.JOBCENTRE, OrgKind.AKASSE):
        raise Forbidden("Only jobcentres and a-kasser may read the CV bank", action=action)


@dataclass
class Visibility:
    """Which CVs the actor may see: None means every searchable CV."""

    only_ids: set[Any] | None


def _visible_ids_for_akasse(session: Session, organisation_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(CvCaseFacts.cv_id).where(CvCaseFacts.akasse_organisation_id == organisation_id)
        )
    )


def search_visibility(session: Session, actor: Actor, *, action: str) -> Visibility:
    """An a-kasse searches its own members only; a jobcentre every searchable CV."""
    require_searcher(actor, action=action)
    if actor.is_akasse:
        return Visibility(only_ids=_visible_ids_for_akasse(session, actor.organisation_id))
    return Visibility(only_ids=None)


def load_visible_cv(session: Session, actor: Actor, cv_id: uuid.UUID, *, action: str) -> Cv:
    """The CV if the actor may read it: an a-kasse its members, a jobcentre searchable CVs."""
    require_searcher(actor, action=action)
    cv = session.get(Cv, cv_id)
    if cv is None:
        raise _hidden(action, cv_id)
    if actor.is_akasse:
        facts = session.get(CvCaseFacts, cv_id)
        if facts is None or facts.akasse_organisation_id != actor.organisation_id:
            raise Forbidden(
                "This CV belongs to a member of another a-kasse",
                action=action,
                subject_type="cv",
                subject_id=cv_id,
            )
    elif not cv.searchable:
        # A jobcentre only sees CVs their owners made searchable.
        raise _hidden(action, cv_id)
    return cv


def _hidden(action: str, cv_id: uuid.UUID) -> RefusedAsNotFound:
    """Unknown and hidden CVs answer the same 404, and both are audited as refusals."""
    return RefusedAsNotFound("No such CV", action=action, subject_type="cv", subject_id=cv_id)


# -- how far a candidate travels ---------------------------------------------------------


def within_reach(
    distance_km: np.ndarray, own_max_km: np.ndarray, max_distance_km: float | None
) -> np.ndarray:
    """Per CV: the workplace is within its owner's own maximum commute (always respected)
    and within the search's distance filter, if any. Unknown distances pass the commute."""
    reach = ~(distance_km > own_max_km)
    if max_distance_km is not None:
        reach &= distance_km <= max_distance_km
    return reach


# -- how requirements count ----------------------------------------------------------------

# Requirement components and their weights in the requirement score.
REQUIREMENT_WEIGHTS = {
    "occupation": 2.0,
    "certificates": 1.0,
    "driving_licences": 1.0,
    "languages": 1.0,
    "education": 0.5,
    "hours": 0.5,
    "availability": 0.5,
}
# A CV with another occupation of the same ISCO unit group gets this share of the credit.
RELATED_OCCUPATION_CREDIT = 0.5
# Weekly hours this close to the order's count as meeting it; the credit then fades
# to nothing over HOURS_FADE more hours. A CV without hours gets half the credit.
HOURS_TOLERANCE = 5
HOURS_FADE = 20
UNKNOWN_HOURS_CREDIT = 0.5


def hours_credit(cv_hours: np.ndarray, order_hours: float) -> np.ndarray:
    """Per CV, how well its weekly hours meet the order's, from 0 to 1."""
    diff = np.abs(cv_hours - order_hours)
    return np.where(
        np.isnan(diff),
        UNKNOWN_HOURS_CREDIT,
        np.clip(1 - (diff - HOURS_TOLERANCE) / HOURS_FADE, 0, 1),
    )


def hours_met(cv_hours: float, order_hours: float) -> bool:
    """Whether a CV's weekly hours meet the order's (shown as a reason): a candidate who
    wants at least the hours the job has meets it; only wanting fewer is missing."""
    return cv_hours >= order_hours
