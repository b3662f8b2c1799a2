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

from tracker.mail.sources import read_sources
from tracker.understand.parse import Address, Message, parse_message
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
    return ScanResult(tuple(group_threads(messages, owners)), tuple(unparseable), count)


def scan_document(result: ScanResult, now: datetime) -> dict[str, Any]:
    """The `scan --json` document: `{"threads": [...], "unparseable": [...], "messages_read"}`.

    The hiring-thread facts (detection, interview, thank-you, timeline, outcome, next step)
    are filled by the understanding and policy passes; until those exist they hold the
    contract's neutral values (false, null, "open", 0).
    """
    del now  # the policy pass will need it for next_step
    return {
        "threads": [_thread_document(thread) for thread in result.threads],
        "unparseable": [{"origin": u.origin, "reason": u.reason} for u in result.unparseable],
        "messages_read": result.messages_read,
    }


def _thread_document(thread: Thread) -> dict[str, Any]:
    first, last = thread.messages[0], thread.messages[-1]
    return {
        "thread_id": thread.thread_id,
        "message_ids": list(thread.message_ids),
        "subject": first.subject,
        "first_at": _iso(first.date),
        "last_at": _iso(last.date),
        "is_interview": False,
        "score": 0.0,
        "reasons": [],
        "company": None,
        "role": None,
        "contacts": [{"name": a.name, "email": a.email} for a in _contacts(thread)],
        "interview_at": None,
        "thankyou_message_id": None,
        "thankyou_at": None,
        "replied_after_thankyou": False,
        "auto_reply_message_ids": [m.message_id for m in thread.messages if m.auto_reply],
        "stated_timeline": None,
        "outcome": "open",
        "checkins_sent": 0,
        "next_step": None,
    }


def _contacts(thread: Thread) -> list[Address]:
    """The people on the other side who wrote in this thread, by first appearance."""
    seen: dict[str, Address] = {}
    for message in thread.messages:
        if message.direction == "incoming" and not message.auto_reply and message.sender:
            seen.setdefault(message.sender.email, message.sender)
    return list(seen.values())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
