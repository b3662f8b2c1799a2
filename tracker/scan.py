"""`followup scan`: offline analysis of mail files into the `scan --json` contract.

Reads the sources, parses every message, groups threads and reports each thread's facts.
No network, no database, no writes; `now` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker.config import PolicySettings
from tracker.mail.sources import read_sources
from tracker.policy import Calendar, ThreadState, decide
from tracker.understand.facts import thread_facts
from tracker.understand.parse import Message, parse_message
from tracker.understand.processes import understood_threads
from tracker.understand.threads import Thread, group_threads


@dataclass(frozen=True)
class Unparseable:
    """A message that could not be understood, and why; it is reported, never dropped silently."""

    origin: str
    reason: str


@dataclass(frozen=True)
class ScanResult:
    threads: tuple[Thread, ...]
    unparseable: tuple[Unparseable, ...]
    messages_read: int
    owner_addresses: frozenset[str] = frozenset()


def scan_paths(paths: Sequence[Path], owner_addresses: Iterable[str]) -> ScanResult:
    """Read, parse and thread every message under `paths`."""
    owners = tuple(owner_addresses)
    messages: list[Message] = []
    unparseable: list[Unparseable] = []
    count = 0
    for raw in read_sources(paths, owners):
        count += 1
        if raw.read_error is not None:
            unparseable.append(Unparseable(raw.origin, raw.read_error))
            continue
        message = parse_message(raw.raw, owners)
        if message.unparseable is not None:
            unparseable.append(Unparseable(raw.origin, message.unparseable))
            continue
        messages.append(message)
    return ScanResult(
        tuple(group_threads(messages, owners)),
        tuple(unparseable),
        count,
        frozenset(address.lower() for address in owners),
    )


def scan_document(
    result: ScanResult, now: datetime, calendar: Calendar, rules: PolicySettings | None = None
) -> dict[str, Any]:
    """The `scan --json` document: `{"threads": [...], "unparseable": [...], "messages_read"}`.

    `calendar` names the owner's zone and the public holidays business days skip; `next_step`
    is the policy's verdict at `now` under `rules` (the defaults unless given), as if followup
    had never sent anything on the thread.
    """
    policy = rules or PolicySettings()
    return {
        "threads": [
            _thread_document(t, result.owner_addresses, now, calendar, policy)
            for t in understood_threads(result.threads, result.owner_addresses)
        ],
        "unparseable": [{"origin": u.origin, "reason": u.reason} for u in result.unparseable],
        "messages_read": result.messages_read,
    }


def _thread_document(
    thread: Thread,
    owners: frozenset[str],
    now: datetime,
    calendar: Calendar,
    rules: PolicySettings,
) -> dict[str, Any]:
    first, last = thread.messages[0], thread.messages[-1]
    facts = thread_facts(thread, owners, calendar.country)
    step = decide(facts, ThreadState(), rules, calendar, now)
    return {
        "thread_id": thread.thread_id,
        "message_ids": list(thread.message_ids),
        "subject": first.subject,
        "first_at": _iso(first.date),
        "last_at": _iso(last.date),
        **facts.to_json(),
        "next_step": step.to_json(),
        "status": {"kind": step.kind, "reason": step.reason},
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
