"""The policy: a thread's facts, what the store knows of it, the settings and now → its next step.

Pure: no I/O, no clock of its own. The rules are the advice in DESIGN.md:

- no thank-you `thank_you_after_hours` after the interview ended → a `thank_you` step; it lapses
  `THANK_YOU_LAPSES_AFTER` after the interview (a late note still beats none, a week-late one
  does not);
- the first check-in comes after the stated timeline's due date plus `grace_business_days`, or
  `default_wait_days` after the later of the interview and the thank-you when no date was
  stated; a panel interview adds `panel_extra_business_days`; an out-of-office return pushes it
  to the next business day after the return; when the interview's time is unknown (its
  invitation sat in another mail thread), the owner's thank-you stands for its end;
- the second check-in comes `second_wait_days` after the first;
- a human reply from the other side ends the wait: if it asks the owner something, the owner
  owes a reply (no check-in); if it states a timeline, the next check-in follows it; otherwise
  a new default wait starts from the reply (or from the owner's answer to it);
- at most `max_checkins` check-ins in a row without an answer, hand-written ones included; then
  after `moved_on_after_days` quiet days the thread is `moved_on`;
- an outcome, `followup stop` or the mute marker ends the thread for good.

Every due moment is moved into the send window (in the recipient's time zone when their Date
header shows a non-zero offset, else the owner's), skipping public holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from tracker.config import PolicySettings, SendWindow
from tracker.understand.facts import ThreadFacts
from tracker.workdays import add_business_days, is_holiday, next_business_day

StepKind = Literal[
    "thank_you",  # propose a thank-you note
    "checkin",  # propose a check-in
    "owe_reply",  # they asked the owner something: the owner writes, followup does not
    "wait",  # nothing to propose yet (the reason says until when and why)
    "moved_on",  # the check-ins went unanswered: closed, never nudged again
    "closed",  # an outcome: rejected, offer or withdrawn
    "stopped",  # the owner stopped or muted the thread
    "not_tracked",  # not a hiring thread
]

# The kinds that become drafts.
DRAFT_KINDS: frozenset[str] = frozenset({"thank_you", "checkin"})
THANK_YOU_LAPSES_AFTER = timedelta(days=4)
# When an invite gives no end, an interview is taken to last an hour.
ASSUMED_INTERVIEW_LENGTH = timedelta(hours=1)


@dataclass(frozen=True)
class SentByFollowup:
    """A message followup sent on this thread (it counts even before sync sees it in Sent)."""

    message_id: str
    kind: Literal["thank_you", "checkin"]
    sent_at: datetime


@dataclass(frozen=True)
class ThreadState:
    """What the store knows of a thread beyond its mail."""

    stopped: bool = False
    muted: bool = False
    sent: tuple[SentByFollowup, ...] = ()


@dataclass(frozen=True)
class NextStep:
    """The policy's verdict on one thread.

    `due` is the moment the rules give (inside the send window for drafts), even when it is
    before now; None when nothing is due at any moment. `basis` names the wait this step ends:
    it changes when a reply, a check-in or a new interview changes the wait, which is how a
    draft made for an older basis is known to be stale. `ordinal` is the check-in's number in
    the current run of unanswered check-ins (1 for a thank-you).
    """

    kind: StepKind
    reason: str
    due: datetime | None = None
    ordinal: int = 0
    basis: str = ""

    @property
    def wants_draft(self) -> bool:
        return self.kind in DRAFT_KINDS

    def to_json(self) -> dict[str, str] | None:
        """The `next_step` of the scan contract: only steps that become drafts have one."""
        if not self.wants_draft or self.due is None:
            return None
        return {"kind": self.kind, "due": self.due.isoformat()}


@dataclass(frozen=True)
class Calendar:
    """Where the policy counts days: the owner's zone and the public holidays."""

    owner_zone: tzinfo
    country: str | None = None
    subdivision: str | None = None


def decide(
    facts: ThreadFacts,
    state: ThreadState,
    rules: PolicySettings,
    calendar: Calendar,
    now: datetime,
) -> NextStep:
    """The next step on the thread `facts` describes, at `now` (timezone-aware)."""
    if not facts.is_interview:
        return NextStep("not_tracked", "not a hiring thread")
    if state.stopped:
        return NextStep("stopped", "you stopped this thread")
    if state.muted:
        return NextStep("stopped", "the thread carries the mute marker")
    if facts.outcome != "open":
        return NextStep("closed", f"the outcome is {facts.outcome}")
    if facts.asks_owner:
        asked = _day(facts.last_other_side_at)
        return NextStep("owe_reply", f"they asked you something{asked}: the reply is yours")

    start = facts.interview_at
    if start is not None:
        end = facts.interview_end or start + ASSUMED_INTERVIEW_LENGTH
    elif facts.thankyou_at is not None:
        # The invitation may sit in another mail thread; your thank-you says the interview
        # had taken place by then, so the waits count from it.
        start = end = facts.thankyou_at
    else:
        return NextStep("wait", "no interview time is known yet")
    zone = recipient_zone(facts, calendar)

    thank_you_at = facts.thankyou_at or _sent_at(state, "thank_you")
    last_reply = _after(facts.last_other_side_at, end)
    owner_wrote_after = _after(facts.last_owner_at, end)
    checkins = _checkins(facts, state)
    quiet = last_reply is None and owner_wrote_after is None and not checkins
    if thank_you_at is None and quiet and now < end + THANK_YOU_LAPSES_AFTER:
        due = end + timedelta(hours=rules.thank_you_after_hours)
        return NextStep(
            "thank_you",
            f"no thank-you note since the interview on {_date(start)}",
            into_window(due, rules.send_window, zone, calendar),
            ordinal=1,
            basis=f"thank_you@{_stamp(end)}",
        )

    # A check-in stamped the same second as their reply counts as unanswered: when the order
    # cannot be told, the cautious reading is the one that nudges less.
    unanswered = [c for c in checkins if last_reply is None or c >= last_reply]
    if len(unanswered) >= rules.max_checkins:
        quiet_since = unanswered[-1] if unanswered else _reset(end, thank_you_at, last_reply, None)
        closes = quiet_since + timedelta(days=rules.moved_on_after_days)
        count = _count(len(unanswered))
        if now >= closes:
            return NextStep("moved_on", f"{count} without an answer; moved on", closes)
        return NextStep(
            "wait", f"{count} without an answer; closes as moved on on {_date(closes)}", closes
        )

    ordinal = len(unanswered) + 1
    if unanswered:
        due = unanswered[-1] + timedelta(days=rules.second_wait_days)
        reason = f"no answer to the check-in of {_date(unanswered[-1])}"
        basis_from = unanswered[-1]
    else:
        reset = _reset(end, thank_you_at, last_reply, owner_wrote_after)
        due, reason = _first_checkin(facts, rules, calendar, reset=reset, end=end,
                                     last_reply=last_reply)  # fmt: skip
        basis_from = reset
    if facts.ooo_return is not None:
        back = next_business_day(facts.ooo_return, calendar.country, calendar.subdivision)
        back_at = datetime.combine(back, rules.send_window.start, tzinfo=zone)
        if back_at > due:
            due = back_at
            reason += f"; they are out of office until {facts.ooo_return.isoformat()}"
    return NextStep(
        "checkin",
        reason,
        into_window(due, rules.send_window, zone, calendar),
        ordinal=ordinal,
        basis=f"checkin{ordinal}@{_stamp(basis_from)}",
    )


def _first_checkin(
    facts: ThreadFacts,
    rules: PolicySettings,
    calendar: Calendar,
    *,
    reset: datetime,
    end: datetime,
    last_reply: datetime | None,
) -> tuple[datetime, str]:
    """When the first check-in of a run is due, and why."""
    # Panels deserve more patience, but only while the wait is the one after the interview.
    panel = rules.panel_extra_business_days if facts.panel and last_reply is None else 0
    panel_note = f" (+{panel} business days for a panel)" if panel else ""
    timeline = facts.stated_timeline
    latest = facts.stated_timeline_message_id == facts.last_other_side_message_id
    # A date that had passed before the wait began (a promise made before the interview and
    # overtaken by it) says nothing about this wait: the default applies.
    promised = timeline.due if timeline is not None and latest else None
    if timeline is not None and promised is not None and promised >= reset.date():
        day = add_business_days(
            promised,
            rules.grace_business_days + 1 + panel,
            calendar.country,
            calendar.subdivision,
        )
        zone = recipient_zone(facts, calendar)
        return (
            datetime.combine(day, rules.send_window.start, tzinfo=zone),
            f"they said {timeline.text!r} ({promised.isoformat()}) and it has "
            f"passed{panel_note}",
        )
    since = "their reply" if last_reply is not None and reset == last_reply else (
        "your thank-you" if facts.thankyou_at is not None and reset == facts.thankyou_at
        else "the interview" if reset == end else "your last message"
    )  # fmt: skip
    due = reset + timedelta(days=rules.default_wait_days)
    if panel:
        due = datetime.combine(
            add_business_days(due.date(), panel, calendar.country, calendar.subdivision),
            due.timetz(),
        )
    vague = (
        f"; they said {timeline.text!r} without a date"
        if timeline is not None and timeline.due is None and latest
        else ""
    )
    return due, f"{rules.default_wait_days} days since {since} on {_date(reset)}{panel_note}{vague}"


def recipient_zone(facts: ThreadFacts, calendar: Calendar) -> tzinfo:
    """The recipient's zone when their Date header shows one (a non-zero offset: +0000 is what
    servers write when they know nothing), else the owner's."""
    seen = facts.last_other_side_at
    offset = seen.utcoffset() if seen is not None else None
    if seen is not None and offset:
        return seen.tzinfo or calendar.owner_zone
    return calendar.owner_zone


def into_window(moment: datetime, window: SendWindow, zone: tzinfo, calendar: Calendar) -> datetime:
    """The first moment at or after `moment` inside the send window in `zone`: an allowed
    weekday that is not a public holiday, between `window.start` and `window.end`."""
    local = moment.astimezone(zone)
    day = local.date()
    for _ in range(400):  # a window with at least one allowed weekday opens within a year
        if _open_day(day, window, calendar):
            opens = _at(day, window.start, zone)
            closes = _at(day, window.end, zone)
            if local < closes:
                return max(local, opens)
        day += timedelta(days=1)
    raise ValueError("the send window never opens")  # unreachable with validated settings


def in_window(moment: datetime, window: SendWindow, zone: tzinfo, calendar: Calendar) -> bool:
    """True when `moment` lies inside the send window in `zone`."""
    return into_window(moment, window, zone, calendar) == moment.astimezone(zone)


def sends_left_today(sent_today: int, rules: PolicySettings) -> int:
    """How many more drafts may go out today (the owner's day) after `sent_today`."""
    return max(rules.max_sends_per_day - sent_today, 0)


def _open_day(day: date, window: SendWindow, calendar: Calendar) -> bool:
    return day.weekday() in window.weekdays and not is_holiday(
        day, calendar.country, calendar.subdivision
    )


def _at(day: date, moment: time, zone: tzinfo) -> datetime:
    # A wall time that a DST change skips or repeats: the UTC round trip settles it on a real
    # instant (the later reading of a skipped time, the first of a repeated one).
    naive = datetime.combine(day, moment)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _checkins(facts: ThreadFacts, state: ThreadState) -> list[datetime]:
    """Every check-in on the thread: those seen in the mail, hand-written or not, and those
    followup sent that sync has not seen yet."""
    seen = dict(zip(facts.checkin_message_ids, facts.checkin_times, strict=False))
    for sent in state.sent:
        if sent.kind == "checkin":
            seen.setdefault(sent.message_id, sent.sent_at)
    return sorted(seen.values())


def _sent_at(state: ThreadState, kind: str) -> datetime | None:
    return min((s.sent_at for s in state.sent if s.kind == kind), default=None)


def _reset(
    end: datetime,
    thank_you_at: datetime | None,
    last_reply: datetime | None,
    owner_wrote_after: datetime | None,
) -> datetime:
    """Where the current wait starts: the latest of the interview's end, the thank-you, their
    reply and the owner's answer to it."""
    return max(m for m in (end, thank_you_at, last_reply, owner_wrote_after) if m is not None)


def _after(moment: datetime | None, floor: datetime) -> datetime | None:
    return moment if moment is not None and moment > floor else None


def _count(n: int) -> str:
    return "no check-ins allowed" if n == 0 else f"{n} check-in{'s' if n > 1 else ''}"


def _date(moment: datetime) -> str:
    return moment.date().isoformat()


def _day(moment: datetime | None) -> str:
    return f" on {_date(moment)}" if moment is not None else ""


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
