"""The database tables of followup, as SQLModel classes (the schema Alembic migrates to).

Times are stored in UTC, always: every datetime column is a `UTCDateTime`, which refuses a
naive datetime on the way in and hands back an aware UTC datetime on the way out (SQLite keeps
no offset, so without this a value would come back naive). Where the original offset matters
(a message's `Date:`), it is kept beside the UTC moment in minutes.

Constraint names follow `NAMING_CONVENTION` so later migrations can refer to them by name
(SQLite needs batch mode, which recreates tables, for most ALTERs).

Changing a table here needs a new Alembic revision: `tests/test_migrations.py` compares this
metadata with the migrated schema and fails until one exists (see `tracker.store.revise`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Index, MetaData, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

ACTIVE_STATES: tuple[str, ...] = ("proposed", "queued", "approved", "sending", "snoozed")

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC; naive values are a bug and are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store a naive datetime: {value.isoformat()}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: the stored text carries no offset, and it is UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StoreTable(
    SQLModel, registry=registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))
):
    """The base of followup's tables: their own metadata, so nothing else leaks into the schema."""


metadata = StoreTable.metadata


class AccountRow(StoreTable, table=True):
    """One configured mailbox account, known by its name in the configuration."""

    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    provider: str  # "imap" | "gmail"
    address: str  # the owner's address, lower-cased


class FolderRow(StoreTable, table=True):
    """How far one folder of one account has been synced (the IMAP state that makes sync
    incremental). Advances only in the transaction that stores the messages it covers."""

    __tablename__ = "folders"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    name: str  # the server's folder name (localised on Gmail: found by special-use flag)
    role: str  # FolderRole
    uidvalidity: int | None = Field(default=None, sa_type=BigInteger)
    uidnext: int | None = Field(default=None, sa_type=BigInteger)
    highestmodseq: int | None = Field(default=None, sa_type=BigInteger)
    message_count: int | None = None
    last_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MessageRow(StoreTable, table=True):
    """One message, stored once however many folders (or Gmail labels) hold a copy of it.

    Its key is Gmail's X-GM-MSGID where the server offers one, else (account, Message-ID):
    two unique indexes make that true in the database, not only in code.
    """

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("account_id", "gm_msgid"),
        # Without X-GM-MSGID the Message-ID is the key; with it, Gmail may hold distinct
        # messages sharing a Message-ID (copies from lists, re-imports), which stay distinct.
        Index(
            "uq_messages_account_id_message_id_without_gm_msgid",
            "account_id",
            "message_id",
            unique=True,
            sqlite_where=sql_text("gm_msgid IS NULL"),
            postgresql_where=sql_text("gm_msgid IS NULL"),
        ),
        Index(None, "account_id", "thread_key"),
        Index(None, "account_id", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    message_id: str  # angle brackets kept
    gm_msgid: int | None = Field(default=None, sa_type=BigInteger)
    gm_thrid: int | None = Field(default=None, sa_type=BigInteger)
    thread_key: str | None = None
    in_reply_to: str = Field(default="", sa_type=Text)  # Message-IDs separated by spaces
    references: str = Field(default="", sa_type=Text)  # Message-IDs separated by spaces
    subject: str = Field(default="", sa_type=Text)
    from_address: str = ""
    # The addresses of To:, Cc: and Reply-To:, one a line: what threading reads of them, kept
    # beside the facts so that a whole mailbox is grouped without decoding any JSON.
    recipients: str = Field(default="", sa_type=Text)
    date_utc: datetime | None = Field(default=None, sa_type=UTCDateTime)
    date_offset_minutes: int | None = None  # the sender's UTC offset in `Date:`
    direction: str  # Direction
    is_auto_reply: bool = False
    unparseable: str | None = Field(default=None, sa_type=Text)  # why, when it was unparseable
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)


class MessageCopyRow(StoreTable, table=True):
    """Where one copy of a message lives: a folder, under a UIDVALIDITY, at a UID."""

    __tablename__ = "message_copies"
    __table_args__ = (UniqueConstraint("folder_id", "uidvalidity", "uid"),)

    id: int | None = Field(default=None, primary_key=True)
    message_row_id: int = Field(foreign_key="messages.id", ondelete="CASCADE", index=True)
    folder_id: int = Field(foreign_key="folders.id", ondelete="CASCADE")
    uidvalidity: int = Field(sa_type=BigInteger)
    uid: int = Field(sa_type=BigInteger)
    flags: list[str] = Field(default_factory=list, sa_type=JSON)
    labels: list[str] = Field(default_factory=list, sa_type=JSON)  # Gmail X-GM-LABELS


class ThreadRow(StoreTable, table=True):
    """One conversation of one account, and the state the policy keeps about it."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("account_id", "thread_key"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    thread_key: str
    subject: str = Field(default="", sa_type=Text)
    first_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_interview: bool = False
    score: float | None = None
    outcome: str = "open"  # open | rejected | offer | withdrawn | moved_on
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # `followup stop`
    muted_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last analysis (ThreadFacts.to_json) and the policy's verdict on it (NextStep).
    facts: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, sa_column_kwargs={"server_default": sql_text("'{}'")}
    )
    step: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, sa_column_kwargs={"server_default": sql_text("'{}'")}
    )
    analysed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # For a thread that speaks of hiring, the organisations on its other side (space-separated,
    # tracker.understand.processes.organisation); "" for any other thread.
    organisations: str = Field(
        default="", sa_type=Text, sa_column_kwargs={"server_default": sql_text("''")}
    )


class QueueItemRow(StoreTable, table=True):
    """One draft in the approval queue and where it is in its life (see `ItemState`).

    `basis` names the wait the draft ends (from the policy): one draft per thread and basis,
    and at most one active draft per thread, both enforced by the database.
    """

    __tablename__ = "queue_items"
    __table_args__ = (
        UniqueConstraint("account_id", "thread_key", "basis"),
        Index(
            "uq_queue_items_account_id_thread_key_active",
            "account_id",
            "thread_key",
            unique=True,
            sqlite_where=sql_text(f"state IN {ACTIVE_STATES!r}"),
            postgresql_where=sql_text(f"state IN {ACTIVE_STATES!r}"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)  # what the owner types: "K7Q2"
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    thread_key: str = Field(index=True)
    kind: str  # thank_you | checkin
    ordinal: int
    basis: str
    state: str = Field(index=True)  # ItemState
    due: datetime = Field(sa_type=UTCDateTime)  # the policy's moment, in the send window
    due_offset_minutes: int = 0  # the zone the window was counted in (the recipient's)
    reason: str = Field(default="", sa_type=Text)  # why now, in one sentence
    to_name: str = ""
    to_address: str
    subject: str = Field(sa_type=Text)
    in_reply_to: str
    references: str = Field(default="", sa_type=Text)  # Message-IDs separated by spaces
    body: str = Field(sa_type=Text)
    body_hash: str  # sha256 of body: what an approval binds to
    edited: bool = False  # the owner changed the text: never regenerated over their words
    approved_hash: str | None = None
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: str | None = None  # generated before SMTP, stored with `sending`
    sending_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = Field(default="", sa_type=Text)  # the last thing that happened to it, and why
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class EventRow(StoreTable, table=True):
    """One line of the append-only log of what happened and why (read by `explain`)."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "thread_key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    account_id: int | None = Field(default=None, foreign_key="accounts.id", ondelete="SET NULL")
    thread_key: str | None = None
    kind: str
    message: str = Field(sa_type=Text)
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class DigestRow(StoreTable, table=True):
    """One digest email sent to the owner: what a reply must answer to count."""

    __tablename__ = "digests"

    id: int | None = Field(default=None, primary_key=True)
    digest_id: str = Field(unique=True)  # "D7K2QX", in the subject
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    message_id: str = Field(index=True)  # the digest's Message-ID: replies point at it
    to_address: str
    sent_at: datetime = Field(sa_type=UTCDateTime, index=True)


class DigestOfferRow(StoreTable, table=True):
    """A draft a digest offered, with its single-use approval token."""

    __tablename__ = "digest_offers"
    __table_args__ = (UniqueConstraint("digest_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    digest_id: str = Field(index=True)
    code: str
    body_hash: str  # the text offered: an approval of other words is refused
    token: str  # HMAC over digest id, code and body hash (tracker.approvals.tokens)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by: str | None = None  # the Message-ID of the reply that used it


class ProcessedReplyRow(StoreTable, table=True):
    """A reply to a digest that was acted on (or refused): never acted on twice."""

    __tablename__ = "processed_replies"
    __table_args__ = (UniqueConstraint("account_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    message_id: str
    digest_id: str | None = None
    processed_at: datetime = Field(sa_type=UTCDateTime)
    summary: str = Field(default="", sa_type=Text)
