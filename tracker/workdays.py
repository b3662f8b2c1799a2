"""Business-day arithmetic: weekends and a country's public holidays are not working days.

Holiday calendars come from the `holidays` package and are cached per (country,
subdivision). An unknown country or subdivision falls back to weekends only and never
raises: a due date a day early is better than a thread that cannot be understood.

The daemon lives for days with whatever it imported, so the package is imported at the first
question about a country (never, without `policy.holidays`), and only that country's module is
loaded: the package's own way (`country_holidays`, `list_supported_countries`) runs
`holidays.countries`, which imports all ~250 countries, ~7 MB more for the life of the process.
Should the package's layout ever change under us, its own way is the fallback.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from collections.abc import Container
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from holidays import HolidayBase

logger = logging.getLogger(__name__)

_NO_HOLIDAYS: frozenset[date] = frozenset()
_LOADING = threading.Lock()  # the daemon's pass and a configuration reload may both ask


@lru_cache(maxsize=64)
def _calendar(country: str | None, subdivision: str | None) -> Container[date]:
    """The public holidays of `country` (lazily expanded per year), or none at all."""
    if not country:
        return _NO_HOLIDAYS
    code = country.strip().upper()
    try:
        return _country(code)(subdiv=subdivision or None)
    except NotImplementedError:
        if subdivision:
            # A subdivision the package does not know: the national calendar still helps.
            logger.info("unknown holiday subdivision %r of %r; using national", subdivision, code)
            return _calendar(country, None)
        logger.info("no holiday calendar for country %r; counting weekends only", code)
        return _NO_HOLIDAYS


def holiday_countries() -> list[str]:
    """The country codes the holidays package knows (aliases such as UK included), read from
    its registry: no country is loaded."""
    from holidays.registry import EntityLoader  # noqa: PLC0415 - see the module's docstring

    return list(EntityLoader.get_country_codes())


def holiday_subdivisions(country: str) -> tuple[str, ...]:
    """The subdivisions of `country` (one of `holiday_countries()`); loads that country only."""
    return tuple(_country(country).subdivisions)


def _country(code: str) -> type[HolidayBase]:
    """The holidays class of the country `code` ("US", "USA", "UK"), its module loaded alone.

    Raises NotImplementedError for a code the package does not know.
    """
    import holidays  # noqa: PLC0415 - see the module's docstring
    from holidays.registry import COUNTRIES  # noqa: PLC0415

    module = next((name for name, names in COUNTRIES.items() if code in names[1:]), None)
    if module is None:
        raise NotImplementedError(f"no holidays for country {code!r}")
    try:
        with _LOADING:
            found: type[HolidayBase] = getattr(_country_module(module), code)
    except (ImportError, OSError, AttributeError) as exc:
        logger.info("loading holidays of %s alone failed (%s); loading them all", code, exc)
        found = getattr(holidays, code).get_entity()
    return found


def _country_module(module: str) -> ModuleType:
    """holidays.countries.<module>, imported without holidays.countries itself."""
    name = f"holidays.countries.{module}"
    if name in sys.modules:
        return sys.modules[name]
    package = importlib.util.find_spec("holidays.countries")  # finds it, does not run it
    if package is None or package.origin is None:
        raise ImportError("holidays.countries not found")
    source = Path(package.origin).parent / f"{module}.py"
    spec = importlib.util.spec_from_file_location(name, source)
    if spec is None or spec.loader is None:
        raise ImportError(f"{name} not found")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    try:
        spec.loader.exec_module(loaded)
    except BaseException:
        del sys.modules[name]
        raise
    return loaded


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
