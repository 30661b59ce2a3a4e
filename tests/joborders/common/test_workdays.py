"""Danish working days for processing deadlines."""

from datetime import date

from services.joborders.common.workdays import add_working_days, is_working_day, public_holidays


def test_easter_and_christmas_are_holidays() -> None:
    holidays = public_holidays(2026)
    assert date(2026, 4, 3) in holidays  # langfredag
    assert date(2026, 4, 6) in holidays  # 2. påskedag
    assert date(2026, 5, 14) in holidays  # Kristi himmelfartsdag
    assert date(2026, 12, 24) in holidays


def test_store_bededag_is_a_working_day_from_2024() -> None:
    assert date(2023, 5, 5) in public_holidays(2023)
    assert is_working_day(date(2024, 4, 26))


def test_working_days_skip_weekends_and_holidays() -> None:
    assert add_working_days(date(2026, 11, 20), 2) == date(2026, 11, 24)  # Fri -> Tue
    assert add_working_days(date(2026, 4, 1), 2) == date(2026, 4, 8)  # Tue 7th is the first
    assert add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 23)  # Saturday -> Monday
