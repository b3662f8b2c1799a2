"""The analysis pass: stored threads → facts → the policy's next step → the approval queue.

Runs after every sync (and before every send). A thread is re-read when it is new, when a
message joined it since its last analysis, or when it is a hiring thread (its next step moves
with the clock); the facts and the verdict are stored on the thread, and `tracker.queue`
brings the thread's drafts in line with the verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tracker.config import AccountSettings, Settings
from tracker.policy import Calendar, NextStep, SentByFollowup, ThreadState, decide
from tracker.queue import QueueChange, ThreadVerdict, reconcile
from tracker.store import Store, StoredMessage, ThreadAnalysis
from tracker.understand.detect import detect
from tracker.understand.facts import ThreadFacts, thread_facts
from tracker.understand.message_json import message_from_json
from tracker.understand.threads import Thread

log = logging.getLogger(__name__)

ANALYSIS_CHUNK = 500  # threads read from the store at a time


@dataclass(frozen=True)
class AnalysisReport:
    account: str
    analysed: int
    hiring: int
    changes: tuple[QueueChange, ...]


def calendar_of(settings: Settings) -> Calendar:
    """The owner's zone and holiday calendar, from the settings."""
    return Calendar(
        owner_zone=ZoneInfo(settings.timezone),
        country=settings.policy.holiday_country,
        subdivision=settings.policy.holiday_subdivision,
    )


def thread_from_stored(thread_key: str, stored: Sequence[StoredMessage]) -> Thread:
    """A stored thread's messages, restored and in date order."""
    messages = sorted(
        (message_from_json({**m.facts, "message_id": m.message_id}) for m in stored),
        key=lambda m: (m.date is None, m.date, m.message_id),
    )
    return Thread(thread_id=thread_key, messages=tuple(messages))


def thread_state(store: Store, account: AccountSettings, thread_key: str) -> ThreadState:
    """What the store knows of a thread beyond its mail: stopped, muted, followup's sends."""
    info = store.thread(account.name, thread_key)
    muted = thread_key in store.muted_threads(account.name, account.mute_keyword)
    sent = tuple(
        SentByFollowup(
            item.message_id,
            "thank_you" if item.kind == "thank_you" else "checkin",
            item.sent_at or item.sending_at or item.updated_at,
        )
        for item in store.queue_items(
            account=account.name, thread_key=thread_key, states=("sent", "unknown")
        )
        if item.message_id is not None
    )
    return ThreadState(
        stopped=info is not None and info.stopped_at is not None, muted=muted, sent=sent
    )


def verdict(
    settings: Settings, store: Store, account: AccountSettings, thread_key: str, now: datetime
) -> ThreadVerdict:
    """Facts and next step of one stored thread, as of now (no writes)."""
    stored = store.messages_of_threads(account.name, [thread_key])[thread_key]
    thread = thread_from_stored(thread_key, stored)
    facts = thread_facts(thread, account.owner_addresses, settings.policy.holiday_country)
    state = thread_state(store, account, thread_key)
    step = decide(facts, state, settings.policy, calendar_of(settings), now)
    return ThreadVerdict(account.name, thread, facts, step)


def analyse_account(
    settings: Settings, store: Store, account: AccountSettings, *, now: datetime
) -> AnalysisReport:
    """Analyse the account's threads that may have changed and update the queue."""
    started = store.clock()
    keys = store.threads_to_analyse(account.name)
    calendar = calendar_of(settings)
    muted = store.muted_threads(account.name, account.mute_keyword)
    previous = {t.thread_key: t for t in store.threads(account.name, hiring_only=True)}
    # followup's own digests and the owner's answers to them are never a hiring thread.
    digests = {d.message_id for d in store.digests(account.name)}
    analyses: list[ThreadAnalysis] = []
    changes: list[QueueChange] = []
    hiring = 0
    for key, messages in _in_chunks(store, account.name, keys):
        thread = thread_from_stored(key, messages)
        if not thread.messages:
            continue
        if digests.intersection(thread.message_ids):
            own = {"kind": "not_tracked", "reason": "followup's own digest"}
            analyses.append(ThreadAnalysis(key, False, 0.0, "open", {}, own))
            continue
        before = previous.get(key)
        if before is None:
            # Most threads of a mailbox are not hiring threads: detection alone says so, and
            # the facts (the costliest reading) are left for the threads that are.
            detection = detect(thread, account.owner_addresses)
            if not detection.is_interview:
                analyses.append(ThreadAnalysis(
                    key, False, detection.score, "open",
                    {"is_interview": False, "score": detection.score,
                     "reasons": list(detection.reasons)},
                    {"kind": "not_tracked", "reason": "not a hiring thread"},
                ))  # fmt: skip
                continue
        facts = thread_facts(thread, account.owner_addresses, settings.policy.holiday_country)
        if facts.is_interview:
            hiring += 1
            state = thread_state(store, account, key)
            step = decide(facts, state, settings.policy, calendar, now)
        else:
            step = decide(facts, ThreadState(muted=key in muted), settings.policy, calendar, now)
        outcome = "moved_on" if step.kind == "moved_on" else facts.outcome
        if facts.is_interview and (before is None or before.outcome != outcome):
            store.record_event(
                "thread_" + outcome if outcome != "open" else "thread_found",
                step.reason if outcome != "open" else _found(facts),
                account=account.name,
                thread_key=key,
                facts={"score": facts.score, "step": step.kind},
            )
        analyses.append(
            ThreadAnalysis(
                thread_key=key,
                is_interview=facts.is_interview,
                score=facts.score,
                outcome=outcome,
                facts=facts.to_json(),
                step=_step_json(step),
            )
        )
        if facts.is_interview or (before is not None and before.is_interview):
            verdict_now = ThreadVerdict(account.name, thread, facts, step)
            changes.extend(reconcile(settings, store, account, verdict_now, now))
    store.save_analysis(account.name, analyses, started=started)
    log.info(
        "analysed account=%s threads=%d hiring=%d queue_changes=%d",
        account.name, len(analyses), hiring, len(changes),
    )  # fmt: skip
    return AnalysisReport(account.name, len(analyses), hiring, tuple(changes))


def _in_chunks(
    store: Store, account: str, keys: Sequence[str], size: int = ANALYSIS_CHUNK
) -> Iterator[tuple[str, list[StoredMessage]]]:
    """Each thread's stored messages, read a chunk of threads at a time: the first pass over
    a large mailbox never holds every message's text at once."""
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size]
        stored = store.messages_of_threads(account, chunk)
        for key in chunk:
            yield key, stored[key]


def _found(facts: ThreadFacts) -> str:
    where = " at ".join(part for part in (facts.role, facts.company) if part)
    return f"a hiring thread{': ' + where if where else ''} (score {facts.score:.2f})"


def _step_json(step: NextStep) -> dict[str, object]:
    return {
        "kind": step.kind,
        "reason": step.reason,
        "due": step.due.isoformat() if step.due else None,
        "ordinal": step.ordinal,
        "basis": step.basis,
    }
