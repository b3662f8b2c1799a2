"""Business days: weekends and public holidays of the thread's country."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.workdays import add_business_days, is_business_day, next_business_day


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (date(2026, 11, 26), "US", False),  # Thanksgiving
        (date(2026, 11, 27), "US", True),  # the Friday after is a working day
        (date(2026, 11, 11), "US", False),  # Veterans Day
        (date(2026, 11, 11), "GB", True),  # not a holiday in the UK
        (date(2026, 11, 11), "FR", False),  # Armistice
        (date(2026, 12, 25), "DE", False),
        (date(2026, 12, 28), "GB", False),  # Boxing Day falls on Saturday: substitute Monday
        (date(2026, 12, 28), "DE", True),
        (date(2026, 10, 12), "ES", False),  # Fiesta Nacional
        (date(2026, 12, 8), "ES", False),  # Inmaculada Concepción
        (date(2026, 12, 8), "FR", True),
        (date(2026, 11, 7), "US", False),  # Saturday
        (date(2026, 11, 8), None, False),  # Sunday
        (date(2026, 11, 26), None, True),  # no calendar: Thanksgiving is a Thursday like any
        (date(2026, 11, 26), "XX", True),  # unknown country: weekends only, no exception
        (date(2026, 11, 26), "us", False),  # country codes are case-insensitive
    ],
)
def test_is_business_day(day: date, country: str | None, expected: bool) -> None:
    assert is_business_day(day, country) is expected


def test_unknown_subdivision_falls_back_to_the_national_calendar() -> None:
    assert is_business_day(date(2026, 12, 25), "DE", "ZZ") is False
    assert is_business_day(date(2026, 12, 28), "DE", "ZZ") is True


def test_subdivision_holidays_count() -> None:
    # Epiphany (6 January) is a holiday in Bavaria but not nationally in Germany.
    assert is_business_day(date(2027, 1, 6), "DE") is True
    assert is_business_day(date(2027, 1, 6), "DE", "BY") is False


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (date(2026, 11, 25), "US", date(2026, 11, 27)),  # skips Thanksgiving
        (date(2026, 11, 27), "US", date(2026, 11, 30)),  # Friday → Monday
        (date(2026, 11, 28), "US", date(2026, 11, 30)),  # Saturday → Monday
        (date(2026, 11, 30), "US", date(2026, 12, 1)),  # strictly after, month end
        (date(2026, 12, 31), "US", date(2027, 1, 4)),  # New Year's Day, then the weekend
        (date(2026, 12, 24), "GB", date(2026, 12, 29)),  # Christmas, weekend, substitute day
        (date(2026, 10, 9), "ES", date(2026, 10, 13)),  # weekend, then Fiesta Nacional
    ],
)
def test_next_business_day(day: date, country: str, expected: date) -> None:
    assert next_business_day(day, country) == expected


@pytest.mark.parametrize(
    ("day", "n", "country", "expected"),
    [
        (date(2026, 11, 23), 5, "US", date(2026, 12, 1)),  # Thanksgiving inside
        (date(2026, 11, 23), 5, None, date(2026, 11, 30)),
        (date(2026, 11, 6), 7, "US", date(2026, 11, 18)),  # Veterans Day inside
        (date(2026, 11, 6), 7, "GB", date(2026, 11, 17)),
        (date(2026, 12, 23), 3, "DE", date(2026, 12, 29)),  # Christmas Day and Boxing Day
        (date(2026, 12, 4), 3, "ES", date(2026, 12, 10)),  # Inmaculada on Tuesday
        (date(2026, 11, 7), 1, "US", date(2026, 11, 9)),  # counted from a Saturday
        (date(2026, 11, 2), 0, "US", date(2026, 11, 2)),
        (date(2026, 11, 2), -3, "US", date(2026, 11, 2)),
    ],
)
def test_add_business_days(day: date, n: int, country: str | None, expected: date) -> None:
    assert add_business_days(day, n, country) == expected
