"""followup's durable state: the only code that speaks SQL.

    store = open_store("sqlite:////var/lib/followup/state.db")   # creates, migrates
    store.upsert_account("main", "gmail", "alex@example.com")
    state = store.get_folder_state("main", "INBOX")
    store.save_folder_batch("main", new_state, [(MessageRecord(...), MessageCopy(uid=7))])
    store.record_event("checkin_queued", "waited 7 days", account="main", thread_key=key)
    store.events(thread=key)

All datetimes are timezone-aware and stored as UTC. Schema changes go through Alembic
revisions in tracker/store/migrations/versions (see tracker.store.revise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.store.records import (
    Account,
    BatchOutcome,
    DigestRecord,
    Event,
    FolderState,
    MessageCopy,
    MessageRecord,
    NewQueueItem,
    Offer,
    ProcessCandidate,
    QueueItem,
    StoredHeaders,
    StoredMessage,
    StoredReply,
    ThreadAnalysis,
    ThreadInfo,
    ThreadSummary,
)

if TYPE_CHECKING:
    from tracker.store.db import redact_url
    from tracker.store.repository import Store, message_date, open_store, reopen_store

# The records above import nothing heavy; the database code (SQLAlchemy, SQLModel: ~0.4 s and
# ~40 MB) is loaded when first used, so a sync's parsing process, which builds records and
# never opens the database, starts without it.
_LAZY = {
    "Store": "tracker.store.repository",
    "message_date": "tracker.store.repository",
    "open_store": "tracker.store.repository",
    "reopen_store": "tracker.store.repository",
    "redact_url": "tracker.store.db",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib  # noqa: PLC0415 - see _LAZY

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # found directly from now on
    return value

__all__ = [
    "Account",
    "BatchOutcome",
    "DigestRecord",
    "Event",
    "FolderState",
    "MessageCopy",
    "MessageRecord",
    "NewQueueItem",
    "Offer",
    "ProcessCandidate",
    "QueueItem",
    "Store",
    "StoredHeaders",
    "StoredMessage",
    "StoredReply",
    "ThreadAnalysis",
    "ThreadInfo",
    "ThreadSummary",
    "message_date",
    "open_store",
    "redact_url",
    "reopen_store",
]
