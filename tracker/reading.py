"""The first reading of stored threads: may each be part of a hiring process, and is it one?

`first_readings` runs in the analysis pass's second process on a large pass
(`tracker.analysis`), so this module imports only understanding and the store's plain records
(`tracker.store.records` loads no database code), like `tracker.ingest` for the sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracker.store.records import StoredMessage
from tracker.understand.detect import Detection, detect
from tracker.understand.message_json import message_from_json
from tracker.understand.processes import Candidate, candidate
from tracker.understand.threads import Thread


@dataclass(frozen=True)
class Reading:
    """What the first reading of a thread found."""

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
                candidate(thread, owners) if thread.messages else None,
                detect(thread, owners) if thread.messages and key not in detected else None,
            )
        )
    return readings
