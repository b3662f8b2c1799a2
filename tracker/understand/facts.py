"""The facts of one hiring thread: who, which role, when the interview was, what happened since.

Pure: a `Thread` and the owner's addresses in, a `ThreadFacts` out. The interview time
comes from calendar invites (latest SEQUENCE per UID, cancelled ones dropped, the latest
round kept) or, without any, from a confirmed day and time in the text ("see you Tuesday at
2pm"), resolved against the date of the message that says it.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tracker.understand.detect import detect, is_ats_address
from tracker.understand.parse import Address, CalendarEvent, Message
from tracker.understand.signals import (
    Outcome,
    asks_owner,
    automatic_reasons,
    is_checkin,
    is_thank_you,
    out_of_office_return,
    outcome_of,
)
from tracker.understand.threads import Thread, normalise_subject
from tracker.understand.timeline import StatedTimeline, find_timeline

OutcomeName = Literal["open", "rejected", "offer", "withdrawn"]

_FLAGS = re.IGNORECASE | re.UNICODE
BASE_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ThreadFacts:
    """What followup knows of one thread (the `scan --json` thread fields, and their sources)."""

    thread_id: str
    is_interview: bool
    score: float
    reasons: tuple[str, ...]
    company: str | None
    role: str | None
    contacts: tuple[Address, ...]
    interview_at: datetime | None
    interview_end: datetime | None
    interview_message_id: str | None  # the invite or message the time came from
    panel: bool
    thankyou_message_id: str | None
    thankyou_at: datetime | None
    checkins_sent: int
    checkin_message_ids: tuple[str, ...]
    replied_after_thankyou: bool
    auto_reply_message_ids: tuple[str, ...]
    ooo_return: date | None
    stated_timeline: StatedTimeline | None
    stated_timeline_message_id: str | None
    outcome: OutcomeName
    outcome_message_id: str | None
    asks_owner: bool
    last_other_side_at: datetime | None
    # What the policy counts waits from (not part of the scan contract):
    last_other_side_message_id: str | None = None  # the latest human message from them
    checkin_times: tuple[datetime, ...] = ()  # parallel to checkin_message_ids
    last_owner_at: datetime | None = None  # the owner's latest message that is not a check-in

    def to_json(self) -> dict[str, Any]:
        """The thread fields of `scan --json` (thread_id, message_ids, next_step excepted)."""
        timeline = self.stated_timeline
        return {
            "is_interview": self.is_interview,
            "score": self.score,
            "reasons": list(self.reasons),
            "company": self.company,
            "role": self.role,
            "contacts": [{"name": a.name, "email": a.email} for a in self.contacts],
            "interview_at": _iso(self.interview_at),
            "thankyou_message_id": self.thankyou_message_id,
            "thankyou_at": _iso(self.thankyou_at),
            "replied_after_thankyou": self.replied_after_thankyou,
            "auto_reply_message_ids": list(self.auto_reply_message_ids),
            "stated_timeline": (
                None
                if timeline is None
                else {
                    "text": timeline.text,
                    "due": timeline.due.isoformat() if timeline.due else None,
                }
            ),
            "outcome": self.outcome,
            "checkins_sent": self.checkins_sent,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- the interview from invites ------------------------------------------------------------


@dataclass(frozen=True)
class _Interview:
    start: datetime
    end: datetime | None
    message_id: str
    interviewers: int


def _from_invites(thread: Thread, owners: frozenset[str]) -> _Interview | None:
    """The latest live invite: the highest SEQUENCE per UID, cancelled ones dropped."""
    latest: dict[str, tuple[int, int, CalendarEvent, Message]] = {}
    for position, message in enumerate(thread.messages):
        for event in message.calendar:
            if event.start is None or (event.method or "").upper() == "REPLY":
                continue
            if event.organizer is not None and event.organizer.email in owners:
                continue  # the owner's own meeting, not an interview they attend
            key = event.uid or f"{event.summary}|{event.start.isoformat()}"
            known = latest.get(key)
            if known is None or (event.sequence, position) >= known[:2]:
                latest[key] = (event.sequence, position, event, message)
    live = [
        (event, message)
        for _, _, event, message in latest.values()
        if (event.method or "").upper() != "CANCEL" and (event.status or "").upper() != "CANCELLED"
    ]
    if not live:
        return None
    event, message = max(live, key=lambda pair: pair[0].start or BASE_TIME)
    assert event.start is not None
    organizer = event.organizer.email if event.organizer else None
    people = {
        a.email
        for a in event.attendees
        if a.email not in owners and a.email != organizer and not is_machine_address(a.email)
    }
    return _Interview(event.start, event.end, message.message_id, len(people))


# --- the interview from text ---------------------------------------------------------------

_ZONES = {
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "eastern": "America/New_York",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "central": "America/Chicago",
    "mt": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mountain": "America/Denver",
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "bst": "Europe/London",
    "uk": "Europe/London",
    "gmt": "Europe/London",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "mez": "Europe/Berlin",
    "mesz": "Europe/Berlin",
    "utc": "UTC",
    "wet": "Europe/Lisbon",
    "west": "Europe/Lisbon",
    "eet": "Europe/Athens",
    "eest": "Europe/Athens",
    "sast": "Africa/Johannesburg",
    "cat": "Africa/Maputo",
    "eat": "Africa/Nairobi",
    "wat": "Africa/Lagos",
    "sgt": "Asia/Singapore",
    "hkt": "Asia/Hong_Kong",
    "pht": "Asia/Manila",
    "jst": "Asia/Tokyo",
    "awst": "Australia/Perth",
    "acst": "Australia/Adelaide",
    "acdt": "Australia/Adelaide",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    "ast": "America/Halifax",
    "adt": "America/Halifax",
    "nst": "America/St_Johns",
    "ndt": "America/St_Johns",
    "akst": "America/Anchorage",
    "hst": "Pacific/Honolulu",
    "art": "America/Argentina/Buenos_Aires",
}
_WEEKDAYS = {
    **dict.fromkeys(["monday", "montag", "lundi", "lunes"], 0),
    **dict.fromkeys(["tuesday", "dienstag", "mardi", "martes"], 1),
    **dict.fromkeys(["wednesday", "mittwoch", "mercredi", "miércoles", "miercoles"], 2),
    **dict.fromkeys(["thursday", "donnerstag", "jeudi", "jueves"], 3),
    **dict.fromkeys(["friday", "freitag", "vendredi", "viernes"], 4),
    **dict.fromkeys(["saturday", "samstag", "samedi", "sábado", "sabado"], 5),
    **dict.fromkeys(["sunday", "sonntag", "dimanche", "domingo"], 6),
}
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janvier enero",
        "february feb februar février fevrier febrero",
        "march mar märz mars marzo",
        "april apr avril abril",
        "may mai mayo",
        "june jun juni juin junio",
        "july jul juli juillet julio",
        "august aug août aout agosto",
        "september sep sept septembre septiembre",
        "october oct oktober octobre octubre",
        "november nov novembre noviembre",
        "december dec dezember décembre decembre diciembre",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_ZONE_NAMES = "|".join(sorted(_ZONES, key=len, reverse=True))

_TIME = re.compile(
    r"(?<![\d/.:])(?:"
    r"(?P<h12>\d{1,2})(?:[:.](?P<m12>\d{2}))?\s*(?P<ap>[ap])\.?\s?m\b\.?"
    r"|(?P<h24>\d{1,2})[:.](?P<m24>\d{2})(?:\s*uhr)?(?![\d/.])"
    r"|(?P<huhr>\d{1,2})\s*uhr\b"
    r"|(?P<hfr>\d{1,2})\s?h(?P<mfr>\d{2})?\b"
    r"|(?:\bat|\bum|\ba las|\ba la|\bà)\s+(?P<hbare>\d{1,2})\b(?![:./\d])"
    r")"
    rf"(?:\s*\(?(?P<zone>{_ZONE_NAMES})\b)?",
    _FLAGS,
)
_DATE_PATTERNS = (
    re.compile(rf"\b(?P<month>{_MONTH_NAMES})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b", _FLAGS),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?P<month>{_MONTH_NAMES})\b",
        _FLAGS,
    ),
    re.compile(r"\b(?P<month_n>\d{1,2})/(?P<day>\d{1,2})\b"),
    # "04.11.", "04.11.2026", "4.11.26"
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<month_n>\d{1,2})\.(?:\d{4}|\d{2})?(?!\d)"),
    re.compile(r"\bthe (?P<day>\d{1,2})(?:st|nd|rd|th)\b", _FLAGS),
)
_WEEKDAY = re.compile(rf"\b(?P<weekday>{_WEEKDAY_NAMES})\b", _FLAGS)
_TOMORROW = re.compile(r"\b(?:tomorrow|morgen|demain|mañana)\b", _FLAGS)
_TODAY = re.compile(r"\b(?:today|heute|aujourd'hui|hoy)\b", _FLAGS)
# A time moved within the day already named: "à 11h00, le même jour".
_SAME_DAY = re.compile(
    r"\b(?:the same day|same day|le même jour|am (?:selben|gleichen) tag|el mismo día)\b", _FLAGS
)
# A full stop after a digit is a German ordinal ("30. September"), not a sentence end.
_SENTENCE_END = re.compile(r"(?:(?<!\d)[.!?]|\n)(?:\s|$)")
# Zones tried, in order, to find the sender's clock from a message's offset, so that a time
# written before a daylight-saving change and held after it gets the right offset.
_COUNTRY_ZONES = {
    "US": (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
    ),
    "CA": ("America/Toronto", "America/Winnipeg", "America/Edmonton", "America/Vancouver"),
    "GB": ("Europe/London",),
    "IE": ("Europe/Dublin",),
    "DE": ("Europe/Berlin",),
    "AT": ("Europe/Vienna",),
    "CH": ("Europe/Zurich",),
    "FR": ("Europe/Paris",),
    "BE": ("Europe/Brussels",),
    "NL": ("Europe/Amsterdam",),
    "ES": ("Europe/Madrid",),
}
_ANY_ZONES = tuple(zone for zones in _COUNTRY_ZONES.values() for zone in zones)


@functools.cache
def _zones_of(country: str) -> tuple[str, ...]:
    """The IANA zones of `country`: the table above first (its order is the likeliest), then
    the system's zone1970.tab (tzdata), which knows every country."""
    listed = _COUNTRY_ZONES.get(country, ())
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone1970.tab"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        found = [
            fields[2]
            for fields in (line.split("\t") for line in lines if not line.startswith("#"))
            if len(fields) >= 3 and country in fields[0].split(",")
        ]
        return listed + tuple(z for z in found if z not in listed)
    return listed


def _sender_zone(sent_at: datetime, country: str | None) -> tzinfo:
    """The IANA zone of the sender's clock: one of the country's with the message's offset."""
    offset = sent_at.utcoffset()
    candidates = _zones_of((country or "").upper()) + _ANY_ZONES
    for name in candidates:
        zone = ZoneInfo(name)
        if sent_at.astimezone(zone).utcoffset() == offset:
            return zone
    return sent_at.tzinfo or ZoneInfo("UTC")


# The end of a range whose start leaves am/pm to it: "1:00-3:00 PM" starts at 1 pm.
_RANGE_MERIDIEM = re.compile(
    r"\s*(?:-|–|—|to)\s*\d{1,2}(?::\d{2})?\s*(?P<ap>[ap])\.?\s?m\b", _FLAGS
)


def _hour_minute(match: re.Match[str], text: str) -> tuple[int, int] | None:
    if match.group("h12"):
        hour, minute = int(match.group("h12")), int(match.group("m12") or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match.group("ap").lower() == "p" else 0)
    elif match.group("h24"):
        hour, minute = int(match.group("h24")), int(match.group("m24"))
        shared = _RANGE_MERIDIEM.match(text, match.end())
        if shared is not None and 1 <= hour <= 12:
            hour = hour % 12 + (12 if shared.group("ap").lower() == "p" else 0)
    elif match.group("huhr"):
        hour, minute = int(match.group("huhr")), 0
    elif match.group("hfr"):
        hour, minute = int(match.group("hfr")), int(match.group("mfr") or 0)
    else:
        hour, minute = int(match.group("hbare")), 0
        if 1 <= hour <= 6:
            hour += 12  # "at 2" in a business conversation is the afternoon
    if not (0 <= hour <= 23 and 0 <= minute <= 59) or hour < 7:
        return None
    return hour, minute


def _resolve_day(window: str, sent: date, same_day: date | None = None) -> date | None:
    if same_day is not None and _SAME_DAY.search(window):
        return same_day
    for pattern in _DATE_PATTERNS:
        found = pattern.search(window)
        if found is None:
            continue
        day = int(found.group("day"))
        groups = found.groupdict()
        if groups.get("month"):
            month: int | None = _MONTHS.get(groups["month"].lower().rstrip("."))
        elif groups.get("month_n"):
            month = int(groups["month_n"])
        else:
            month = None
        try:
            if month is None:
                candidate = sent.replace(day=day)
                if candidate < sent:
                    candidate = (candidate.replace(day=1) + timedelta(days=32)).replace(day=day)
                return candidate
            candidate = date(sent.year, month, day)
        except ValueError:
            continue
        if candidate < sent - timedelta(days=60):
            candidate = candidate.replace(year=sent.year + 1)
        return candidate
    if _TOMORROW.search(window):
        return sent + timedelta(days=1)
    weekday = _WEEKDAY.search(window)
    if weekday is not None:
        wanted = _WEEKDAYS[weekday.group("weekday").lower()]
        ahead = (wanted - sent.weekday()) % 7 or 7
        return sent + timedelta(days=ahead)
    if _TODAY.search(window):
        return sent
    return None


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end] (a line or up to a full stop)."""
    # One character past `start`, so that the end of the slice does not pass for the end of
    # the text: a line break right before "1:30 pm" ends no sentence.
    ends = _SENTENCE_END.finditer(text, 0, min(len(text), start + 1))
    left = max((m.end() for m in ends if m.end() <= start), default=0)
    right_match = _SENTENCE_END.search(text, end)
    right = right_match.start() if right_match else len(text)
    return text[max(left, start - 120) : min(right, end + 60)]


def times_in_text(
    text: str, sent_at: datetime, country: str | None = None, same_day: date | None = None
) -> list[datetime]:
    """Future day-and-time moments named in `text`, resolved against `sent_at`, in order.

    A time without a zone name is on the sender's clock (found from the message's offset
    and `country`); one "on the same day" is on `same_day` (the day named before).
    """
    found: list[datetime] = []
    sent = sent_at.date()
    for match in _TIME.finditer(text):
        hour_minute = _hour_minute(match, text)
        if hour_minute is None:
            continue
        window = _sentence(text, match.start(), match.end())
        day = _resolve_day(window, sent, same_day)
        if day is None:
            continue
        zone_name = (match.group("zone") or "").lower()
        zone = ZoneInfo(_ZONES[zone_name]) if zone_name else _sender_zone(sent_at, country)
        moment = datetime.combine(day, time(*hour_minute), tzinfo=zone)
        # A fixed offset, as the scan contract prints it.
        moment = moment.astimezone(_fixed(moment))
        if sent_at < moment <= sent_at + timedelta(days=90):
            found.append(moment)
    return found


def _fixed(moment: datetime) -> tzinfo:
    offset = moment.utcoffset()
    assert offset is not None
    return timezone(offset)


def _from_text(
    thread: Thread,
    automatic: dict[str, tuple[str, ...]],
    outcome: Callable[[Message], Outcome | None],
    country: str | None,
) -> _Interview | None:
    """The time in the latest message that names a future day and time.

    The other side's word counts first (it sets the time, on its clock); the owner's own
    confirmation only when the other side never named one.
    """
    named: list[tuple[Message, datetime]] = []
    day: date | None = None  # the day named last, for a time moved "on the same day"
    for message in thread.messages:
        if message.date is None or automatic[message.message_id]:
            continue
        moments = times_in_text(message.new_text, message.date, country, day)
        if moments:
            day = moments[0].date()
            named.append((message, moments[0]))
    for direction in ("incoming", "outgoing"):
        for message, moment in reversed(named):
            # After an offer or a rejection a call is about the decision, not an interview.
            if message.direction == direction and not (
                direction == "incoming" and outcome(message) is not None
            ):
                return _Interview(moment, None, message.message_id, 0)
    return None


# The header of a message pasted below a reply: "-----Original Message-----\nFrom: ...".
_PASTED = re.compile(
    r"^(?:-{2,}\s*[\w' ]+\s*-{2,}\s*\n)?(?:From|Von|De|Da)\s*:\s*(?P<sender>[^\n]*)\n"
    r"(?:[\w ]{2,12}:[^\n]*\n)*\s*\n",
    _FLAGS,
)
_PASTED_END = re.compile(
    r"^(?:_{5,}|-{2,}\s*[\w' ]+\s*-{2,}|(?:From|Von|De|Da)\s*:|On .* wrote:|Am .* schrieb|"
    r"Le .* a écrit|El .* escribió)",
    re.MULTILINE,
)
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _relayed(quoted: str, known: set[str] | frozenset[str]) -> str | None:
    """The text of a message pasted at the top of the quoted part when its writer never wrote
    in the thread (a client's answer an agency recruiter passes on): news, not a quote of
    what the thread already holds. None otherwise."""
    pasted = _PASTED.match(quoted)
    if pasted is None:
        return None
    writer = _ADDRESS.search(pasted.group("sender"))
    if writer is None or writer.group(0).lower() in known:
        return None
    body = quoted[pasted.end() :]
    end = _PASTED_END.search(body)
    return body[: end.start()] if end is not None else body


# A message arranging a later round by text after the invited interview took place.
_ROUND = re.compile(
    r"\b(?:second|third|next|final|2nd|3rd) (?:round|stage|interview)\b|\bcase study\b|"
    r"\b(?:zweite|nächste|finale) (?:runde|gespräch)|\bzweites gespräch\b|"
    r"\b(?:deuxième|second|prochain|dernier) (?:tour|entretien)\b|"
    r"\b(?:segunda|siguiente|última) (?:ronda|entrevista|fase)\b",
    _FLAGS,
)


def _latest_round(
    thread: Thread, invited: _Interview | None, texted: _Interview | None
) -> _Interview | None:
    """The interview that counts: the invite's, unless a message sent after that interview
    began arranges a later round by text (a second round agreed by mail)."""
    if invited is None or texted is None or texted.start <= invited.start:
        return invited or texted
    source = next(m for m in thread.messages if m.message_id == texted.message_id)
    wording = f"{source.subject}\n{source.new_text}"
    later = source.date is not None and source.date > invited.start
    if later and _ROUND.search(wording):
        return texted
    return invited


_PANEL_TEXT = re.compile(
    r"\bpanel\b|\binterviewers\b|\bback-to-back\b|\bwith [A-Z][a-z]+ [A-Z][a-z]+ and [A-Z][a-z]+",
    re.UNICODE,
)


# --- company, role, contacts ---------------------------------------------------------------

_MACHINE = re.compile(
    r"^(?:no-?reply|do-?not-?reply|notifications?|calendar|mailer|jobs|careers|talent)\b"
)
# What follows a company's name in the display name of its hiring system's mail ("Northwind
# Labs Recruiting", "Acme via Greenhouse"), and a company named in a subject ("... at Acme").
ORG_SUFFIX = re.compile(
    r"\s+(?:recruiting|recruitment|talent(?: acquisition)?|careers|hiring|hr|people|team|"
    r"jobs|karriere|recrutement|empleo|via \w+)\b.*$",
    _FLAGS,
)
SUBJECT_COMPANY = re.compile(
    r"\b(?:with|at|bei|chez|en|con)\s+(?P<name>[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*){0,2})", re.UNICODE
)
_ROLE_WORD = re.compile(
    r"\b(?:engineer|developer|analyst|scientist|designer|manager|architect|consultant|specialist|"
    r"lead|director|ingenieur|entwickler|ingénieur|développeur|analista|ingenier|desarrollador|"
    r"product|data)\w*",
    _FLAGS,
)


def is_machine_address(address: str) -> bool:
    """True for an applicant-tracking or no-reply address: nobody reads what is sent there."""
    local = address.split("@", 1)[0]
    return is_ats_address(address) or bool(_MACHINE.match(local))


def _contacts(
    thread: Thread, owners: frozenset[str], automatic: dict[str, tuple[str, ...]]
) -> tuple[Address, ...]:
    seen: dict[str, Address] = {}
    for message in thread.messages:
        if message.direction != "incoming" or message.sender is None:
            continue
        if automatic[message.message_id]:
            continue
        if is_machine_address(message.sender.email):
            # An ATS message is written by the person its Reply-To names.
            for person in message.reply_to:
                if person.email not in owners and not is_machine_address(person.email):
                    seen.setdefault(person.email, person)
            continue
        seen.setdefault(message.sender.email, message.sender)
    return tuple(seen.values())


def _company(thread: Thread, contacts: tuple[Address, ...]) -> str | None:
    texts = [m.subject for m in thread.messages] + [
        f"{m.sender.name if m.sender else ''}\n{m.signature}\n{m.new_text}"
        for m in thread.messages
        if m.direction == "incoming"
    ]
    blob = "\n".join(texts)
    # A name written in the thread whose letters spell a sender's domain ("Halcyon Robotics"
    # for halcyonrobotics.example) is the company as it writes itself.
    domains = []
    for person in contacts:
        label = person.email.rsplit("@", 1)[-1].split(".")[0]
        if label and not is_ats_address(person.email):
            domains.append(label.lower())
    for message in thread.messages:
        if message.sender and is_ats_address(message.sender.email) and message.sender.name:
            name = ORG_SUFFIX.sub("", message.sender.name).strip()
            if name:
                return name
    for label in domains:
        for found in re.finditer(r"\b[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*){0,2}", blob):
            words = found.group(0).split()
            for size in range(len(words), 0, -1):
                phrase = " ".join(words[:size])
                if re.sub(r"[^a-z0-9]", "", phrase.lower()) == label:
                    return phrase
    for message in thread.messages:
        subject_match = SUBJECT_COMPANY.search(message.subject)
        if subject_match:
            return subject_match.group("name").strip()
    if domains:
        return domains[0].capitalize()
    return None


def role_of(thread: Thread) -> str | None:
    """The role a thread names in a subject ("Senior Data Engineer"), as written."""
    for message in thread.messages:
        subject = normalise_subject(message.subject) and message.subject
        for piece in re.split(r"\s[-–—|:]\s|\bfor (?:the |our )?|\bas (?:an? )?", subject):
            part = re.sub(
                r"\s+(?:role|position|opening|interview)\s*$", "", piece.strip(), flags=_FLAGS
            )
            if _ROLE_WORD.search(part) and len(part.split()) <= 6 and part[:1].isupper():
                return part
    return None


# --- the facts -----------------------------------------------------------------------------


def thread_facts(
    thread: Thread, owner_addresses: frozenset[str], country: str | None
) -> ThreadFacts:
    """Everything followup needs to decide on `thread`; `country` picks the business days.

    The stated timeline and the outcome are read only in threads `detect` accepts (they
    mean nothing elsewhere, and reading them is the costliest part); other threads get
    None and "open".
    """
    owners = frozenset(a.lower() for a in owner_addresses)
    detection = detect(thread, owners)
    messages = thread.messages
    automatic = {m.message_id: automatic_reasons(m) for m in messages}
    human_incoming = [
        m for m in messages if m.direction == "incoming" and not automatic[m.message_id]
    ]

    decided: dict[str, Outcome | None] = {}

    def outcome(message: Message) -> Outcome | None:
        """The decision `message` announces, read once per message however often asked."""
        if message.message_id not in decided:
            decided[message.message_id] = outcome_of(message)
        return decided[message.message_id]

    interview = _latest_round(
        thread, _from_invites(thread, owners), _from_text(thread, automatic, outcome, country)
    )
    panel = False
    if interview is not None:
        panel = interview.interviewers >= 2
        source = next(m for m in messages if m.message_id == interview.message_id)
        if not panel and _PANEL_TEXT.search(source.new_text):
            panel = True

    thankyou: Message | None = None
    for message in messages:
        if message.direction != "outgoing" or message.date is None:
            continue
        if interview is not None and message.date < interview.start:
            continue
        if is_thank_you(message):
            thankyou = message
            break
    after = thankyou.date if thankyou is not None else (interview.start if interview else None)
    checkin_messages = [
        m
        for m in messages
        if m.direction == "outgoing"
        and m is not thankyou
        and m.date is not None
        and (after is None or m.date > after)
        and is_checkin(m)
    ]
    checkins = tuple(m.message_id for m in checkin_messages)
    owner_dates = [
        m.date
        for m in messages
        if m.direction == "outgoing" and m.date is not None and m not in checkin_messages
    ]
    replied = bool(
        thankyou is not None
        and thankyou.date is not None
        and any(m.date is not None and m.date > thankyou.date for m in human_incoming)
    )

    auto_ids = tuple(m.message_id for m in messages if automatic[m.message_id])
    ooo_return: date | None = None
    for message in messages:
        if automatic[message.message_id]:
            ooo_return = out_of_office_return(message) or ooo_return

    result: OutcomeName = "open"
    outcome_id: str | None = None
    for message in messages if detection.is_interview else ():
        found = outcome(message)
        if found is not None:
            result, outcome_id = found, message.message_id

    timeline: StatedTimeline | None = None
    timeline_id: str | None = None
    # A promise matters only in a hiring thread, and reading one is the costliest rule: other
    # threads (most of a mailbox) skip it.
    senders = {m.sender.email.lower() for m in messages if m.sender is not None}
    for message in reversed(human_incoming if detection.is_interview else []):
        # A rejection or an offer is the decision itself: a date in it ("let's catch up next
        # week", "let us know by Friday") promises no decision.
        if message.date is None or outcome(message) is not None:
            continue
        found_timeline = find_timeline(message.new_text, message.date, country)
        relayed = None if found_timeline else _relayed(message.quoted_text, senders | owners)
        if relayed is not None:
            found_timeline = find_timeline(relayed, message.date, country)
        if found_timeline is not None:
            timeline, timeline_id = found_timeline, message.message_id
            break

    owes = False
    last_other = human_incoming[-1] if human_incoming else None
    if last_other is not None and asks_owner(last_other):
        position = messages.index(last_other)
        owes = not any(m.direction == "outgoing" for m in messages[position + 1 :])

    contacts = _contacts(thread, owners, automatic)
    return ThreadFacts(
        thread_id=thread.thread_id,
        is_interview=detection.is_interview,
        score=detection.score,
        reasons=detection.reasons,
        company=_company(thread, contacts),
        role=role_of(thread),
        contacts=contacts,
        interview_at=interview.start if interview else None,
        interview_end=interview.end if interview else None,
        interview_message_id=interview.message_id if interview else None,
        panel=panel,
        thankyou_message_id=thankyou.message_id if thankyou else None,
        thankyou_at=thankyou.date if thankyou else None,
        checkins_sent=len(checkins),
        checkin_message_ids=checkins,
        replied_after_thankyou=replied,
        auto_reply_message_ids=auto_ids,
        ooo_return=ooo_return,
        stated_timeline=timeline,
        stated_timeline_message_id=timeline_id,
        outcome=result,
        outcome_message_id=outcome_id,
        asks_owner=owes,
        last_other_side_at=last_other.date if last_other else None,
        last_other_side_message_id=last_other.message_id if last_other else None,
        checkin_times=tuple(m.date for m in checkin_messages if m.date is not None),
        last_owner_at=max(owner_dates, default=None),
    )
