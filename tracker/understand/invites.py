"""iCalendar bytes (a text/calendar part or an .ics attachment) → `CalendarEvent`s.

Uses `icalendar`, imported at the first calendar (it costs the daemon ~3 MB of memory, and
most mail has none); every time comes out timezone-aware. A broken calendar is reported
as a defect string, never raised: invitations are hints, not load-bearing input.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.understand.parse import Address, CalendarEvent

logger = logging.getLogger(__name__)

_MAX_ICS_BYTES = 512 * 1024
_MAX_EVENTS = 50


@dataclass(frozen=True)
class InviteParse:
    """The events found in one calendar object, and what was wrong with it."""

    events: tuple[CalendarEvent, ...]
    defects: tuple[str, ...]


def parse_calendar(
    data: bytes,
    *,
    make_event: Callable[..., CalendarEvent],
    make_address: Callable[[str, str], Address],
) -> InviteParse:
    """Parse iCalendar `data`; the factories build the caller's dataclasses.

    Floating times are taken as UTC, all-day dates as midnight UTC; both are noted as
    defects so a reader knows the time was guessed.
    """
    if len(data) > _MAX_ICS_BYTES:
        return InviteParse((), (f"calendar: {len(data)} bytes, over the limit; skipped",))
    text = data.decode("utf-8", errors="replace")
    defects: list[str] = []
    import icalendar  # noqa: PLC0415 - only for mail with a calendar (see the docstring)

    try:
        with warnings.catch_warnings():
            # icalendar warns on some legacy constructs; a warning is not a reason to fail.
            warnings.simplefilter("ignore")
            calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        return InviteParse((), (f"calendar: cannot parse ({_short(exc)})",))
    events: list[CalendarEvent] = []
    for calendar in calendars:
        method = _text(calendar.get("METHOD")).upper() or None
        for component in calendar.walk("VEVENT")[:_MAX_EVENTS]:
            try:
                events.append(_event(component, method, defects, make_event, make_address))
            except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                defects.append(f"calendar: broken VEVENT ({_short(exc)})")
    if not events and not defects:
        defects.append("calendar: no VEVENT found")
    return InviteParse(tuple(events), tuple(defects))


def _event(
    component: Any,
    method: str | None,
    defects: list[str],
    make_event: Callable[..., CalendarEvent],
    make_address: Callable[[str, str], Address],
) -> CalendarEvent:
    for name, error in getattr(component, "errors", []) or []:
        defects.append(f"calendar: {name}: {error}")
    uid = _text(component.get("UID")) or None
    start = _when(component.get("DTSTART"), "DTSTART", uid, defects)
    end = _when(component.get("DTEND"), "DTEND", uid, defects)
    if end is None and start is not None:
        duration = _first(component.get("DURATION"))
        delta = getattr(duration, "dt", None)
        if isinstance(delta, timedelta):
            end = start + delta
    organizer = _address(_first(component.get("ORGANIZER")), make_address)
    attendee_values = component.get("ATTENDEE")
    if attendee_values is None:
        attendee_values = []
    elif not isinstance(attendee_values, list):
        attendee_values = [attendee_values]
    attendees = tuple(
        address
        for address in (_address(value, make_address) for value in attendee_values)
        if address is not None
    )
    return make_event(
        method=method,
        uid=uid,
        sequence=_sequence(component.get("SEQUENCE")),
        status=_text(component.get("STATUS")).upper() or None,
        summary=_text(component.get("SUMMARY")),
        description=_text(component.get("DESCRIPTION")),
        location=_text(component.get("LOCATION")),
        start=start,
        end=end,
        organizer=organizer,
        attendees=attendees,
    )


def _first(value: Any) -> Any:
    """A property given twice comes back as a list: the first one wins."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: Any) -> str:
    value = _first(value)
    if value is None:
        return ""
    return str(value).strip()


def _sequence(value: Any) -> int:
    try:
        return int(str(_first(value)).strip()) if _first(value) is not None else 0
    except ValueError:
        return 0


def _when(value: Any, name: str, uid: str | None, defects: list[str]) -> datetime | None:
    value = _first(value)
    if value is None:
        return None
    moment = getattr(value, "dt", None)
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            tzid = getattr(value, "params", {}).get("TZID")
            why = f"unknown TZID {tzid!r}" if tzid else "floating time"
            defects.append(f"calendar: {name} of {uid or 'event'}: {why}, treated as UTC")
            return moment.replace(tzinfo=UTC)
        return moment
    if isinstance(moment, date):
        return datetime.combine(moment, time(0, 0), tzinfo=UTC)
    defects.append(f"calendar: {name} of {uid or 'event'} is not a date or time")
    return None


def _address(value: Any, make_address: Callable[[str, str], Address]) -> Address | None:
    if value is None:
        return None
    raw = str(value).strip()
    if raw.lower().startswith("mailto:"):
        raw = raw[len("mailto:") :]
    email = raw.strip().lower()
    params = getattr(value, "params", None)
    name = str(params.get("CN", "")).strip().strip('"') if params is not None else ""
    if not email and not name:
        return None
    return make_address(name, email)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}"
