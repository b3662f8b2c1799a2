"""Business-day arithmetic: weekends and a country's public holidays are not working days.

Holiday calendars come from the `holidays` package and are cached per (country,
subdivision). An unknown country or subdivision falls back to weekends only and never
raises: a due date a day early is better than a thread that cannot be understood.
"""

from __future__ import annotations

import logging
from collections.abc import Container
from datetime import date, timedelta
from functools import lru_cache

import holidays

logger = logging.getLogger(__name__)

_NO_HOLIDAYS: frozenset[date] = frozenset()


@lru_cache(maxsize=64)
def _calendar(country: str | None, subdivision: str | None) -> Container[date]:
    """The public holidays of `country` (lazily expanded per year), or none at all."""
    if not country:
        return _NO_HOLIDAYS
    code = country.strip().upper()
    try:
        return holidays.country_holidays(code, subdiv=subdivision or None)
    except NotImplementedError:
        if subdivision:
            # A subdivision the package does not know: the national calendar still helps.
            logger.info("unknown holiday subdivision %r of %r; using national", subdivision, code)
            return _calendar(country, None)
        logger.info("no holiday calendar for country %r; counting weekends only", code)
        return _NO_HOLIDAYS


def is_business_day(day: date, country: str | None, subdivision: str | None = None) -> bool:
    """True when `day` is a weekday and not a public holiday of `country`."""
    return day.weekday() < 5 and not is_holiday(day, country, subdivision)


def is_holiday(day: date, country: str | None, subdivision: str | None = None) -> bool:
    """True when `day` is a public holiday of `country` (and `subdivision`)."""
    return day in _calendar(country, subdivision)


def next_business_day(day: date, country: str | None, subdivision: str | None = None) -> date:
    """The first business day strictly after `day`."""
    candidate = day + timedelta(days=1)
    while not is_business_day(candidate, country, subdivision):
        candidate += timedelta(days=1)
    return candidate


def add_business_days(
    day: date, n: int, country: str | None, subdivision: str | None = None
) -> date:
    """The n-th business day after `day` (n <= 0 returns `day` unchanged)."""
    result = day
    for _ in range(max(n, 0)):
        result = next_business_day(result, country, subdivision)
    return result
