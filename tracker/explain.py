"""`followup explain THREAD`: why a stored thread is (or is not) a hiring thread, its facts with
the message each came from, its timeline, and the event log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tracker.config import Settings
from tracker.errors import UsageError
from tracker.store import Event, Store
from tracker.understand.facts import ThreadFacts, thread_facts
from tracker.understand.message_json import message_from_json
from tracker.understand.threads import Thread


@dataclass(frozen=True)
class Explanation:
    account: str
    thread: Thread
    facts: ThreadFacts
    events: tuple[Event, ...]


def explain(settings: Settings, store: Store, thread_key: str) -> Explanation:
    """The explanation of the stored thread `thread_key` (a unique prefix is enough)."""
    matches = [
        (account, key)
        for account in settings.accounts
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
    stored = store.thread_messages(account.name, key)
    messages = sorted(
        (message_from_json({**m.facts, "message_id": m.message_id}) for m in stored),
        key=lambda m: (m.date is None, m.date, m.message_id),
    )
    thread = Thread(thread_id=key, messages=tuple(messages))
    facts = thread_facts(thread, account.owner_addresses, settings.policy.holiday_country)
    return Explanation(account.name, thread, facts, tuple(store.events(thread=key)))


def lines(explanation: Explanation) -> Iterator[str]:
    """The explanation as plain text lines."""
    facts, thread = explanation.facts, explanation.thread
    subject = thread.messages[0].subject if thread.messages else ""
    verdict = "a hiring thread" if facts.is_interview else "not a hiring thread"
    yield f"{thread.thread_id} ({explanation.account}): {subject!r}"
    yield f"{verdict}, score {facts.score:.2f}, because:"
    yield from (f"  {reason}" for reason in facts.reasons)
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
    yield "timeline:"
    for message in thread.messages:
        when = message.date.isoformat() if message.date else "undated"
        arrow = "→" if message.direction == "outgoing" else "←"
        who = message.sender.email if message.sender else "?"
        auto = " (automatic)" if message.message_id in facts.auto_reply_message_ids else ""
        yield f"  {when} {arrow} {who}{auto}: {message.subject} {message.message_id}"
    if explanation.events:
        yield "events:"
        yield from (f"  {e.at.isoformat()} {e.kind}: {e.message}" for e in explanation.events)
