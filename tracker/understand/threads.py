"""Group parsed messages into conversations (threads): pure, order-independent.

Three rules, strongest first:

1. Gmail's own thread id (X-GM-THRID, from IMAP or a Takeout export) when a message has one;
   two messages Gmail put in different threads are never joined by the other rules.
2. Message-ID / In-Reply-To / References, joined with union-find. A parent that is missing
   from the mailbox still joins its children (it is a node of its own).
3. For what is left apart: the same normalised subject ("Re:", "AW:", "Fwd:", "WG:", "TR:"...
   stripped) with at least one participant in common other than the owner, no more than
   60 days apart.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tracker.understand.parse import Message

SUBJECT_WINDOW = timedelta(days=60)

# Reply and forward prefixes in the languages followup reads, with counters ("Re[2]:", "RE^3:")
# and tags that mail gateways prepend ("[EXTERNAL]").
_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|antw|antwort|sv|vs|r|ref|réf|rif|fw|fwd|wg|tr|rv|enc|doorst)"
    r"(?:\s*[\[(^]\s*\d+\s*[\])]?)?\s*[:：]|\[(?:external|extern|ext)\]|\*external\*)\s*",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Thread:
    """One conversation: its stable id and its messages, oldest first."""

    thread_id: str
    messages: tuple[Message, ...]

    @property
    def message_ids(self) -> tuple[str, ...]:
        return tuple(message.message_id for message in self.messages)


@dataclass(frozen=True, slots=True)
class ThreadingHeaders:
    """What grouping reads of one message, and nothing else: a few hundred bytes where a
    `Message` takes over a kilobyte, so a whole mailbox can be grouped at once."""

    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    sender: str  # From:'s address, "" when none
    outgoing: bool
    participants: tuple[str, ...]  # the addresses of From:, To:, Cc: and Reply-To:
    date: datetime | None
    gm_thrid: int | None = None

    @classmethod
    def of(cls, message: Message, gm_thrid: int | None = None) -> ThreadingHeaders:
        addresses = (*message.to, *message.cc, *message.reply_to)
        if message.sender is not None:
            addresses = (message.sender, *addresses)
        return cls(
            message_id=message.message_id,
            in_reply_to=message.in_reply_to,
            references=message.references,
            subject=message.subject,
            sender=message.sender.email if message.sender is not None else "",
            outgoing=message.direction == "outgoing",
            participants=tuple(a.email for a in addresses if a.email),
            date=message.date,
            gm_thrid=gm_thrid,
        )


@dataclass(frozen=True, slots=True)
class HeaderThread:
    """One conversation as `group_headers` finds it: its id and its messages, oldest first."""

    thread_id: str
    messages: tuple[ThreadingHeaders, ...]


def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, case-folded, with whitespace collapsed."""
    text = subject
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return _SPACE.sub(" ", text).strip().casefold()


def group_threads(
    messages: Iterable[Message],
    owner_addresses: Iterable[str] = (),
    gmail_thread_ids: Mapping[str, int] | None = None,
) -> list[Thread]:
    """Group `messages` into threads, ordered by their first message.

    `owner_addresses` are never the participant two threads share (the senders of outgoing
    messages count as the owner's too). `gmail_thread_ids` maps a Message-ID to its
    X-GM-THRID when IMAP gave one; an `X-GM-THRID` header (Google Takeout) is used otherwise.
    Copies of one message (the same Message-ID in INBOX and Sent) count once.
    """
    unique: dict[str, Message] = {}
    for message in messages:
        unique.setdefault(message.message_id, message)
    headers = [
        ThreadingHeaders.of(m, _gmail_thread_id(m, gmail_thread_ids)) for m in unique.values()
    ]
    return [
        Thread(t.thread_id, tuple(unique[h.message_id] for h in t.messages))
        for t in group_headers(headers, owner_addresses)
    ]


def group_headers(
    messages: Iterable[ThreadingHeaders], owner_addresses: Iterable[str] = ()
) -> list[HeaderThread]:
    """`group_threads` over what it reads of each message (each carries its X-GM-THRID)."""
    unique = _dedupe(messages)
    thrids = {m.message_id: m.gm_thrid for m in unique}
    union = _UnionFind()
    for message in unique:
        own = message.message_id
        union.add(own)
        thrid = message.gm_thrid
        if thrid is not None:
            union.join(own, f"gm:{thrid}")
        for parent in (*message.in_reply_to, *message.references):
            parent_thrid = thrids.get(parent)
            if thrid is not None and parent_thrid is not None and parent_thrid != thrid:
                continue  # Gmail split these on purpose (e.g. a changed subject)
            union.join(own, parent)
    del thrids

    groups: dict[str, list[ThreadingHeaders]] = {}
    for message in unique:
        groups.setdefault(union.find(message.message_id), []).append(message)
    del union
    owners = _owner_addresses(unique) | {a.strip().lower() for a in owner_addresses}
    merged = _merge_by_subject(list(groups.values()), owners)
    del groups
    threads = [_thread(group) for group in merged]
    threads.sort(key=lambda thread: (_sort_key(thread.messages[0]), thread.thread_id))
    return threads


def _dedupe(messages: Iterable[ThreadingHeaders]) -> list[ThreadingHeaders]:
    seen: dict[str, ThreadingHeaders] = {}
    for message in messages:
        seen.setdefault(message.message_id, message)
    return list(seen.values())


def _gmail_thread_id(message: Message, given: Mapping[str, int] | None) -> int | None:
    if given and message.message_id in given:
        return given[message.message_id]
    header = message.headers.get("x-gm-thrid", "").strip()
    return int(header) if header.isdigit() else None


def _owner_addresses(messages: Sequence[ThreadingHeaders]) -> frozenset[str]:
    return frozenset(m.sender for m in messages if m.outgoing and m.sender)


def _participants(group: Sequence[ThreadingHeaders], owners: frozenset[str]) -> set[str]:
    people: set[str] = set()
    for message in group:
        people.update(message.participants)
    return people - owners


def _merge_by_subject(
    groups: list[list[ThreadingHeaders]], owners: frozenset[str]
) -> list[list[ThreadingHeaders]]:
    """Join header-threaded groups that share a subject and a participant within the window."""
    by_subject: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        if any(m.gm_thrid is not None for m in group):
            continue  # Gmail already decided
        subjects = {normalise_subject(m.subject) for m in group} - {""}
        for subject in subjects:
            by_subject.setdefault(subject, []).append(index)

    people = {i: _participants(groups[i], owners) for ids in by_subject.values() for i in ids}
    union = _UnionFind()
    for indexes in by_subject.values():
        for position, first in enumerate(indexes):
            for second in indexes[position + 1 :]:
                if people[first] & people[second] and _close_in_time(groups[first], groups[second]):
                    union.join(str(first), str(second))
    joined: dict[str, list[ThreadingHeaders]] = {}
    for index, group in enumerate(groups):
        joined.setdefault(union.find(str(index)), []).extend(group)
    return list(joined.values())


def _close_in_time(first: Sequence[ThreadingHeaders], second: Sequence[ThreadingHeaders]) -> bool:
    dates_a = [m.date for m in first if m.date is not None]
    dates_b = [m.date for m in second if m.date is not None]
    if not dates_a or not dates_b:
        return False
    return min(abs(a - b) for a in dates_a for b in dates_b) <= SUBJECT_WINDOW


def _sort_key(message: ThreadingHeaders) -> datetime:
    return message.date if message.date is not None else _FAR_FUTURE


def _thread(group: list[ThreadingHeaders]) -> HeaderThread:
    ordered = tuple(sorted(group, key=lambda m: (_sort_key(m), m.message_id)))
    first = ordered[0]
    # The root is named in the first message's References when it has any: that id stays the
    # same when later replies arrive, so the thread id is stable across syncs.
    root = (
        first.references[0]
        if first.references
        else (first.in_reply_to[0] if first.in_reply_to else first.message_id)
    )
    digest = hashlib.sha256(root.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return HeaderThread(thread_id=f"t-{digest}", messages=ordered)


class _UnionFind:
    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def add(self, item: str) -> None:
        self._parent.setdefault(item, item)

    def find(self, item: str) -> str:
        self.add(item)
        root = item
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[item] != root:  # path compression
            self._parent[item], item = root, self._parent[item]
        return root

    def join(self, first: str, second: str) -> None:
        root_a, root_b = self.find(first), self.find(second)
        if root_a != root_b:
            # The smaller name wins so the result does not depend on input order.
            low, high = sorted((root_a, root_b))
            self._parent[high] = low
