"""The daily approval digest, rendered: what waits for the owner → a subject, text and HTML.

Pure: the content (drafts, threads, problems, the moment and the owner's zone) comes in,
the words go out; no store, no clock, no mail. Composing the content and sending it is the
job of the digest's sender; reading the owner's answer is commands.py's.

The owner answers by replying with command lines (`approve K7Q2`, `approve all`,
`snooze K7Q2 3d`, ...). The text part shows them literally, so a plain reply from any client
works; the HTML part adds one-tap `mailto:` links that open a reply with the command
prefilled (RFC 6068). Every date is shown in the owner's zone.

Two Jinja2 templates write the parts, found like the drafts' templates: a file of the same
name in the `templates.directory` folder overrides the bundled one.

    digest.txt.j2     the plain-text part (no escaping)
    digest.html.j2    the HTML part (autoescaped: draft text, names and problems are shown as
                      text, never as markup). Mail clients drop <style> often: style inline,
                      and keep <style> for media queries.

Template variables (every one is always defined):

    subject        the digest's subject ("followup: 2 check-ins to approve [D7K2QX]")
    digest_id      "D7K2QX"
    headline       the subject without "followup: " and the id ("2 check-ins to approve")
    date           today in the owner's zone ("Mon 16 Nov")
    checkins       the check-ins waiting, and
    thank_yous     the thank-you notes waiting: `EntryView`s (code, label, to_name,
                   to_address, company, role, interview, thank_you, last_contact, why,
                   goes_out, subject, body, paragraphs, edited, commands, links); a date
                   unknown is None
    moved_on       `MovedOnView`s (company, role, why, closed)
    unknown        `UnknownView`s (code, label, to, company, started, note)
    problems       sentences
    threads        `StatusRow`s of the open hiring threads (company, role, interview,
                   last_contact, next_step, code)
    approve_all    the mailto: link whose reply approves every draft in this digest
    example_code   a code of this digest to show the commands with ("K7Q2"), or None
    snooze_for     the snooze length the links offer ("3d")
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import quote

from tracker.config import TemplateSettings
from tracker.drafts import first_name
from tracker.rendering import render_template
from tracker.store.records import QueueItem, ThreadInfo

log = logging.getLogger(__name__)

TEXT_TEMPLATE = "digest.txt.j2"
HTML_TEMPLATE = "digest.html.j2"
SNOOZE_FOR = "3d"  # what the one-tap snooze link asks for

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- what the digest holds -------------------------------------------------------------------


@dataclass(frozen=True)
class DigestEntry:
    """A draft waiting for the owner (kind checkin or thank_you) and its thread."""

    item: QueueItem
    thread: ThreadInfo | None


@dataclass(frozen=True)
class DigestContent:
    """Everything one digest tells the owner."""

    digest_id: str  # shown in the subject: "followup: 2 check-ins to approve [D7K2QX]"
    reply_to: str  # the owner's address: where the mailto: links point
    entries: Sequence[DigestEntry]  # check-ins and thank-you notes waiting, each with its code
    moved_on: Sequence[ThreadInfo]  # threads closed as moved on since the last digest
    unknown: Sequence[QueueItem]  # sends whose fate is unknown (state "unknown")
    problems: Sequence[str]  # account and reply problems, one sentence each
    threads: Sequence[ThreadInfo]  # every open hiring thread, for the status table
    now: datetime  # aware
    zone: tzinfo  # the owner's zone: every date is shown in it
    # The digest's own Message-ID when known before rendering: the mailto: links then ask
    # for In-Reply-To, so a reply from a client that honours it answers the digest.
    message_id: str | None = None


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


# --- what the templates see --------------------------------------------------------------------


@dataclass(frozen=True)
class CommandLinks:
    """One-tap replies for one draft."""

    approve: str
    skip: str
    snooze: str
    stop: str


@dataclass(frozen=True)
class EntryView:
    """A waiting draft as the digest shows it."""

    code: str
    kind: str
    label: str  # "Check-in", "Second check-in", "Thank-you note"
    to_name: str
    to_address: str
    company: str | None
    role: str | None
    interview: str | None
    thank_you: str | None
    last_contact: str | None
    why: str
    goes_out: str  # "Mon 16 Nov, 09:30"
    subject: str
    body: str
    paragraphs: tuple[tuple[str, ...], ...]  # the body's paragraphs, each as its lines
    edited: bool
    commands: tuple[str, ...]  # ("approve K7Q2", "skip K7Q2", "snooze K7Q2 3d", "stop K7Q2")
    links: CommandLinks


@dataclass(frozen=True)
class MovedOnView:
    company: str
    role: str | None
    why: str
    closed: str | None


@dataclass(frozen=True)
class UnknownView:
    code: str
    label: str
    to: str
    company: str | None
    started: str | None
    note: str


@dataclass(frozen=True)
class StatusRow:
    company: str
    role: str | None
    interview: str | None
    last_contact: str | None
    next_step: str
    code: str | None  # the code of the draft this digest offers for the thread


@dataclass(frozen=True)
class _Variables:
    subject: str
    digest_id: str
    headline: str
    date: str
    checkins: tuple[EntryView, ...]
    thank_yous: tuple[EntryView, ...]
    moved_on: tuple[MovedOnView, ...]
    unknown: tuple[UnknownView, ...]
    problems: tuple[str, ...]
    threads: tuple[StatusRow, ...]
    approve_all: str
    example_code: str | None
    snooze_for: str = field(default=SNOOZE_FOR)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


# --- the public functions ----------------------------------------------------------------------


def has_news(content: DigestContent) -> bool:
    """Whether the digest has something to decide or to know (the status table alone is not
    news: it is there every day)."""
    return bool(content.entries or content.moved_on or content.unknown or content.problems)


def mailto(reply_to: str, subject: str, command: str, *, in_reply_to: str | None = None) -> str:
    """A mailto: URL (RFC 6068) opening a mail to `reply_to` with `subject` and the body
    `command` prefilled; `in_reply_to` (a Message-ID) is asked for too when given."""
    # Everything but unreserved characters is percent-encoded: "+" stays a plus (not a space),
    # "&" and "=" cannot end a field early, line breaks become %0D%0A as RFC 6068 wants.
    address = quote(_one_line(reply_to), safe="@")
    fields = [("subject", _one_line(subject))]
    if in_reply_to:
        fields.append(("In-Reply-To", _one_line(in_reply_to)))
    body = "\r\n".join(command.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    fields.append(("body", body))
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in fields)
    return f"mailto:{address}?{query}"


def why_now(entry: DigestEntry, zone: tzinfo) -> str:
    """Why the draft is offered now, in one sentence built from the thread's facts and the
    policy's reason: "Dana said “by the end of next week” (Fri 13 Nov); no reply since."."""
    item = entry.item
    facts: Mapping[str, Any] = entry.thread.facts if entry.thread is not None else {}
    name = first_name(item.to_name) if item.to_name else None
    away = _OUT_OF_OFFICE.search(item.reason)
    tail = ""
    if away is not None:
        back = _parse_date(away.group(1))
        who = name or "they"
        is_are = "is" if name else "are"
        tail = f"; {who} {is_are} out of office until {_day_of(back) if back else away.group(1)}"

    sentence: str | None = None
    if item.kind == "thank_you":
        interview = _moment(facts.get("interview_at"))
        if interview is not None:
            sentence = (
                f"The interview was on {_day_at(interview, zone)} and no thank-you note has "
                "gone out yet"
            )
    elif item.kind == "checkin" and item.ordinal >= 2:
        last_checkin = _basis_moment(item.basis)
        if last_checkin is not None:
            day = _day(last_checkin, zone)
            sentence = (
                f"{name} has not answered your check-in of {day}"
                if name
                else f"No answer to your check-in of {day}"
            )
            if item.ordinal == 2:
                sentence += "; this second check-in is the last one"
    elif item.kind == "checkin":
        sentence = _first_checkin_why(item, facts, name, zone)
    if sentence is None:
        sentence = _readable_reason(item.reason)
        tail = ""  # the reason says it already
    return _capitalised(sentence + tail) + "."


def render_digest(content: DigestContent, templates: TemplateSettings) -> RenderedDigest:
    """The digest's subject and its two parts. Raises TemplateProblem when a template
    (a user's override, usually) fails."""
    variables = _variables(content)
    directory = templates.directory
    text = _tidy(render_template(TEXT_TEMPLATE, directory, variables.as_dict())) + "\n"
    html = render_template(HTML_TEMPLATE, directory, variables.as_dict(), html=True)
    log.debug(
        "digest rendered digest=%s drafts=%d moved_on=%d unknown=%d problems=%d threads=%d",
        content.digest_id, len(content.entries), len(content.moved_on), len(content.unknown),
        len(content.problems), len(content.threads),
    )  # fmt: skip
    return RenderedDigest(subject=variables.subject, text=text, html=html)


# --- why now -----------------------------------------------------------------------------------

_OUT_OF_OFFICE = re.compile(r"out of office until (\d{4}-\d{2}-\d{2})")
# What the policy counted the default wait from, as its reason names it.
_SINCE = (
    ("since their reply", "their last reply"),
    ("since your thank-you", "your thank-you note"),
    ("since the interview", "the interview"),
    ("since your last message", "your last message"),
)


def _first_checkin_why(
    item: QueueItem, facts: Mapping[str, Any], name: str | None, zone: tzinfo
) -> str | None:
    timeline = facts.get("stated_timeline")
    said = None
    due = None
    if isinstance(timeline, Mapping) and timeline.get("text"):
        said = _one_line(str(timeline["text"]))
        due = _parse_date(timeline.get("due"))
    who = name or "They"
    if said and due is not None and "they said" in item.reason:
        return f"{who} said “{said}” ({_day_of(due)}); no reply since"
    since = next((words for marker, words in _SINCE if marker in item.reason), None)
    moment = _basis_moment(item.basis)
    if since is None or moment is None:
        return None
    sentence = f"No reply since {since} on {_day(moment, zone)}"
    if said and due is None:
        sentence = f"{who} said “{said}” without a date; no reply since {since} on " + (
            _day(moment, zone)
        )
    return sentence


_BASIS = re.compile(r"[a-z_]+\d*@(\d{8}T\d{4}Z)")


def _basis_moment(basis: str) -> datetime | None:
    """The moment a draft's wait was counted from: the policy stamps it into the basis
    ("checkin2@20261110T0930Z" is the unanswered check-in of 10 Nov, 09:30 UTC)."""
    match = _BASIS.fullmatch(basis)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def _readable_reason(reason: str) -> str:
    """The policy's reason, with its ISO dates as the digest writes dates."""

    def readable(match: re.Match[str]) -> str:
        day = _parse_date(match.group(1))
        return _day_of(day) if day is not None else match.group(1)

    text = _one_line(reason) or "its moment has come"
    return _ISO_DAY.sub(readable, text)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- dates -------------------------------------------------------------------------------------


def _moment(value: object) -> datetime | None:
    """An ISO 8601 moment from the facts; None when absent or unreadable (a digest is never
    refused for one bad fact)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _parse_date(value: object) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _day_of(day: date, this_year: int | None = None) -> str:
    text = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return text if this_year is None or day.year == this_year else f"{text} {day.year}"


def _day(moment: datetime, zone: tzinfo, this_year: int | None = None) -> str:
    return _day_of(moment.astimezone(zone).date(), this_year)


def _day_at(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{_day_of(local.date())} at {local:%H:%M}"


def _day_time(moment: datetime, zone: tzinfo, this_year: int | None = None) -> str:
    local = moment.astimezone(zone)
    return f"{_day_of(local.date(), this_year)}, {local:%H:%M}"


# --- the views ---------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _fact(facts: Mapping[str, Any], key: str) -> str | None:
    value = facts.get(key)
    return _one_line(value) or None if isinstance(value, str) else None


def _label(item: QueueItem) -> str:
    if item.kind == "thank_you":
        return "Thank-you note"
    return "Second check-in" if item.ordinal >= 2 else "Check-in"


def _subject(content: DigestContent) -> tuple[str, str]:
    """The subject and its headline (the subject without "followup: " and the id)."""
    checkins = sum(1 for e in content.entries if e.item.kind != "thank_you")
    thank_yous = len(content.entries) - checkins
    decide = []
    if checkins:
        decide.append(_count(checkins, "check-in"))
    if thank_yous:
        decide.append(_count(thank_yous, "thank-you note"))
    if decide:
        headline = " and ".join(decide) + " to approve"
    else:
        know = []
        if content.unknown:
            know.append(_count(len(content.unknown), "send") + " to check")
        if content.problems:
            know.append(_count(len(content.problems), "problem"))
        if content.moved_on:
            know.append(_count(len(content.moved_on), "thread") + " moved on")
        headline = ", ".join(know) or "nothing new"
    return f"followup: {headline} [{_one_line(content.digest_id)}]", headline


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _paragraphs(body: str) -> tuple[tuple[str, ...], ...]:
    blocks = re.split(r"\n[ \t]*\n", body.replace("\r\n", "\n").strip("\n"))
    return tuple(tuple(block.split("\n")) for block in blocks if block.strip())


def _entry_view(entry: DigestEntry, content: DigestContent, reply_subject: str) -> EntryView:
    item, thread, zone = entry.item, entry.thread, content.zone
    year = content.now.astimezone(zone).year
    facts: Mapping[str, Any] = thread.facts if thread is not None else {}
    interview = _moment(facts.get("interview_at"))
    thank_you = _moment(facts.get("thankyou_at"))
    last = thread.last_message_at if thread is not None else None
    code = item.code
    commands = (
        f"approve {code}",
        f"skip {code}",
        f"snooze {code} {SNOOZE_FOR}",
        f"stop {code}",
    )
    approve, skip, snooze, stop = (
        mailto(content.reply_to, reply_subject, command, in_reply_to=content.message_id)
        for command in commands
    )
    return EntryView(
        code=code,
        kind=item.kind,
        label=_label(item),
        to_name=_one_line(item.to_name),
        to_address=_one_line(item.to_address),
        company=_fact(facts, "company"),
        role=_fact(facts, "role"),
        interview=_day_time(interview, zone, year) if interview else None,
        thank_you=_day(thank_you, zone, year) if thank_you else None,
        last_contact=_day(last, zone, year) if last else None,
        why=why_now(entry, zone),
        goes_out=_day_time(item.due, zone, year),
        subject=_one_line(item.subject),
        body=item.body.replace("\r\n", "\n").strip("\n"),
        paragraphs=_paragraphs(item.body),
        edited=item.edited,
        commands=commands,
        links=CommandLinks(approve, skip, snooze, stop),
    )


def _company(thread: ThreadInfo) -> str:
    return _fact(thread.facts, "company") or _one_line(thread.subject) or "(no subject)"


def _moved_on_view(thread: ThreadInfo, zone: tzinfo, year: int) -> MovedOnView:
    closed = _moment(thread.step.get("due"))
    reason = thread.step.get("reason")
    why = _readable_reason(reason) if isinstance(reason, str) and reason else "no answer"
    return MovedOnView(
        company=_company(thread),
        role=_fact(thread.facts, "role"),
        why=why,
        closed=_day(closed, zone, year) if closed else None,
    )


def _unknown_view(item: QueueItem, threads: Mapping[str, ThreadInfo], zone: tzinfo,
                  year: int) -> UnknownView:  # fmt: skip
    thread = threads.get(item.thread_key)
    started = item.sending_at
    return UnknownView(
        code=item.code,
        label=_label(item),
        to=_one_line(item.to_name) or _one_line(item.to_address),
        company=_fact(thread.facts, "company") if thread is not None else None,
        started=_day_time(started, zone, year) if started else None,
        note=_one_line(item.note),
    )


def _next_step(step: Mapping[str, Any], zone: tzinfo, year: int) -> str:
    kind = step.get("kind")
    due = _moment(step.get("due"))
    when = f", {_day(due, zone, year)}" if due else ""
    if kind == "thank_you":
        return f"thank-you note{when}"
    if kind == "checkin":
        ordinal = step.get("ordinal")
        return f"{'second check-in' if ordinal == 2 else 'check-in'}{when}"
    if kind == "owe_reply":
        return "your reply: they asked you something"
    if kind == "wait":
        return f"waiting until {_day(due, zone, year)}" if due else "waiting"
    if kind == "moved_on":
        return "moved on"
    if kind == "stopped":
        return "stopped"
    if kind == "closed":
        return "closed"
    return "nothing yet"


def _status_row(thread: ThreadInfo, codes: Mapping[tuple[str, str], str], zone: tzinfo,
                year: int) -> StatusRow:  # fmt: skip
    interview = _moment(thread.facts.get("interview_at"))
    last = thread.last_message_at
    return StatusRow(
        company=_company(thread),
        role=_fact(thread.facts, "role"),
        interview=_day(interview, zone, year) if interview else None,
        last_contact=_day(last, zone, year) if last else None,
        next_step=_next_step(thread.step, zone, year),
        code=codes.get((thread.account, thread.thread_key)),
    )


def _variables(content: DigestContent) -> _Variables:
    subject, headline = _subject(content)
    reply_subject = f"Re: {subject}"
    zone = content.zone
    year = content.now.astimezone(zone).year
    entries = sorted(content.entries, key=lambda e: (e.item.due, e.item.code))
    views = [_entry_view(entry, content, reply_subject) for entry in entries]
    codes = {(e.item.account, e.item.thread_key): e.item.code for e in entries}
    known = {t.thread_key: t for t in [*content.threads, *content.moved_on]}
    known |= {e.thread.thread_key: e.thread for e in entries if e.thread is not None}
    return _Variables(
        subject=subject,
        digest_id=_one_line(content.digest_id),
        headline=headline,
        date=_day(content.now, zone),
        checkins=tuple(v for v in views if v.kind != "thank_you"),
        thank_yous=tuple(v for v in views if v.kind == "thank_you"),
        moved_on=tuple(_moved_on_view(t, zone, year) for t in content.moved_on),
        unknown=tuple(_unknown_view(i, known, zone, year) for i in content.unknown),
        problems=tuple(p for p in (_one_line(p) for p in content.problems) if p),
        threads=tuple(_status_row(t, codes, zone, year) for t in content.threads),
        approve_all=mailto(
            content.reply_to, reply_subject, "approve all", in_reply_to=content.message_id
        ),
        example_code=views[0].code if views else None,
    )


# --- templates ---------------------------------------------------------------------------------


_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("", text)).strip("\n")
