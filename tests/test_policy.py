"""The policy as a table: every rule, time zones, DST changes, weekends and holidays."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.config import PolicySettings, SendWindow
from tracker.policy import (
    Calendar,
    NextStep,
    SentByFollowup,
    ThreadState,
    decide,
    in_window,
    into_window,
)
from tracker.understand.facts import ThreadFacts
from tracker.understand.timeline import StatedTimeline

PT = timezone(timedelta(hours=-8))  # the recruiter's Date offset in November
LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
US = Calendar(owner_zone=LA, country="US")
PLAIN = Calendar(owner_zone=LA)  # weekends only: the table's dates need no holiday arithmetic
RULES = PolicySettings()


def at(text: str) -> datetime:
    """`2026-11-03 14:00` in the recruiter's offset (-08:00), or with an explicit offset."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=PT)


def facts(**changes: Any) -> ThreadFacts:
    """A hiring thread: interview Tue 2026-11-03 14:00-15:00 -08:00, thank-you that evening,
    the recruiter's last message before the interview, nothing since."""
    base = ThreadFacts(
        thread_id="t-test",
        is_interview=True,
        score=0.9,
        reasons=("an interview invite",),
        company="Northwind",
        role="Data Engineer",
        contacts=(),
        interview_at=at("2026-11-03 14:00"),
        interview_end=at("2026-11-03 15:00"),
        interview_message_id="<invite@x>",
        panel=False,
        thankyou_message_id="<thanks@me>",
        thankyou_at=at("2026-11-03 18:00"),
        checkins_sent=0,
        checkin_message_ids=(),
        replied_after_thankyou=False,
        auto_reply_message_ids=(),
        ooo_return=None,
        stated_timeline=None,
        stated_timeline_message_id=None,
        outcome="open",
        outcome_message_id=None,
        asks_owner=False,
        last_other_side_at=at("2026-10-30 10:00"),
        last_other_side_message_id="<schedule@x>",
        checkin_times=(),
        last_owner_at=at("2026-11-03 18:00"),
    )
    return replace(base, **changes)


def step(
    thread: ThreadFacts,
    now: str = "2026-11-05 12:00",
    *,
    state: ThreadState | None = None,
    rules: PolicySettings = RULES,
    calendar: Calendar = PLAIN,
) -> NextStep:
    return decide(thread, state or ThreadState(), rules, calendar, at(now))


def checkins(*moments: str) -> dict[str, Any]:
    return {
        "checkin_message_ids": tuple(f"<c{i}@me>" for i in range(len(moments))),
        "checkin_times": tuple(at(m) for m in moments),
        "checkins_sent": len(moments),
    }


def reply(moment: str, **extra: Any) -> dict[str, Any]:
    return {
        "last_other_side_at": at(moment),
        "last_other_side_message_id": "<reply@x>",
        "replied_after_thankyou": True,
        **extra,
    }


def promise(text: str, due: date | None, message_id: str = "<reply@x>") -> dict[str, Any]:
    return {
        "stated_timeline": StatedTimeline(text=text, due=due),
        "stated_timeline_message_id": message_id,
    }


NO_THANKS = {"thankyou_message_id": None, "thankyou_at": None, "last_owner_at": None}

# (name, facts, now, expected kind, expected due or None, expected ordinal)
CASES: list[tuple[str, ThreadFacts, str, str, str | None, int]] = [
    ("not a hiring thread", facts(is_interview=False), "2026-11-20 12:00", "not_tracked", None, 0),
    ("rejected", facts(outcome="rejected"), "2026-11-20 12:00", "closed", None, 0),
    ("offer", facts(outcome="offer"), "2026-11-20 12:00", "closed", None, 0),
    ("withdrawn", facts(outcome="withdrawn"), "2026-11-20 12:00", "closed", None, 0),
    ("they asked something", facts(asks_owner=True, **reply("2026-11-05 09:00")),
     "2026-11-20 12:00", "owe_reply", None, 0),
    ("no interview time and no thank-you",
     facts(interview_at=None, interview_end=None, **NO_THANKS), "2026-11-20 12:00", "wait",
     None, 0),
    # The invitation sat in another mail thread: the thank-you dates the interview.
    ("no interview time: the waits count from the thank-you",
     facts(interview_at=None, interview_end=None), "2026-11-20 12:00", "checkin",
     "2026-11-11 09:30-08:00", 1),
    # Thank-you reminder: 24 h after the end, in the window; lapses 4 days after the end.
    ("thank-you due next day", facts(**NO_THANKS), "2026-11-03 16:00", "thank_you",
     "2026-11-04 15:00-08:00", 1),
    ("thank-you before the interview is already planned", facts(**NO_THANKS),
     "2026-11-01 09:00", "thank_you", "2026-11-04 15:00-08:00", 1),
    ("thank-you after the window closes moves to the next morning",
     facts(**NO_THANKS, interview_at=at("2026-11-03 16:00"), interview_end=at("2026-11-03 17:00")),
     "2026-11-03 18:00", "thank_you", "2026-11-05 09:30-08:00", 1),
    ("thank-you lapsed: the first check-in counts from the interview", facts(**NO_THANKS),
     "2026-11-07 16:00", "checkin", "2026-11-10 15:00-08:00", 1),
    ("no thank-you reminder once they replied", facts(**NO_THANKS, **reply("2026-11-04 09:00")),
     "2026-11-04 10:00", "checkin", "2026-11-11 09:30-08:00", 1),
    # Default wait: 7 days after the later of the interview and the thank-you.
    ("default wait from the thank-you", facts(), "2026-11-05 12:00", "checkin",
     "2026-11-11 09:30-08:00", 1),
    ("default wait from the interview when the thank-you came first?",
     facts(thankyou_at=at("2026-11-03 15:30"), last_owner_at=at("2026-11-03 15:30")),
     "2026-11-05 12:00", "checkin", "2026-11-10 15:30-08:00", 1),
    ("panel: +2 business days", facts(panel=True), "2026-11-05 12:00", "checkin",
     "2026-11-13 09:30-08:00", 1),
    # Stated timeline: after its due date plus one business day of grace.
    ("by the end of next week (Fri 13th) → Tue 17th",
     facts(**promise("by the end of next week", date(2026, 11, 13), "<schedule@x>")),
     "2026-11-05 12:00", "checkin", "2026-11-17 09:30-08:00", 1),
    ("the promise came in a reply after the interview",
     facts(**reply("2026-11-04 10:00"), **promise("by Friday", date(2026, 11, 6))),
     "2026-11-05 12:00", "checkin", "2026-11-10 09:30-08:00", 1),
    ("a panel adds its days to a stated timeline too",
     facts(panel=True, **promise("by Friday", date(2026, 11, 6), "<schedule@x>")),
     "2026-11-05 12:00", "checkin", "2026-11-12 09:30-08:00", 1),
    ("a vague promise means the default wait",
     facts(**reply("2026-11-04 10:00"), **promise("soon", None)),
     "2026-11-05 12:00", "checkin", "2026-11-11 10:00-08:00", 1),
    ("an older promise is overtaken by a newer reply without one",
     facts(**reply("2026-11-09 11:00"), **promise("by Friday", date(2026, 11, 6), "<old@x>")),
     "2026-11-09 12:00", "checkin", "2026-11-16 11:00-08:00", 1),
    ("a promise that had passed before the interview does not count",
     facts(**promise("by the 1st", date(2026, 11, 1), "<schedule@x>")),
     "2026-11-05 12:00", "checkin", "2026-11-11 09:30-08:00", 1),
    # A reply resets; the owner's answer to it resets too.
    ("a reply starts a new default wait", facts(**checkins("2026-11-11 09:30"),
                                               **reply("2026-11-12 10:00")),
     "2026-11-12 12:00", "checkin", "2026-11-19 10:00-08:00", 1),
    ("the owner's answer to their reply starts the wait", facts(
        **reply("2026-11-12 10:00"), last_owner_at=at("2026-11-12 17:00")),
     "2026-11-12 18:00", "checkin", "2026-11-20 09:30-08:00", 1),
    # Second check-in: 7 days after the first; hand-written check-ins count.
    ("second check-in a week after the first", facts(**checkins("2026-11-11 09:30")),
     "2026-11-12 12:00", "checkin", "2026-11-18 09:30-08:00", 2),
    ("after two unanswered check-ins: wait to move on",
     facts(**checkins("2026-11-11 09:30", "2026-11-18 09:30")), "2026-11-20 12:00", "wait",
     "2026-12-02 09:30-08:00", 0),
    ("moved on 14 days after the last", facts(**checkins("2026-11-11 09:30", "2026-11-18 09:30")),
     "2026-12-02 09:30", "moved_on", "2026-12-02 09:30-08:00", 0),
    ("a check-in stamped the same second as their reply counts (the cautious reading)",
     facts(**checkins("2026-11-11 09:30", "2026-11-19 08:00"), **reply("2026-11-19 08:00")),
     "2026-11-20 12:00", "checkin", "2026-11-26 09:30-08:00", 2),
    ("check-ins answered do not count", facts(**checkins("2026-11-11 09:30", "2026-11-18 09:30"),
                                             **reply("2026-11-19 08:00")),
     "2026-11-20 12:00", "checkin", "2026-11-26 09:30-08:00", 1),
    # Out of office: the next business day after the return.
    ("out of office until Monday 16th → Tue 17th", facts(ooo_return=date(2026, 11, 16)),
     "2026-11-05 12:00", "checkin", "2026-11-17 09:30-08:00", 1),
    ("an out-of-office that ended before the wait changes nothing",
     facts(ooo_return=date(2026, 11, 4)), "2026-11-05 12:00", "checkin",
     "2026-11-11 09:30-08:00", 1),
    # Weekends.
    ("a due moment on Saturday moves to Monday", facts(
        interview_at=at("2026-11-06 13:00"), interview_end=at("2026-11-06 14:00"),
        thankyou_at=at("2026-11-07 10:00"), last_owner_at=at("2026-11-07 10:00")),
     "2026-11-08 12:00", "checkin", "2026-11-16 09:30-08:00", 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("thread", "now", "kind", "due", "ordinal"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_policy_table(
    thread: ThreadFacts, now: str, kind: str, due: str | None, ordinal: int
) -> None:
    result = step(thread, now)
    assert result.kind == kind, result.reason
    if due is None:
        assert result.due is None or kind in {"wait", "moved_on"}
    else:
        assert result.due is not None
        assert result.due == datetime.fromisoformat(due), result.reason
        assert result.due.utcoffset() == datetime.fromisoformat(due).utcoffset()
    assert result.ordinal == ordinal
    assert result.reason


def test_stop_and_mute_win_over_everything() -> None:
    thread = facts()
    assert step(thread, state=ThreadState(stopped=True)).kind == "stopped"
    assert step(thread, state=ThreadState(muted=True)).kind == "stopped"
    assert step(facts(**NO_THANKS), state=ThreadState(stopped=True)).kind == "stopped"


def test_max_checkins_can_be_lowered() -> None:
    one = PolicySettings(max_checkins=1)
    assert step(facts(**checkins("2026-11-11 09:30")), "2026-11-12 12:00", rules=one).kind == (
        "wait"
    )
    zero = PolicySettings(max_checkins=0)
    result = step(facts(), "2026-11-05 12:00", rules=zero)
    assert result.kind == "wait"
    assert "no check-ins allowed" in result.reason
    assert step(facts(), "2026-11-18 12:00", rules=zero).kind == "moved_on"


def test_checkins_sent_by_followup_count_before_sync_sees_them() -> None:
    sent = ThreadState(sent=(SentByFollowup("<ours@me>", "checkin", at("2026-11-11 09:30")),))
    result = step(facts(), "2026-11-12 12:00", state=sent)
    assert (result.kind, result.ordinal) == ("checkin", 2)
    # Once sync sees it in Sent, it is the same check-in, not a second one.
    seen = facts(checkin_message_ids=("<ours@me>",), checkin_times=(at("2026-11-11 09:30"),))
    assert step(seen, "2026-11-12 12:00", state=sent).ordinal == 2


def test_thank_you_sent_by_followup_ends_the_reminder() -> None:
    sent = ThreadState(sent=(SentByFollowup("<ty@me>", "thank_you", at("2026-11-04 09:30")),))
    result = step(facts(**NO_THANKS), "2026-11-04 12:00", state=sent)
    assert result.kind == "checkin"
    assert result.due == datetime(2026, 11, 11, 9, 30, tzinfo=PT)


def test_basis_changes_when_a_reply_arrives_and_stays_otherwise() -> None:
    before = step(facts(), "2026-11-05 12:00")
    later = step(facts(), "2026-11-09 12:00")
    assert before.basis == later.basis
    answered = step(facts(**reply("2026-11-06 10:00")), "2026-11-09 12:00")
    assert answered.basis != before.basis
    second = step(facts(**checkins("2026-11-11 09:30")), "2026-11-12 12:00")
    assert second.basis != before.basis


def test_recipient_zone_from_their_date_header() -> None:
    # They write from Berlin (+01:00): their 09:30 is 00:30 in Los Angeles.
    berlin = timezone(timedelta(hours=1))
    thread = facts(last_other_side_at=datetime(2026, 10, 30, 10, 0, tzinfo=berlin))
    result = step(thread)
    assert result.due == datetime(2026, 11, 11, 9, 30, tzinfo=berlin)


def test_utc_dates_mean_the_owners_zone() -> None:
    thread = facts(last_other_side_at=datetime(2026, 10, 30, 18, 0, tzinfo=UTC))
    result = step(thread)
    assert result.due is not None
    assert result.due.astimezone(LA).time() == time(9, 30)
    assert result.due.astimezone(LA).date() == date(2026, 11, 11)


def test_dst_change_keeps_the_wall_clock_window() -> None:
    # The recruiter's offset is unknown (+0000): the owner's zone decides, across the US DST
    # end on 2026-11-01 (PDT -07:00 → PST -08:00).
    thread = facts(
        interview_at=datetime(2026, 10, 27, 14, 0, tzinfo=LA),
        interview_end=datetime(2026, 10, 27, 15, 0, tzinfo=LA),
        thankyou_at=datetime(2026, 10, 28, 8, 0, tzinfo=LA),
        last_owner_at=datetime(2026, 10, 28, 8, 0, tzinfo=LA),
        last_other_side_at=datetime(2026, 10, 20, 10, 0, tzinfo=UTC),
    )
    result = step(thread, "2026-10-29 12:00")
    assert result.due is not None
    local = result.due.astimezone(LA)
    assert (local.date(), local.time()) == (date(2026, 11, 4), time(9, 30))
    assert local.utcoffset() == timedelta(hours=-8)


def test_thanksgiving_is_not_a_business_day() -> None:
    thread = facts(**reply("2026-11-16 10:00"), **promise("by Wednesday", date(2026, 11, 25)))
    # Grace: Friday 27th (Thursday 26th is Thanksgiving); the check-in on Monday 30th.
    assert step(thread, "2026-11-20 12:00", calendar=US).due == at("2026-11-30 09:30")
    assert step(thread, "2026-11-20 12:00").due == at("2026-11-27 09:30")


def test_holidays_of_the_configured_country() -> None:
    # 2026-11-11 is Veterans Day in the US (a federal holiday in the holidays package).
    thread = facts()
    plain = step(thread, calendar=Calendar(owner_zone=LA, country=None))
    us = step(thread, calendar=US)
    assert plain.due == datetime(2026, 11, 11, 9, 30, tzinfo=PT)
    assert us.due == datetime(2026, 11, 12, 9, 30, tzinfo=PT)


def test_german_calendar_and_zone() -> None:
    cet = timezone(timedelta(hours=1))
    thread = facts(
        interview_at=datetime(2026, 12, 21, 10, 0, tzinfo=cet),
        interview_end=datetime(2026, 12, 21, 11, 0, tzinfo=cet),
        thankyou_at=datetime(2026, 12, 21, 17, 0, tzinfo=cet),
        last_owner_at=datetime(2026, 12, 21, 17, 0, tzinfo=cet),
        last_other_side_at=datetime(2026, 12, 18, 9, 0, tzinfo=cet),
        **promise("nach den Feiertagen", date(2026, 12, 28), "<schedule@x>"),
    )
    result = step(
        thread, "2026-12-22 12:00", calendar=Calendar(owner_zone=BERLIN, country="DE")
    )
    # Grace: the 29th; the check-in the business day after, the 30th, 09:30 Berlin.
    assert result.due == datetime(2026, 12, 30, 9, 30, tzinfo=cet)


WINDOW = SendWindow()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-10 10:00", "2026-11-10 10:00"),  # inside
        ("2026-11-10 07:00", "2026-11-10 09:30"),  # before it opens
        ("2026-11-10 16:30", "2026-11-12 09:30"),  # at the close (the 11th is a holiday)
        ("2026-11-13 17:00", "2026-11-16 09:30"),  # Friday evening → Monday
        ("2026-11-26 10:00", "2026-11-27 09:30"),  # Thanksgiving → Friday when it opens
    ],
)
def test_into_window(moment: str, expected: str) -> None:
    assert into_window(at(moment), WINDOW, PT, US) == at(expected)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2028, 12, 31),
        timezones=st.sampled_from([UTC, LA, BERLIN, PT]),
    ),
    st.sampled_from([LA, BERLIN, PT, UTC]),
    st.sampled_from([None, "US", "DE", "FR"]),
)
def test_into_window_lands_inside_and_never_early(
    moment: datetime, zone: Any, country: str | None
) -> None:
    calendar = Calendar(owner_zone=zone, country=country)
    got = into_window(moment, WINDOW, zone, calendar)
    assert got >= moment
    assert in_window(got, WINDOW, zone, calendar)
    local = got.astimezone(zone)
    assert local.weekday() < 5
    assert WINDOW.start <= local.time() < WINDOW.end
    # Nothing earlier in between was open: the window's first open moment is taken.
    if got > moment:
        assert not in_window(moment, WINDOW, zone, calendar)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=2),
    st.lists(st.integers(min_value=1, max_value=60), max_size=4),
    st.one_of(st.none(), st.integers(min_value=1, max_value=80)),
    st.integers(min_value=0, max_value=120),
)
def test_never_more_checkins_than_the_cap(
    cap: int, gaps: list[int], reply_after: int | None, now_days: int
) -> None:
    """However many check-ins went out, the policy never proposes one beyond the cap."""
    start = at("2026-11-03 14:00")
    times = []
    moment = start
    for gap in gaps:
        moment += timedelta(days=gap)
        times.append(moment)
    extra: dict[str, Any] = {
        "checkin_message_ids": tuple(f"<c{i}@me>" for i in range(len(times))),
        "checkin_times": tuple(times),
    }
    if reply_after is not None:
        extra |= reply((start + timedelta(days=reply_after)).isoformat())
    thread = facts(**extra)
    now = start + timedelta(days=now_days)
    result = decide(thread, ThreadState(), PolicySettings(max_checkins=cap), US, now)
    last_reply = start + timedelta(days=reply_after) if reply_after is not None else None
    # A check-in stamped the same second as the reply counts as unanswered (the policy's rule).
    unanswered = [t for t in times if last_reply is None or t >= last_reply]
    if result.kind == "checkin":
        assert len(unanswered) < cap
        assert result.ordinal == len(unanswered) + 1
        assert result.due is not None and result.due > max([*times, start])
    if len(unanswered) >= cap:
        assert result.kind in {"wait", "moved_on"}
