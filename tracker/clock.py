"""The one source of "now": injectable so every decision can be replayed at any moment."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers `moment` (which must carry a UTC offset)."""
    if moment.tzinfo is None:
        raise ValueError("a fixed clock needs a timezone-aware moment")
    return lambda: moment


def parse_now(text: str) -> datetime:
    """Parse a `--now` ISO 8601 value; a value without an offset is taken as UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


# For tests and demos only: `FOLLOWUP_SIMULATED_CLOCK="2026-11-16T08:00+01:00 x3600"` makes the
# daemon's clock start at that moment and run 3600 times faster than the real one.
SIMULATED_CLOCK_VARIABLE = "FOLLOWUP_SIMULATED_CLOCK"


@dataclass(frozen=True)
class RunningClock:
    """A clock and how fast it runs against real time (1.0 for the real clock)."""

    now: Clock
    speed: float = 1.0


def simulated_clock(
    start: datetime, speed: float, monotonic: Callable[[], float] = time.monotonic
) -> Clock:
    """A clock that starts at `start` now and advances `speed` seconds per real second."""
    if start.tzinfo is None:
        raise ValueError("a simulated clock needs a timezone-aware start")
    if not (math.isfinite(speed) and speed > 0):
        raise ValueError("a simulated clock must run forwards, at a finite speed")
    began = monotonic()
    return lambda: start + timedelta(seconds=(monotonic() - began) * speed)


def clock_from_environ(
    environ: Mapping[str, str], monotonic: Callable[[], float] = time.monotonic
) -> RunningClock:
    """The system clock, or the simulated one `$FOLLOWUP_SIMULATED_CLOCK` describes (its speed
    is simulated seconds per real second, `monotonic` the real time it is measured against).

    Only tests and demos set the variable; the daemon then divides its waits by the speed.
    Raises ValueError, naming the variable, for a value it cannot read.
    """
    spec = environ.get(SIMULATED_CLOCK_VARIABLE, "").strip()
    if not spec:
        return RunningClock(system_clock)
    start_text, *rest = spec.split()
    try:
        if len(rest) > 1:
            raise ValueError(spec)
        start = parse_now(start_text)
        speed = float(rest[0].removeprefix("x")) if rest else 1.0
        return RunningClock(simulated_clock(start, speed, monotonic), speed)
    except ValueError:
        raise ValueError(
            f"{SIMULATED_CLOCK_VARIABLE}={spec!r}: write an ISO moment and a speed, like "
            '"2026-11-16T08:00+01:00 x3600"'
        ) from None
