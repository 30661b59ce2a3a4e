"""What the parties agreed about the contact process, with the template's defaults.

The agreement template (KL and AK-Samvirke's guidance, section 3.2) leaves these to each
jobcentre–a-kasse pair: how often invitation lists are made and how far ahead they reach,
the a-kasse's reply deadline and what happens without a reply, and any agreed time slots.
Until the agreement register carries them, every pair gets these defaults; `terms_for` is
the one place a pair's own terms will be read from.
"""

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

from sqlalchemy.orm import Session

Fallback = Literal["jobcentre_picks", "first_agreed_slot"]


@dataclass(frozen=True)
class InterviewWindow:
    """When the nth joint interview falls, in months of unemployment."""

    number: int
    from_month: int
    to_month: int


@dataclass(frozen=True)
class Slot:
    """An agreed weekly time the a-kasse reserves for joint interviews at a jobcentre."""

    weekday: int  # 0 = Monday
    at: time


@dataclass(frozen=True)
class ContactTerms:
    # "to inden for de første 6 måneders sammenlagte ledighed og den tredje senest ved
    # 16 måneders ledighed"; the 2nd "mindst 4 og højst 6 måneder". The 1st interview's
    # window (first to fourth month) is our default where the guidance only says "within
    # the first six months, before the second".
    windows: tuple[InterviewWindow, ...] = (
        InterviewWindow(1, 1, 4),
        InterviewWindow(2, 4, 6),
        InterviewWindow(3, 15, 16),
    )
    # "Hyppighed for udarbejdelsen af indkaldelister (fx ugevis)".
    list_interval_days: int = 7
    # "Tidshorisont for listerne (fx 3 måneder frem)".
    horizon_days: int = 90
    # "Frist for a-kassens tilbagemelding med forslag til mødetider", in working days.
    reply_working_days: int = 5
    # "... og en procedure hvis der ikke kommer en tilbagemelding fra a-kassen".
    fallback: Fallback = "jobcentre_picks"
    slots: tuple[Slot, ...] = field(default_factory=tuple)
    # "Jobcentret ser på indstillingen hurtigst muligt": the clock the queue shows.
    recommendation_working_days: int = 5


DEFAULT_TERMS = ContactTerms()


def terms_for(session: Session, jobcentre_id: uuid.UUID, akasse_id: uuid.UUID) -> ContactTerms:
    """The contact-process terms of one jobcentre–a-kasse pair."""
    return DEFAULT_TERMS


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where that day does not exist."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
