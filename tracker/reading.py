"""The first reading of stored threads: may each be part of a hiring process, and is it one?

On a large pass `read_stored` runs in the analysis pass's second process (`tracker.analysis`),
so this module imports only understanding and the store's plain records (`tracker.store.records`
loads no database code; `read_stored` loads it when called), like `tracker.ingest` for the sync.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.store.records import StoredMessage
from tracker.understand.detect import Detection, detect
from tracker.understand.message_json import message_from_json
from tracker.understand.processes import Candidate, candidate
from tracker.understand.threads import Thread

if TYPE_CHECKING:
    from tracker.store import Store
    from tracker.store.db import DatabaseTarget


@dataclass(frozen=True)
class Reading:
    """What the first reading of a thread found."""

    thread_key: str
    message_ids: tuple[str, ...]  # its stored messages'
    candidate: Candidate | None  # the thread as a possible part of a process spanning several
    detection: Detection | None  # the thread alone; None when not asked for


def thread_from_stored(thread_key: str, stored: Sequence[StoredMessage]) -> Thread:
    """A stored thread's messages, restored and in date order."""
    messages = sorted(
        (message_from_json({**m.facts, "message_id": m.message_id}) for m in stored),
        key=lambda m: (m.date is None, m.date, m.message_id),
    )
    return Thread(thread_id=thread_key, messages=tuple(messages))


def first_readings(
    owners: frozenset[str],
    threads: Sequence[tuple[str, Sequence[StoredMessage]]],
    detected: frozenset[str] = frozenset(),
) -> list[Reading]:
    """The first reading of each of `threads` (key, stored messages), in order; a thread
    whose key is in `detected` is not detected again (its analysis reads it whole)."""
    readings = []
    for key, stored in threads:
        thread = thread_from_stored(key, stored)
        readings.append(
            Reading(
                key,
                tuple(m.message_id for m in stored),
                candidate(thread, owners) if thread.messages else None,
                detect(thread, owners) if thread.messages and key not in detected else None,
            )
        )
    return readings


def read_stored(
    target: DatabaseTarget,
    account: str,
    keys: Sequence[str],
    owners: frozenset[str],
    detected: frozenset[str] = frozenset(),
) -> list[Reading]:
    """`first_readings` of the account's threads `keys`, read from the store at `target` on a
    connection of this process's own: the second process of a large analysis pass reads its
    share of threads itself, so that they are neither held nor copied in the first."""
    found = _reader(target).messages_of_threads(account, keys)
    return first_readings(owners, [(key, found[key]) for key in keys], detected)


@functools.cache
def _reader(target: DatabaseTarget) -> Store:
    """The second process's connection to the store, opened on its first chunk and kept for
    the others (the process ends with the pass)."""
    from tracker.store import reopen_store  # noqa: PLC0415 - see the module's docstring

    return reopen_store(target)
