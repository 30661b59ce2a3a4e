"""Danish working days: processing deadlines skip weekends and public holidays."""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _easter(year: int) -> date:
    # Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """Days a jobcentre is closed: helligdage plus Grundlovsdag and Christmas Eve."""
    easter = _easter(year)
    movable = [-3, -2, 0, 1, 39, 49, 50]  # skærtorsdag .. 2. pinsedag
    if year < 2024:
        movable.append(26)  # store bededag, abolished from 2024
    fixed = [date(year, 1, 1), date(year, 6, 5), date(year, 12, 24), date(year, 12, 25)]
    fixed.append(date(year, 12, 26))
    return frozenset([easter + timedelta(days=n) for n in movable] + fixed)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (0 means the first working day from `start`)."""
    current = start
    while not is_working_day(current):
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def local_date(moment: datetime) -> date:
    """The calendar date in Denmark of an aware timestamp."""
    return aware(moment).astimezone(COPENHAGEN).date()


def aware(moment: datetime) -> datetime:
    """A stored timestamp as UTC-aware (SQLite hands them back without a zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
