"""What crosses the store's boundary: frozen records, never ORM rows tied to a session."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

FolderRole = Literal["inbox", "sent", "all", "other"]
Direction = Literal["incoming", "outgoing"]
# A queued draft's life: proposed (drafted before it is due) → queued (due, waiting for the
# owner) → approved → sending (committed before SMTP DATA) → sent; or skipped, snoozed (back to
# queued when the snooze ends), cancelled (the policy no longer wants it), expired (its moment
# passed: a thank-you after it lapsed), failed (the server refused it for good) or unknown (a
# send whose fate could not be established: never retried without a new approval).
ItemState = Literal[
    "proposed", "queued", "approved", "sending", "sent",
    "skipped", "snoozed", "cancelled", "expired", "failed", "unknown",
]  # fmt: skip


# How the store writes every JSON value: compact, keys sorted, text as it is.
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True)


class JSONText(str):
    """A JSON value encoded already, the way the store encodes it (`encode_json`): written as
    it is. A sync's parsing process encodes each message's facts beside parsing them, so that
    the process storing them does not."""


def encode_json(value: Any) -> JSONText:
    return value if isinstance(value, JSONText) else JSONText(_JSON.encode(value))


@dataclass(frozen=True)
class Account:
    """A mailbox account as the store knows it."""

    name: str
    provider: str
    address: str


@dataclass(frozen=True)
class FolderState:
    """How far one folder has been synced. Passed to `save_folder_batch` it is the state the
    folder reaches once the batch is stored; `uidvalidity` must be set when the batch has
    messages, because a UID means nothing without it."""

    name: str
    role: FolderRole
    uidvalidity: int | None = None
    uidnext: int | None = None
    highestmodseq: int | None = None
    message_count: int | None = None
    last_synced_at: datetime | None = None


@dataclass(frozen=True)
class MessageRecord:
    """What the store keeps of one message. Its key: `gm_msgid` when set, else the account
    and `message_id`. `date` keeps the sender's offset (stored as UTC plus the offset)."""

    message_id: str  # angle brackets kept
    direction: Direction
    gm_msgid: int | None = None
    gm_thrid: int | None = None
    thread_key: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    subject: str = ""
    from_address: str = ""
    recipients: tuple[str, ...] = ()  # the addresses of To:, Cc: and Reply-To:
    date: datetime | None = None  # timezone-aware
    is_auto_reply: bool = False
    unparseable: str | None = None  # the reason, when the bytes could not be understood
    # JSON-serialisable values only, or their encoding (see JSONText)
    facts: Mapping[str, Any] | JSONText = field(default_factory=dict)


@dataclass(frozen=True)
class StoredMessage:
    """A stored message as the analysis passes read it back."""

    message_id: str
    gm_thrid: int | None
    thread_key: str | None
    facts: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StoredHeaders:
    """What the threading pass reads of a stored message: its plain columns, the addresses
    of its recipients and its `Date:` (as parsed: None when it had none)."""

    message_id: str
    gm_thrid: int | None
    thread_key: str | None
    in_reply_to: str  # Message-IDs separated by spaces
    references: str
    subject: str
    from_address: str
    outgoing: bool
    recipients: tuple[str, ...]  # To:, Cc: and Reply-To:
    date: str | None  # ISO 8601


@dataclass(frozen=True)
class ThreadSummary:
    """What the threading pass records of one thread."""

    thread_key: str
    subject: str
    first_message_at: datetime | None
    last_message_at: datetime | None
    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class MessageCopy:
    """One copy of a message in the folder being synced (its UIDVALIDITY is the folder's)."""

    uid: int
    flags: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # Gmail X-GM-LABELS


@dataclass(frozen=True)
class BatchOutcome:
    """What `save_folder_batch` did."""

    new_messages: int  # messages stored for the first time
    known_messages: int  # messages already stored (by key), given one more copy or refreshed
    new_copies: int
    dropped_copies: int  # copies forgotten because the folder's UIDVALIDITY changed


@dataclass(frozen=True)
class Event:
    """One line of the log of what happened and why."""

    at: datetime  # UTC
    kind: str
    message: str
    account: str | None = None
    thread_key: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewQueueItem:
    """A draft to put in the approval queue."""

    account: str
    thread_key: str
    kind: str  # thank_you | checkin
    ordinal: int
    basis: str
    state: ItemState
    due: datetime  # aware; its offset is kept (the zone the send window was counted in)
    reason: str
    to_name: str
    to_address: str
    subject: str
    in_reply_to: str
    references: tuple[str, ...]
    body: str
    body_hash: str


@dataclass(frozen=True)
class QueueItem:
    """A draft in the approval queue, as stored now."""

    code: str
    account: str
    thread_key: str
    kind: str
    ordinal: int
    basis: str
    state: ItemState
    due: datetime
    reason: str
    to_name: str
    to_address: str
    subject: str
    in_reply_to: str
    references: tuple[str, ...]
    body: str
    body_hash: str
    edited: bool
    approved_hash: str | None
    approved_at: datetime | None
    snoozed_until: datetime | None
    message_id: str | None
    sending_at: datetime | None
    sent_at: datetime | None
    note: str
    created_at: datetime
    updated_at: datetime

    @property
    def approved(self) -> bool:
        """Approved, and the approval is of exactly this text."""
        return self.state == "approved" and self.approved_hash == self.body_hash


@dataclass(frozen=True)
class ThreadInfo:
    """A thread as the analysis pass left it: its facts, the policy's verdict, the owner's
    decisions."""

    account: str
    thread_key: str
    subject: str
    last_message_at: datetime | None
    is_interview: bool
    outcome: str
    facts: Mapping[str, Any]
    step: Mapping[str, Any]
    stopped_at: datetime | None
    analysed_at: datetime | None


@dataclass(frozen=True)
class ThreadAnalysis:
    """What the analysis pass records of one thread."""

    thread_key: str
    is_interview: bool
    score: float
    outcome: str  # open | rejected | offer | withdrawn | moved_on
    facts: Mapping[str, Any]
    step: Mapping[str, Any]
    organisations: tuple[str, ...] = ()  # when it speaks of hiring: who is on the other side


@dataclass(frozen=True)
class ProcessCandidate:
    """A thread that may belong to a hiring process spanning several threads."""

    thread_key: str
    first_message_at: datetime
    last_message_at: datetime
    organisations: tuple[str, ...]


@dataclass(frozen=True)
class DigestRecord:
    """A digest sent to the owner."""

    digest_id: str
    account: str
    message_id: str
    to_address: str
    sent_at: datetime


@dataclass(frozen=True)
class Offer:
    """A draft one digest offered, and its approval token."""

    digest_id: str
    code: str
    body_hash: str
    token: str
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str | None = None


@dataclass(frozen=True)
class StoredReply:
    """A stored message answering a digest, and whether a copy of it sits in the account's
    Sent folder (on Gmail: carries the \\Sent label)."""

    message: StoredMessage
    in_sent: bool
    answers: tuple[str, ...]  # the Message-IDs of the digests it answers
