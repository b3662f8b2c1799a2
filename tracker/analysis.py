"""The analysis pass: stored threads → facts → the policy's next step → the approval queue.

Runs after every sync (and before every send). A thread is re-read when it is new, when a
message joined it since its last analysis, or when it is a hiring thread (its next step moves
with the clock); the facts and the verdict are stored on the thread, and `tracker.queue`
brings the thread's drafts in line with the verdict.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import zip_longest
from zoneinfo import ZoneInfo

from tracker.config import AccountSettings, Settings
from tracker.policy import Calendar, NextStep, SentByFollowup, ThreadState, decide
from tracker.queue import QueueChange, ThreadVerdict, reconcile
from tracker.reading import Reading, first_readings, read_stored, thread_from_stored
from tracker.store import ProcessCandidate, Store, StoredMessage, ThreadAnalysis, ThreadInfo
from tracker.understand.detect import Detection, detect
from tracker.understand.facts import ThreadFacts, thread_facts
from tracker.understand.processes import (
    Candidate,
    Process,
    candidate_groups,
    process_of,
    related_candidates,
)
from tracker.understand.threads import Thread

log = logging.getLogger(__name__)

# Threads read from the store at a time: at 50,000 bench messages, chunks of 125 threads held
# 12 MB less than chunks of 500 in the pass's first process, 14 MB less in its second, and
# were no slower.
ANALYSIS_CHUNK = 125
# A pass over this many threads or more detects in two processes (`_first_readings`).
PARALLEL_FROM_THREADS = 2000


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


def thread_state(
    store: Store, account: AccountSettings, keys: Sequence[str], muted: set[str] | None = None
) -> ThreadState:
    """What the store knows of a hiring process beyond its mail (its threads' `keys`): stopped
    or muted (any of its threads; `muted`, the account's muted threads, when known), followup's
    sends (in any of them)."""
    if muted is None:
        muted = store.muted_threads(account.name, account.mute_keyword)
    stopped = False
    sent: list[SentByFollowup] = []
    for key in keys:
        info = store.thread(account.name, key)
        stopped = stopped or (info is not None and info.stopped_at is not None)
        sent.extend(
            SentByFollowup(
                item.message_id,
                "thank_you" if item.kind == "thank_you" else "checkin",
                item.sent_at or item.sending_at or item.updated_at,
            )
            for item in store.queue_items(
                account=account.name, thread_key=key, states=("sent", "unknown")
            )
            if item.message_id is not None
        )
    return ThreadState(
        stopped=stopped,
        muted=bool(muted.intersection(keys)),
        sent=tuple(sorted(sent, key=lambda s: (s.sent_at, s.message_id))),
    )


def process_around(
    store: Store, account: AccountSettings, thread_key: str
) -> tuple[Thread, Process | None]:
    """A stored thread, and the hiring process spanning several threads it belongs to (None
    when it belongs to none), as the last analysis of the account's threads knows them."""
    candidates = [_candidate(c) for c in store.process_candidates(account.name)]
    ids = next((ids for ids in candidate_groups(candidates) if thread_key in ids), (thread_key,))
    stored = store.messages_of_threads(account.name, list(ids))
    threads = [thread_from_stored(key, stored.get(key, [])) for key in ids]
    thread = next(t for t in threads if t.thread_id == thread_key)
    process = process_of([t for t in threads if t.messages], account.owner_addresses)
    if process is None or thread_key not in process.thread_ids:  # vetoed, it stays alone
        return thread, None
    return thread, process


def verdict(
    settings: Settings, store: Store, account: AccountSettings, thread_key: str, now: datetime
) -> ThreadVerdict:
    """Facts and next step of one stored thread, as of now (no writes). A thread that is part
    of a hiring process tracked in another thread is not tracked itself."""
    thread, process = process_around(store, account, thread_key)
    if process is not None and process.tracked.thread_id != thread_key:
        return dataclasses.replace(_part_of(settings, account, thread, process)[1], process=process)
    if process is not None:
        thread = process.combined
    facts = thread_facts(thread, account.owner_addresses, settings.policy.holiday_country)
    keys = process.thread_ids if process is not None else (thread_key,)
    state = thread_state(store, account, keys)
    step = decide(facts, state, settings.policy, calendar_of(settings), now)
    return ThreadVerdict(account.name, thread, facts, step, process)


@dataclass
class _Pass:
    """One analysis pass over one account: what it knows and what it has found so far."""

    settings: Settings
    store: Store
    account: AccountSettings
    now: datetime
    calendar: Calendar
    muted: set[str]
    previous: dict[str, ThreadInfo]
    analyses: dict[str, ThreadAnalysis] = field(default_factory=dict)
    changes: list[QueueChange] = field(default_factory=list)
    hiring: int = 0

    def needs_reading(self, key: str, detection: Detection | None) -> bool:
        """Whether analysing a thread alone reads its mail (detection said it is not a
        hiring thread, and it was none before: its analysis is that detection)."""
        return key in self.previous or detection is None or detection.is_interview

    def alone(
        self,
        key: str,
        read: Callable[[], Thread],
        found: Candidate | None,
        detection: Detection | None = None,
    ) -> None:
        """Analyse a thread that is no part of a process spanning several threads (`read`
        gives its mail; `detection`, when known, is the thread's alone)."""
        organisations = tuple(sorted(found.organisations)) if found else ()
        if key not in self.previous:
            # Most threads of a mailbox are not hiring threads: detection alone says so, and
            # the facts (the costliest reading) are left for the threads that are.
            detection = detection or detect(read(), self.account.owner_addresses)
            if not detection.is_interview:
                self.analyses[key] = ThreadAnalysis(
                    key, False, detection.score, "open",
                    {"is_interview": False, "score": detection.score,
                     "reasons": list(detection.reasons)},
                    {"kind": "not_tracked", "reason": "not a hiring thread"},
                    organisations,
                )  # fmt: skip
                return
        self.tracked(read(), (key,), organisations)

    def tracked(self, thread: Thread, keys: Sequence[str], organisations: tuple[str, ...]) -> None:
        """Analyse a thread (for a process: its combined mail) and bring its drafts in line."""
        settings, account, key = self.settings, self.account, thread.thread_id
        facts = thread_facts(thread, account.owner_addresses, settings.policy.holiday_country)
        if facts.is_interview:
            self.hiring += 1
            state = thread_state(self.store, account, keys, self.muted)
        else:
            state = ThreadState(muted=key in self.muted)
        step = decide(facts, state, settings.policy, self.calendar, self.now)
        before = self.previous.get(key)
        outcome = "moved_on" if step.kind == "moved_on" else facts.outcome
        if facts.is_interview and (before is None or before.outcome != outcome):
            self.store.record_event(
                "thread_" + outcome if outcome != "open" else "thread_found",
                step.reason if outcome != "open" else _found(facts),
                account=account.name,
                thread_key=key,
                facts={"score": facts.score, "step": step.kind},
            )
        self.analyses[key] = ThreadAnalysis(
            thread_key=key,
            is_interview=facts.is_interview,
            score=facts.score,
            outcome=outcome,
            facts=facts.to_json(),
            step=_step_json(step),
            organisations=organisations,
        )
        if facts.is_interview or (before is not None and before.is_interview):
            verdict_now = ThreadVerdict(account.name, thread, facts, step)
            self.changes.extend(reconcile(settings, self.store, account, verdict_now, self.now))

    def process(self, process: Process, found: dict[str, Candidate]) -> None:
        """Analyse a hiring process spanning several threads: tracked in one, the others are
        part of it (their drafts, if any, are withdrawn)."""
        for thread in process.threads:
            organisations = tuple(sorted(found[thread.thread_id].organisations))
            if thread is process.tracked:
                self.tracked(process.combined, process.thread_ids, organisations)
                continue
            analysis, part = _part_of(self.settings, self.account, thread, process)
            self.analyses[thread.thread_id] = dataclasses.replace(
                analysis, organisations=organisations
            )
            before = self.previous.get(thread.thread_id)
            if before is not None and before.is_interview:
                self.changes.extend(
                    reconcile(self.settings, self.store, self.account, part, self.now)
                )


def analyse_account(
    settings: Settings, store: Store, account: AccountSettings, *, now: datetime
) -> AnalysisReport:
    """Analyse the account's threads that may have changed and update the queue.

    Threads that speak of hiring are read twice: once to learn who is on their other side,
    then, once every such thread is known, alone or with the other threads of their hiring
    process (tracker.understand.processes).
    """
    started = store.clock()
    keys = store.threads_to_analyse(account.name)
    if not keys:  # nothing new, and no hiring thread whose next step moves with the clock
        return AnalysisReport(account.name, 0, 0, ())
    run = _Pass(
        settings, store, account, now,
        calendar=calendar_of(settings),
        muted=store.muted_threads(account.name, account.mute_keyword),
        previous={t.thread_key: t for t in store.threads(account.name, hiring_only=True)},
    )  # fmt: skip
    owners = account.owner_addresses
    # followup's own digests and the owner's answers to them are never a hiring thread.
    digests = {d.message_id for d in store.digests(account.name)}
    fresh: dict[str, Candidate] = {}  # the threads read that may be part of a process
    detections: dict[str, Detection] = {}
    readings = _first_readings(store, account.name, keys, frozenset(owners), set(run.previous))
    for reading, read in readings:
        key = reading.thread_key
        if not reading.message_ids:
            continue
        if digests.intersection(reading.message_ids):
            own = {"kind": "not_tracked", "reason": "followup's own digest"}
            run.analyses[key] = ThreadAnalysis(key, False, 0.0, "open", {}, own)
            continue
        if reading.candidate is None:
            run.alone(key, read, None, reading.detection)
        else:
            fresh[key] = reading.candidate
            if reading.detection is not None:
                detections[key] = reading.detection
    candidates = _candidates_around(store, account.name, fresh, set(keys))
    group_of = {key: ids for ids in candidate_groups(candidates.values()) for key in ids}
    groups: list[tuple[str, ...]] = []
    done: set[str] = set()
    for key in fresh:  # in the order read
        if key in done:
            continue
        ids = group_of.get(key, (key,))
        done.update(ids)
        if len(ids) == 1 and not run.needs_reading(key, detections.get(key)):
            read = partial(_read_one, store, account.name, key)  # not called: see needs_reading
            run.alone(key, read, candidates[key], detections[key])
        else:
            groups.append(ids)
    for ids, stored in _groups_in_chunks(store, account.name, groups):
        threads = [thread_from_stored(k, stored.get(k, [])) for k in ids]
        threads = [t for t in threads if t.messages]
        process = process_of(threads, owners)
        if process is not None:
            run.process(process, candidates)
        inside = process.thread_ids if process is not None else ()
        for thread in threads:
            key = thread.thread_id
            if key not in inside:  # vetoed, or no process at all
                run.alone(key, partial(_same, thread), candidates.get(key), detections.get(key))
    store.save_analysis(account.name, list(run.analyses.values()), started=started)
    log.info(
        "analysed account=%s threads=%d hiring=%d queue_changes=%d",
        account.name, len(run.analyses), run.hiring, len(run.changes),
    )  # fmt: skip
    return AnalysisReport(account.name, len(run.analyses), run.hiring, tuple(run.changes))


def _candidates_around(
    store: Store, account: str, fresh: dict[str, Candidate], read: set[str]
) -> dict[str, Candidate]:
    """The candidates whose groups may hold one of `fresh` (the threads this pass `read` that
    may be part of a process): the store's, as this pass leaves them, linked to `fresh` by
    shared organisations (`related_candidates`)."""
    if not fresh:
        return {}
    others = (_candidate(c) for c in store.process_candidates(account))
    known = [*(c for c in others if c.thread_id not in read), *fresh.values()]
    return {c.thread_id: c for c in related_candidates(known, fresh)}


def _candidate(stored: ProcessCandidate) -> Candidate:
    return Candidate(
        stored.thread_key,
        stored.first_message_at,
        stored.last_message_at,
        frozenset(stored.organisations),
    )


def _part_of(
    settings: Settings, account: AccountSettings, thread: Thread, process: Process
) -> tuple[ThreadAnalysis, ThreadVerdict]:
    """A thread that is part of a process tracked in another thread: its analysis and its
    verdict (nothing to do on it; its own facts kept for `explain`)."""
    facts = thread_facts(thread, account.owner_addresses, settings.policy.holiday_country)
    tracked = process.tracked.thread_id
    reason = (
        f"part of the hiring process followed in thread {tracked}"
        if process.hiring
        else f"read with thread {tracked}: together they are no hiring process of yours"
    )
    facts = dataclasses.replace(facts, is_interview=False, reasons=(*facts.reasons, reason))
    step = NextStep("not_tracked", reason)
    analysis = ThreadAnalysis(
        thread.thread_id,
        False,
        facts.score,
        "open",
        {**facts.to_json(), "part_of": tracked},
        _step_json(step),
    )
    return analysis, ThreadVerdict(account.name, thread, facts, step)


def _first_readings(
    store: Store, account: str, keys: Sequence[str], owners: frozenset[str], known: set[str]
) -> Iterator[tuple[Reading, Callable[[], Thread]]]:
    """Each thread's first reading (`tracker.reading`; threads in `known` are not detected)
    and how to read its mail, read a chunk of threads at a time: the first pass over a large
    mailbox never holds every message's text at once.

    From `PARALLEL_FROM_THREADS` threads (and a database another connection can open), every
    other chunk is read by a second process, from the store itself, while this one reads the
    next: detection is most of the pass, and pure.
    """
    size = ANALYSIS_CHUNK
    chunks = [keys[start : start + size] for start in range(0, len(keys), size)]
    detected = frozenset(known)

    def read_here(chunk: Sequence[str]) -> Iterator[tuple[Reading, Callable[[], Thread]]]:
        found = store.messages_of_threads(account, chunk)
        threads = [(key, found[key]) for key in chunk]
        readings = first_readings(owners, threads, detected)
        return (
            (reading, partial(thread_from_stored, key, messages))
            for (key, messages), reading in zip(threads, readings, strict=True)
        )

    if len(keys) < PARALLEL_FROM_THREADS or store.target.in_memory:
        for chunk in chunks:
            yield from read_here(chunk)
        return
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        for there, here in zip_longest(chunks[0::2], chunks[1::2]):
            future = pool.submit(read_stored, store.target, account, there, owners, detected)
            mine = list(read_here(here)) if here is not None else []
            for reading in future.result():  # mail left in the store until it is needed
                yield reading, partial(_read_one, store, account, reading.thread_key)
            yield from mine


def _read_one(store: Store, account: str, key: str) -> Thread:
    return thread_from_stored(key, store.messages_of_threads(account, [key])[key])


def _same(thread: Thread) -> Thread:
    return thread


def _groups_in_chunks(
    store: Store, account: str, groups: Sequence[tuple[str, ...]], size: int = ANALYSIS_CHUNK
) -> Iterator[tuple[tuple[str, ...], dict[str, list[StoredMessage]]]]:
    """Each group of threads with its threads' stored messages, read about `size` threads at
    a time (one query, not one a group: most groups are a single thread)."""
    start = 0
    while start < len(groups):
        end, count = start, 0
        while end < len(groups) and (end == start or count + len(groups[end]) <= size):
            count += len(groups[end])
            end += 1
        chunk = groups[start:end]
        stored = store.messages_of_threads(account, [key for ids in chunk for key in ids])
        for ids in chunk:
            yield ids, stored
        start = end


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
