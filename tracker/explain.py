"""`followup explain THREAD`: why a stored thread is (or is not) a hiring thread, its facts with
the message each came from, its timeline, and the event log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracker.analysis import verdict
from tracker.config import AccountSettings, Settings
from tracker.errors import UsageError
from tracker.policy import NextStep
from tracker.store import Event, QueueItem, Store
from tracker.understand.facts import ThreadFacts
from tracker.understand.processes import Process
from tracker.understand.threads import Thread


@dataclass(frozen=True)
class Explanation:
    account: str
    thread: Thread
    facts: ThreadFacts
    step: NextStep
    drafts: tuple[QueueItem, ...]
    events: tuple[Event, ...]
    # The hiring process (or the story that is none) spanning several mail threads that this
    # thread belongs to; None when it belongs to none.
    process: Process | None = None


def find_thread(settings: Settings, store: Store, thread_key: str) -> tuple[AccountSettings, str]:
    """The account and full id of the stored thread `thread_key` (a unique prefix is enough)."""
    known = {account.name for account in store.accounts()}
    matches = [
        (account, key)
        for account in settings.accounts
        if account.name in known
        for key in store.thread_keys(account.name)
        if key.startswith(thread_key)
    ] if thread_key else []  # fmt: skip
    if not matches:
        raise UsageError(f"no thread {thread_key!r} in the database; `followup sync` first?")
    if len(matches) > 1:
        raise UsageError(
            f"{thread_key!r} matches {len(matches)} threads; give more of the id "
            f"({', '.join(key for _, key in matches[:5])}...)."
        )
    [(account, key)] = matches
    return account, key


def explain(settings: Settings, store: Store, thread_key: str, now: datetime) -> Explanation:
    """The explanation of the stored thread `thread_key` (a unique prefix is enough) at `now`."""
    account, key = find_thread(settings, store, thread_key)
    seen = verdict(settings, store, account, key, now)
    return Explanation(
        account.name,
        seen.thread,
        seen.facts,
        seen.step,
        tuple(store.queue_items(account=account.name, thread_key=key)),
        tuple(store.events(thread=key)),
        seen.process,
    )


def lines(explanation: Explanation) -> Iterator[str]:
    """The explanation as plain text lines."""
    facts, thread = explanation.facts, explanation.thread
    subject = thread.messages[0].subject if thread.messages else ""
    verdict = "a hiring thread" if facts.is_interview else "not a hiring thread"
    yield f"{thread.thread_id} ({explanation.account}): {subject!r}"
    yield f"{verdict}, score {facts.score:.2f}, because:"
    yield from (f"  {reason}" for reason in facts.reasons)
    origin: dict[str, str] = {}
    process = explanation.process
    if process is not None:
        tracked = process.tracked.thread_id
        threads = len(process.threads)
        yield (
            f"one hiring process across {threads} mail threads, followed in {tracked}:"
            if process.hiring
            else f"one story across {threads} mail threads, no hiring process of yours:"
        )
        others = [t for t in process.threads if t is not process.tracked]
        for part in (process.tracked, *others):
            first = part.messages[0].subject if part.messages else ""
            count = len(part.messages)
            yield f"  {part.thread_id}: {first!r} ({count} message{'s' if count != 1 else ''})"
            origin.update((m.message_id, part.thread_id[:8]) for m in part.messages)
    yield "facts:"
    yield f"  company: {facts.company or '?'}; role: {facts.role or '?'}"
    yield "  contacts: " + (", ".join(a.email for a in facts.contacts) or "none")
    if facts.interview_at is not None:
        yield f"  interview: {facts.interview_at.isoformat()} (from {facts.interview_message_id})"
    if facts.thankyou_message_id is not None and facts.thankyou_at is not None:
        yield f"  thank-you: {facts.thankyou_at.isoformat()} ({facts.thankyou_message_id})"
    yield f"  check-ins sent: {facts.checkins_sent} {list(facts.checkin_message_ids) or ''}"
    yield f"  replied after the thank-you: {'yes' if facts.replied_after_thankyou else 'no'}"
    if facts.stated_timeline is not None:
        due = facts.stated_timeline.due.isoformat() if facts.stated_timeline.due else "no date"
        yield (
            f"  stated timeline: {facts.stated_timeline.text!r} → {due} "
            f"(from {facts.stated_timeline_message_id})"
        )
    yield f"  outcome: {facts.outcome}" + (
        f" (from {facts.outcome_message_id})" if facts.outcome_message_id else ""
    )
    if facts.asks_owner:
        yield "  they asked you something: you owe a reply"
    step = explanation.step
    due = f" due {step.due.isoformat()}" if step.due is not None else ""
    yield f"next step: {step.kind}{due}: {step.reason}"
    for item in explanation.drafts:
        yield f"  draft {item.code} ({item.kind} {item.ordinal}): {item.state}, due " + (
            f"{item.due.isoformat()}" + (f"; {item.note}" if item.note else "")
        )
    yield "timeline:"
    for message in thread.messages:
        when = message.date.isoformat() if message.date else "undated"
        arrow = "→" if message.direction == "outgoing" else "←"
        who = message.sender.email if message.sender else "?"
        auto = " (automatic)" if message.message_id in facts.auto_reply_message_ids else ""
        where = f" [{origin[message.message_id]}]" if message.message_id in origin else ""
        yield f"  {when}{where} {arrow} {who}{auto}: {message.subject} {message.message_id}"
    if explanation.events:
        yield "events:"
        yield from (f"  {e.at.isoformat()} {e.kind}: {e.message}" for e in explanation.events)
