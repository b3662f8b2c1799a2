"""The approval queue's life: regeneration, edits, snoozes, expiry, the daily limit, the send
window and dry runs, over the real store and send path with the simulated mailbox of
test_promises (the real servers are in test_sending.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests.test_promises import CET, Promises, SimulatedOutbox
from tracker import queue
from tracker.config import TemplateSettings
from tracker.drafts import body_hash
from tracker.errors import FollowupError
from tracker.sending import send_due
from tracker.store import NewQueueItem, QueueItem


@pytest.fixture
def week() -> Iterator[Promises]:
    machine = Promises()
    try:
        yield machine
    finally:
        machine.teardown()


def at(machine: Promises, moment: datetime) -> None:
    machine.now = moment
    machine.world.now = moment


def the_draft(machine: Promises) -> QueueItem:
    [item] = machine.store.queue_items(states=queue.PENDING)
    return item


def send(machine: Promises) -> list[str]:
    outcomes = send_due(
        machine.settings, machine.store,
        lambda _a: SimulatedOutbox(machine.world, machine.store, ("alex@example.com",)),
        now=machine.now, environ={},
    )  # fmt: skip
    return [f"{o.state}: {o.message}" for o in outcomes]


MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=CET)  # the check-in is due Tue 17 Nov 09:30
TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=CET)


def test_a_draft_is_regenerated_when_its_facts_change_and_loses_its_approval(
    week: Promises,
) -> None:
    at(week, MONDAY)
    week.pass_now()
    draft = the_draft(week)
    assert draft.state == "proposed"
    approved = queue.approve(week.store, draft.code, week.now)
    assert approved.approved
    # The owner sets a signature: the words change, so the approval no longer holds.
    week.settings = week.settings.model_copy(
        update={"templates": TemplateSettings(signature="Alex Morgan\n+49 30 1234 5678")}
    )
    week.pass_now()
    again = the_draft(week)
    assert again.code == draft.code
    assert again.body != draft.body and again.body.rstrip().endswith("+49 30 1234 5678")
    assert again.state == "proposed" and not again.approved
    assert "approve it again" in week.store.events()[-1].message
    at(week, TUESDAY)
    assert send(week) == []  # not approved: nothing goes
    assert week.world.delivered == []


def test_an_edited_draft_keeps_the_owners_words(week: Promises) -> None:
    at(week, MONDAY)
    week.pass_now()
    draft = the_draft(week)
    queue.edit(week.store, draft.code, "Hi Dana, any news? Alex", week.now)
    week.settings = week.settings.model_copy(
        update={"templates": TemplateSettings(signature="A. Morgan")}
    )
    week.pass_now()
    assert the_draft(week).body == "Hi Dana, any news? Alex\n"
    assert the_draft(week).edited


def test_a_snoozed_draft_comes_back_queued_and_needs_an_approval(week: Promises) -> None:
    at(week, MONDAY)
    week.pass_now()
    draft = queue.approve(week.store, the_draft(week).code, week.now)
    snoozed = queue.snooze(week.store, draft.code, timedelta(days=3), week.now)
    assert snoozed.state == "snoozed" and not snoozed.approved
    assert snoozed.due == MONDAY + timedelta(days=3)
    at(week, TUESDAY)
    week.pass_now()
    assert the_draft(week).state == "snoozed"
    at(week, MONDAY + timedelta(days=3, minutes=1))
    week.pass_now()
    assert the_draft(week).state == "queued"
    assert send(week) == []


def test_the_send_window_and_the_daily_limit(week: Promises) -> None:
    week.settings = week.settings.model_copy(
        update={"policy": week.settings.policy.model_copy(update={"max_sends_per_day": 1})}
    )
    at(week, MONDAY)
    week.pass_now()
    code = queue.approve(week.store, the_draft(week).code, week.now).code
    at(week, TUESDAY.replace(hour=7))
    assert send(week) == []  # not due before 09:30
    at(week, TUESDAY.replace(hour=17))  # due, but the window closed at 16:30
    assert send(week) == ["approved: waiting for the send window"]
    # Another thread's check-in went out this Wednesday morning: the day's one send is used.
    wednesday = datetime(2026, 11, 18, 9, 35, tzinfo=CET)
    other = week.store.add_queue_item(
        NewQueueItem(account="main", thread_key="t-other", kind="checkin", ordinal=1,
                     basis="checkin1@other", state="approved", due=wednesday, reason="test",
                     to_name="Sam", to_address="sam@acme.example", subject="Re: x",
                     in_reply_to="<x@acme.example>", references=(), body="Hi\n",
                     body_hash=body_hash("Hi\n")),
        "ZZZZ",
    )  # fmt: skip
    assert other is not None
    week.store.transition("ZZZZ", ("approved",), "sent", message_id="<o@x>",
                          sending_at=wednesday, sent_at=wednesday)  # fmt: skip
    at(week, wednesday + timedelta(minutes=5))
    assert send(week) == ["approved: the day's send limit is reached"]
    assert week.world.delivered == []
    at(week, datetime(2026, 11, 19, 9, 40, tzinfo=CET))  # a new day
    assert send(week)[0].startswith("sent")
    item = week.store.queue_item(code)
    assert item is not None and item.state == "sent"


def test_dry_run_composes_but_sends_nothing(week: Promises) -> None:
    week.settings = week.settings.model_copy(update={"dry_run": True})
    at(week, MONDAY)
    week.pass_now()
    code = queue.approve(week.store, the_draft(week).code, week.now).code
    at(week, TUESDAY)
    assert send(week) == ["approved: dry run: composed and logged, not sent"]
    assert week.world.delivered == []
    item = week.store.queue_item(code)
    assert item is not None and item.state == "approved"


class NoThankYouYet(Promises):
    SAMPLES = "0[1-2]*.eml"  # the invite and Alex's confirmation: no thank-you after it


def test_a_thank_you_draft_expires_when_its_moment_passed() -> None:
    week = NoThankYouYet()
    try:
        _thank_you_expires(week)
    finally:
        week.teardown()


def _thank_you_expires(week: Promises) -> None:
    # The interview was Tue 3 Nov 14:00-15:00; the thank-you reminder is due a day later.
    at(week, datetime(2026, 11, 4, 12, 0, tzinfo=CET))
    week.pass_now()
    [draft] = week.store.queue_items(states=queue.PENDING)
    assert draft.kind == "thank_you"
    at(week, datetime(2026, 11, 8, 12, 0, tzinfo=CET))  # four days after the interview
    week.pass_now()
    assert week.store.queue_item(draft.code).state == "expired"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("flags", "labels"),
    [(("followup-mute",), ()), ((), ("followup-mute",))],
    ids=["keyword", "label"],
)
def test_the_mute_marker_cancels_and_stops(
    week: Promises, flags: tuple[str, ...], labels: tuple[str, ...]
) -> None:
    at(week, MONDAY)
    week.pass_now()
    code = queue.approve(week.store, the_draft(week).code, week.now).code
    # The owner marks one message of the thread (an IMAP keyword, or a Gmail label).
    assert week.store.update_copy_flags("main", "INBOX", {1: (flags, labels)}) == 1
    at(week, TUESDAY)
    assert send(week) == ["cancelled: cancelled before sending: the thread carries the mute marker"]
    item = week.store.queue_item(code)
    assert item is not None and item.state == "cancelled"
    assert "mute" in item.note
    assert week.world.delivered == []


def test_an_approval_is_of_the_words_shown_and_no_others(week: Promises) -> None:
    at(week, MONDAY)
    week.pass_now()
    draft = the_draft(week)
    shown = draft.body_hash
    queue.edit(week.store, draft.code, "Hi Dana, other words.\nAlex", week.now)
    with pytest.raises(FollowupError, match="changed since you saw it"):
        queue.approve(week.store, draft.code, week.now, text_hash=shown)
    # A compare-and-set on the words: a write that read old words changes nothing.
    assert week.store.transition(draft.code, queue.PENDING, "approved", expect_body_hash=shown,
                                 approved_hash=shown) is None  # fmt: skip
    assert not the_draft(week).approved


def test_nothing_is_sent_once_the_daemon_is_stopping(week: Promises) -> None:
    at(week, MONDAY)
    week.pass_now()
    queue.approve(week.store, the_draft(week).code, week.now)
    at(week, TUESDAY)
    outcomes = send_due(
        week.settings, week.store,
        lambda _a: SimulatedOutbox(week.world, week.store, ("alex@example.com",)),
        now=week.now, environ={}, stopping=lambda: True,
    )  # fmt: skip
    assert outcomes == []
    assert week.world.delivered == []
    assert the_draft(week).state == "approved"
