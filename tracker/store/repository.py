"""The store's API: the few reads and writes sync, scan and explain need, each one transaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

from sqlalchemy import Engine, Text, bindparam, cast, delete, insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from tracker.clock import Clock, system_clock
from tracker.errors import StoreError
from tracker.store.db import (
    DatabaseTarget,
    create_store_engine,
    parse_target,
    translated_errors,
    upgrade,
)
from tracker.store.models import (
    AccountRow,
    DigestOfferRow,
    DigestRow,
    EventRow,
    FolderRow,
    MessageCopyRow,
    MessageRow,
    ProcessedReplyRow,
    QueueItemRow,
    ThreadRow,
)
from tracker.store.records import (
    Account,
    BatchOutcome,
    DigestRecord,
    Event,
    FolderState,
    ItemState,
    JSONText,
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

log = logging.getLogger(__name__)
T = TypeVar("T")


def open_store(url: str, *, clock: Clock = system_clock) -> Store:
    """Open (creating if needed) the database at `url` and migrate it to the newest schema.

    A SQLite file and its directory are created private (0600, 0700). `sqlite://` gives an
    in-memory database, for tests. `clock` stamps first-seen times and events.
    """
    target = parse_target(url)
    engine = create_store_engine(target)
    try:
        upgrade(engine, target)
    except BaseException:
        engine.dispose()
        raise
    log.info("database open path=%s", target.shown)
    return Store(engine, target, clock)


def reopen_store(target: DatabaseTarget, *, clock: Clock = system_clock) -> Store:
    """A connection of its own to a store that `open_store` opened (and migrated), for another
    process to read beside it (`tracker.reading.read_stored`). Not for an in-memory store:
    another connection would see another, empty database."""
    if target.in_memory:
        raise ValueError("an in-memory store cannot be opened twice")
    return Store(create_store_engine(target), target, clock)


class Store:
    """followup's database. Every method runs in its own transaction and returns records."""

    def __init__(self, engine: Engine, target: DatabaseTarget, clock: Clock) -> None:
        self.engine = engine
        self.target = target
        self.clock = clock

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with (
            translated_errors(self.target, "use"),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    # accounts

    def upsert_account(self, name: str, provider: str, address: str) -> Account:
        """Record the account `name` from the configuration, updating provider and address."""
        with self.session() as session:
            row = session.exec(select(AccountRow).where(AccountRow.name == name)).first()
            if row is None:
                row = AccountRow(name=name, provider=provider, address=address.lower())
            else:
                row.provider, row.address = provider, address.lower()
            session.add(row)
            return Account(name=row.name, provider=row.provider, address=row.address)

    def accounts(self) -> list[Account]:
        with self.session() as session:
            rows = session.exec(select(AccountRow).order_by(col(AccountRow.name))).all()
            return [Account(name=r.name, provider=r.provider, address=r.address) for r in rows]

    # folders

    def get_folder_state(self, account: str, folder: str) -> FolderState | None:
        """How far `folder` of `account` was synced, or None if it never was."""
        with self.session() as session:
            row = _folder(session, _account_id(session, account), folder)
            return None if row is None else _folder_state(row)

    def folder_states(self, account: str) -> list[FolderState]:
        with self.session() as session:
            account_id = _account_id(session, account)
            query = select(FolderRow).where(FolderRow.account_id == account_id)
            rows = session.exec(query.order_by(col(FolderRow.name))).all()
            return [_folder_state(row) for row in rows]

    def known_uids(self, account: str, folder: str) -> set[int]:
        """The UIDs of the copies stored for `folder` under its current UIDVALIDITY."""
        with self.session() as session:
            row = _folder(session, _account_id(session, account), folder)
            if row is None or row.uidvalidity is None:
                return set()
            query = select(MessageCopyRow.uid).where(
                MessageCopyRow.folder_id == row.id, MessageCopyRow.uidvalidity == row.uidvalidity
            )
            return set(session.exec(query).all())

    def update_copy_flags(
        self,
        account: str,
        folder: str,
        flags: Mapping[int, tuple[tuple[str, ...], tuple[str, ...]]],
    ) -> int:
        """Set the flags and labels of the copies at the given UIDs; returns how many changed."""
        if not flags:
            return 0
        changed = 0
        with self.session() as session:
            row = _folder(session, _account_id(session, account), folder)
            if row is None:
                return 0
            query = select(MessageCopyRow).where(
                MessageCopyRow.folder_id == row.id,
                MessageCopyRow.uidvalidity == row.uidvalidity,
                col(MessageCopyRow.uid).in_(list(flags)),
            )
            for copy in session.exec(query).all():
                new_flags, new_labels = (list(values) for values in flags[copy.uid])
                if (copy.flags, copy.labels) != (new_flags, new_labels):
                    copy.flags, copy.labels = new_flags, new_labels
                    session.add(copy)
                    changed += 1
        return changed

    def remove_copies(self, account: str, folder: str, uids: Iterable[int]) -> int:
        """Forget the copies at `uids` (expunged on the server); the messages stay recorded."""
        wanted = list(uids)
        with self.session() as session:
            row = _folder(session, _account_id(session, account), folder)
            if row is None or not wanted:
                return 0
            result = session.exec(
                delete(MessageCopyRow).where(
                    col(MessageCopyRow.folder_id) == row.id,
                    col(MessageCopyRow.uidvalidity) == row.uidvalidity,
                    col(MessageCopyRow.uid).in_(wanted),
                )
            )
            return int(result.rowcount)

    def save_folder_batch(
        self,
        account: str,
        folder: FolderState,
        messages: Sequence[tuple[MessageRecord, MessageCopy]],
    ) -> BatchOutcome:
        """Store `messages` and their copies in `folder` and advance the folder to `folder`'s
        state, all in one transaction: the state never runs ahead of the messages it covers.

        A message already stored under the same key gets one more copy, not a second row.
        A new UIDVALIDITY makes the folder's old copies meaningless: they are forgotten.
        """
        if messages and folder.uidvalidity is None:
            raise ValueError("a batch with messages needs the folder's UIDVALIDITY")
        now = self.clock()
        new_messages = known_messages = new_copies = dropped = 0
        with self.session() as session:
            account_id = _account_id(session, account)
            row = _folder(session, account_id, folder.name)
            if row is None:
                row = FolderRow(account_id=account_id, name=folder.name, role=folder.role)
                session.add(row)
                session.flush()
            elif folder.uidvalidity is not None and row.uidvalidity != folder.uidvalidity:
                dropped = _drop_stale_copies(session, row, folder.uidvalidity)
            if messages:
                assert folder.uidvalidity is not None and row.id is not None  # checked above
                ids, new_messages, known_messages = _store_messages(
                    session, account_id, [record for record, _ in messages], now
                )
                new_copies = _store_copies(
                    session,
                    row.id,
                    folder.uidvalidity,
                    [(ids[i], c) for i, (_, c) in enumerate(messages)],
                )
            _advance(row, folder)
            session.add(row)
        outcome = BatchOutcome(new_messages, known_messages, new_copies, dropped)
        log.debug(
            "folder batch saved account=%s folder=%s new=%d known=%d copies=%d dropped=%d",
            account, folder.name, new_messages, known_messages, new_copies, dropped,
        )  # fmt: skip
        return outcome

    # threads

    def stored_messages(
        self,
        account: str,
        fields: Sequence[str] | None = None,
        *,
        thread_keys: Sequence[str] | None = None,
        unthreaded: bool = False,
        limit: int | None = None,
    ) -> list[StoredMessage]:
        """Every parseable message of `account` that still has a copy in some folder.

        With `fields`, only those keys of each message's facts are read (the threading pass
        needs headers, not texts: it stays small on a large mailbox). `thread_keys` narrows
        to those threads' messages; `unthreaded` to the messages no threading pass grouped
        yet, the first `limit` of them in the order they were stored.
        """
        if thread_keys is not None and not thread_keys:
            return []
        with self.session() as session:
            facts_columns: list[Any] = (
                [col(MessageRow.facts)] if fields is None
                else [col(MessageRow.facts)[name] for name in fields]
            )  # fmt: skip
            query = select(
                MessageRow.message_id, MessageRow.gm_thrid, MessageRow.thread_key, *facts_columns
            ).where(*_readable(_account_id(session, account)))
            if unthreaded:
                query = query.where(col(MessageRow.thread_key).is_(None))
                query = query.order_by(col(MessageRow.id)).limit(limit)
            stored = []
            for chunk in _chunks(list(thread_keys)) if thread_keys is not None else [None]:
                narrowed = (
                    query if chunk is None else query.where(col(MessageRow.thread_key).in_(chunk))
                )
                for message_id, gm_thrid, thread_key, *values in session.execute(narrowed).all():
                    facts = (
                        (values[0] or {}) if fields is None
                        else {name: value for name, value in zip(fields, values, strict=True)
                              if value is not None}
                    )  # fmt: skip
                    stored.append(StoredMessage(message_id, gm_thrid, thread_key, facts))
            return stored

    def iter_threading_headers(
        self,
        account: str,
        *,
        thread_keys: Sequence[str] | None = None,
        unthreaded: bool = False,
    ) -> Iterator[StoredHeaders]:
        """What threading reads of every parseable message of `account` that still has a
        copy (narrowed like `stored_messages`), streamed: read a thousand rows at a time."""
        if thread_keys is not None and not thread_keys:
            return
        with self.session() as session:
            query = sa_select(
                col(MessageRow.message_id), col(MessageRow.gm_thrid), col(MessageRow.thread_key),
                col(MessageRow.in_reply_to), col(MessageRow.references), col(MessageRow.subject),
                col(MessageRow.from_address), col(MessageRow.direction),
                col(MessageRow.recipients), col(MessageRow.facts)["date"].as_string(),
            ).where(*_readable(_account_id(session, account)))  # fmt: skip
            if unthreaded:
                query = query.where(col(MessageRow.thread_key).is_(None))
            chunks = _chunks(list(thread_keys)) if thread_keys is not None else [None]
            for chunk in chunks:
                narrowed = (
                    query if chunk is None else query.where(col(MessageRow.thread_key).in_(chunk))
                )
                for row in session.execute(narrowed.execution_options(yield_per=200)):
                    message_id, gm_thrid, key, in_reply_to, references, subject = row[:6]
                    sender, direction, recipients, date = row[6:]
                    yield StoredHeaders(
                        message_id, gm_thrid, key, in_reply_to or "", references or "",
                        subject or "", sender or "", direction == "outgoing",
                        tuple(recipients.split("\n")) if recipients else (),
                        date,
                    )  # fmt: skip

    def threaded_headers(self, account: str) -> Iterator[tuple[str, str, str, str, str]]:
        """(Message-ID, thread key, In-Reply-To, References, subject) of every grouped
        parseable message with a copy: what finds the threads new mail may join. Streamed."""
        with self.session() as session:
            columns = (
                col(MessageRow.message_id), col(MessageRow.thread_key),
                col(MessageRow.in_reply_to), col(MessageRow.references), col(MessageRow.subject),
            )  # fmt: skip
            query = sa_select(*columns).where(
                *_readable(_account_id(session, account)), col(MessageRow.thread_key).is_not(None)
            )
            for row in session.execute(query.execution_options(yield_per=2000)):
                yield row[0], row[1], row[2] or "", row[3] or "", row[4] or ""

    def thread_keys_of_copies(self, account: str, folder: str, uids: Iterable[int]) -> set[str]:
        """The threads of the messages at `uids` in `folder` (before they are removed)."""
        wanted = list(uids)
        keys: set[str] = set()
        with self.session() as session:
            row = _folder(session, _account_id(session, account), folder)
            if row is None:
                return keys
            for chunk in _chunks(wanted):
                query = (
                    select(MessageRow.thread_key)
                    .join(MessageCopyRow, col(MessageCopyRow.message_row_id) == col(MessageRow.id))
                    .where(
                        MessageCopyRow.folder_id == row.id,
                        MessageCopyRow.uidvalidity == row.uidvalidity,
                        col(MessageCopyRow.uid).in_(chunk),
                        col(MessageRow.thread_key).is_not(None),
                    )
                )
                keys.update(key for key in session.exec(query).all() if key is not None)
        return keys

    def save_threads(
        self, account: str, threads: Sequence[ThreadSummary], replacing: Iterable[str] = ()
    ) -> int:
        """Record `threads` and point their messages at them; returns how many messages moved.

        The threads named in `replacing` (those the pass regrouped) that no longer hold any
        message (merged into another) are removed; threads not named are left as they are.
        """
        replaced = set(replacing)
        with self.session() as session:
            account_id = _account_id(session, account)
            # Read a chunk of messages at a time, and keep only the moves (a first sync moves
            # every message): a whole mailbox's worth of rows is never held at once.
            moves: list[tuple[int, str]] = []
            for owner in _thread_chunks(threads):
                current = session.exec(
                    select(MessageRow.id, MessageRow.message_id, MessageRow.thread_key).where(
                        MessageRow.account_id == account_id,
                        col(MessageRow.message_id).in_(list(owner)),
                    )
                ).all()
                for row_id, message_id, thread_key in current:
                    key = owner[message_id]
                    if thread_key != key and row_id is not None:
                        moves.append((row_id, key))
            messages = MessageRow.__table__  # type: ignore[attr-defined]
            # One statement run for every moved row (executemany), not one per thread: a
            # first sync moves every message into one of thousands of threads.
            for move_chunk in _chunks(moves, 1000):
                session.execute(
                    update(messages)
                    .where(messages.c.id == bindparam("row_id"))
                    .values(thread_key=bindparam("key")),
                    [{"row_id": row_id, "key": key} for row_id, key in move_chunk],
                )
            moved = len(moves)
            del moves
            table = ThreadRow.__table__  # type: ignore[attr-defined]
            existing: dict[str, tuple[int, bool]] = {}
            for key_chunk in _chunks(sorted({t.thread_key for t in threads} | replaced)):
                existing.update(
                    (key, (row_id, kept))
                    for row_id, key, kept in session.execute(
                        select(
                            table.c.id,
                            table.c.thread_key,
                            (table.c.stopped_at.is_not(None)) | (table.c.muted_until.is_not(None)),
                        ).where(table.c.account_id == account_id, table.c.thread_key.in_(key_chunk))
                    ).all()
                )
            for thread_chunk in _chunks(threads, 1000):
                updates = [
                    {
                        "row_id": existing[t.thread_key][0],
                        "subject": t.subject,
                        "first_message_at": t.first_message_at,
                        "last_message_at": t.last_message_at,
                    }
                    for t in thread_chunk
                    if t.thread_key in existing
                ]
                if updates:
                    session.execute(
                        update(table)
                        .where(table.c.id == bindparam("row_id"))
                        .values(
                            subject=bindparam("subject"),
                            first_message_at=bindparam("first_message_at"),
                            last_message_at=bindparam("last_message_at"),
                        ),
                        updates,
                    )
                inserts = [
                    {
                        "account_id": account_id,
                        "thread_key": t.thread_key,
                        "subject": t.subject,
                        "first_message_at": t.first_message_at,
                        "last_message_at": t.last_message_at,
                    }
                    for t in thread_chunk
                    if t.thread_key not in existing
                ]
                if inserts:
                    session.execute(insert(table), inserts)
            wanted = {t.thread_key for t in threads}
            # Merged away, unless it carries the owner's decisions (stop, mute).
            stale = [row_id for key, (row_id, kept) in existing.items()
                     if key in replaced and key not in wanted and not kept]  # fmt: skip
            for chunk in _chunks(stale):
                session.execute(delete(table).where(table.c.id.in_(chunk)))
        return moved

    def unthreaded_count(self, account: str) -> int:
        """How many parseable messages of `account` no threading pass has grouped yet."""
        with self.session() as session:
            query = select(func.count()).where(
                MessageRow.account_id == _account_id(session, account),
                col(MessageRow.thread_key).is_(None),
                col(MessageRow.unparseable).is_(None),
                # Correlated (indexed), not IN a list of every copy: this runs on every pass.
                select(MessageCopyRow.id)
                .where(col(MessageCopyRow.message_row_id) == col(MessageRow.id))
                .exists(),
            )
            return int(session.exec(query).one())

    def thread_messages(self, account: str, thread_key: str) -> list[StoredMessage]:
        """The parseable messages of one thread, with all their facts."""
        return self.messages_of_threads(account, [thread_key])[thread_key]

    def messages_of_threads(
        self, account: str, thread_keys: Sequence[str]
    ) -> dict[str, list[StoredMessage]]:
        """The parseable messages of each of `thread_keys`, with all their facts."""
        found: dict[str, list[StoredMessage]] = {key: [] for key in thread_keys}
        with self.session() as session:
            account_id = _account_id(session, account)
            for chunk in _chunks(list(thread_keys)):
                query = select(
                    MessageRow.message_id, MessageRow.gm_thrid, MessageRow.thread_key,
                    MessageRow.facts,
                ).where(
                    MessageRow.account_id == account_id,
                    col(MessageRow.thread_key).in_(chunk),
                    col(MessageRow.unparseable).is_(None),
                )  # fmt: skip
                for message_id, gm_thrid, key, facts in session.exec(query).all():
                    if key is not None:
                        found[key].append(StoredMessage(message_id, gm_thrid, key, facts or {}))
        return found

    def threads_to_analyse(self, account: str) -> list[str]:
        """Threads whose analysis may be out of date: never analysed, holding a message stored
        since, or hiring threads (their next step moves with the clock)."""
        with self.session() as session:
            account_id = _account_id(session, account)
            newer = (
                select(MessageRow.id)
                .where(
                    MessageRow.account_id == account_id,
                    MessageRow.thread_key == ThreadRow.thread_key,
                    col(MessageRow.first_seen_at) > col(ThreadRow.analysed_at),
                )
                .exists()
            )
            query = select(ThreadRow.thread_key).where(
                ThreadRow.account_id == account_id,
                col(ThreadRow.analysed_at).is_(None) | col(ThreadRow.is_interview) | newer,
            )
            return sorted(session.exec(query).all())

    def thread_keys(self, account: str) -> list[str]:
        with self.session() as session:
            query = select(ThreadRow.thread_key).where(
                ThreadRow.account_id == _account_id(session, account)
            )
            return sorted(session.exec(query.order_by(col(ThreadRow.thread_key))).all())

    # thread analysis

    def save_analysis(
        self, account: str, analyses: Sequence[ThreadAnalysis], *, started: datetime
    ) -> None:
        """Record the facts and the policy's verdict of each analysed thread, as of `started`:
        the moment the pass began reading (a message stored while it ran is newer than that,
        so the next pass reads its thread again)."""
        now = started
        with self.session() as session:
            account_id = _account_id(session, account)
            table = ThreadRow.__table__  # type: ignore[attr-defined]
            for chunk in _chunks(list(analyses)):
                session.execute(
                    update(table)
                    .where(
                        table.c.account_id == account_id,
                        table.c.thread_key == bindparam("key"),
                    )
                    .values(
                        is_interview=bindparam("is_interview"),
                        score=bindparam("score"),
                        outcome=bindparam("outcome"),
                        facts=bindparam("facts"),
                        step=bindparam("step"),
                        organisations=bindparam("organisations"),
                        analysed_at=now,
                    ),
                    [
                        {
                            "key": a.thread_key,
                            "is_interview": a.is_interview,
                            "score": a.score,
                            "outcome": a.outcome,
                            "facts": dict(a.facts),
                            "step": dict(a.step),
                            "organisations": " ".join(a.organisations),
                        }
                        for a in chunk
                    ],
                )

    def process_candidates(self, account: str) -> list[ProcessCandidate]:
        """The threads that speak of hiring, as last analysed, with the organisations on their
        other side: the threads one hiring process may span."""
        with self.session() as session:
            query = select(
                ThreadRow.thread_key,
                ThreadRow.first_message_at,
                ThreadRow.last_message_at,
                ThreadRow.organisations,
            ).where(
                ThreadRow.account_id == _account_id(session, account),
                ThreadRow.organisations != "",
                col(ThreadRow.first_message_at).is_not(None),
                col(ThreadRow.last_message_at).is_not(None),
            )
            return [
                ProcessCandidate(key, first, last, tuple(orgs.split()))
                for key, first, last, orgs in session.exec(query).all()
                if first is not None and last is not None
            ]

    def threads(self, account: str, *, hiring_only: bool = False) -> list[ThreadInfo]:
        """The account's threads as last analysed, most recent first."""
        with self.session() as session:
            query = select(ThreadRow).where(ThreadRow.account_id == _account_id(session, account))
            if hiring_only:
                query = query.where(col(ThreadRow.is_interview).is_(True))
            rows = session.exec(
                query.order_by(col(ThreadRow.last_message_at).desc(), col(ThreadRow.thread_key))
            ).all()
            return [_thread_info(account, row) for row in rows]

    def thread(self, account: str, thread_key: str) -> ThreadInfo | None:
        with self.session() as session:
            row = _thread_row(session, _account_id(session, account), thread_key)
            return None if row is None else _thread_info(account, row)

    def stop_thread(self, account: str, thread_key: str) -> bool:
        """Never check in on the thread again; False if it was stopped already."""
        with self.session() as session:
            row = _thread_row(session, _account_id(session, account), thread_key)
            if row is None:
                raise StoreError(f"no thread {thread_key!r} in account {account!r}")
            if row.stopped_at is not None:
                return False
            row.stopped_at = self.clock()
            session.add(row)
            return True

    def muted_threads(self, account: str, marker: str) -> set[str]:
        """The threads one of whose messages carries `marker` as an IMAP keyword or Gmail label."""
        needle = f"%{json.dumps(marker)}%"
        with self.session() as session:
            query = (
                select(MessageRow.thread_key)
                .join(MessageCopyRow, col(MessageCopyRow.message_row_id) == col(MessageRow.id))
                .where(
                    MessageRow.account_id == _account_id(session, account),
                    col(MessageRow.thread_key).is_not(None),
                    cast(MessageCopyRow.flags, Text).like(needle)
                    | cast(MessageCopyRow.labels, Text).like(needle),
                )
                .distinct()
            )
            return {key for key in session.exec(query).all() if key is not None}

    # the approval queue

    def queue_codes(self) -> set[str]:
        with self.session() as session:
            return set(session.exec(select(QueueItemRow.code)).all())

    def add_queue_item(self, item: NewQueueItem, code: str) -> QueueItem | None:
        """Queue `item` under `code`; None when the thread already has a draft for this basis
        or an active one (the database refuses both, so two passes cannot queue twice)."""
        now = self.clock()
        row = QueueItemRow(
            code=code,
            account_id=0,
            thread_key=item.thread_key,
            kind=item.kind,
            ordinal=item.ordinal,
            basis=item.basis,
            state=item.state,
            due=item.due,
            due_offset_minutes=_offset_minutes(item.due),
            reason=item.reason,
            to_name=item.to_name,
            to_address=item.to_address,
            subject=item.subject,
            in_reply_to=item.in_reply_to,
            references=" ".join(item.references),
            body=item.body,
            body_hash=item.body_hash,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.session() as session:
                row.account_id = _account_id(session, item.account)
                session.add(row)
                session.flush()
                return _queue_item(item.account, row)
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                log.info("not queued (exists) thread=%s basis=%s", item.thread_key, item.basis)
                return None
            raise

    def queue_items(
        self,
        *,
        account: str | None = None,
        thread_key: str | None = None,
        states: Iterable[str] | None = None,
    ) -> list[QueueItem]:
        """Queue items, oldest due first, filtered by account, thread and state."""
        with self.session() as session:
            query = select(QueueItemRow, AccountRow.name).join(
                AccountRow, col(AccountRow.id) == col(QueueItemRow.account_id)
            )
            if account is not None:
                query = query.where(AccountRow.name == account)
            if thread_key is not None:
                query = query.where(QueueItemRow.thread_key == thread_key)
            if states is not None:
                query = query.where(col(QueueItemRow.state).in_(list(states)))
            query = query.order_by(col(QueueItemRow.due), col(QueueItemRow.id))
            return [_queue_item(name, row) for row, name in session.exec(query).all()]

    def queue_item(self, code: str) -> QueueItem | None:
        with self.session() as session:
            found = session.exec(
                select(QueueItemRow, AccountRow.name)
                .join(AccountRow, col(AccountRow.id) == col(QueueItemRow.account_id))
                .where(QueueItemRow.code == code)
            ).first()
            return None if found is None else _queue_item(found[1], found[0])

    def transition(
        self,
        code: str,
        from_states: Iterable[str],
        to_state: ItemState,
        *,
        expect_body_hash: str | None = None,
        require_approved_text: bool = False,
        **changes: Any,
    ) -> QueueItem | None:
        """Move the item `code` to `to_state` (setting `changes`) only if it is in one of
        `from_states` now: a compare-and-set in one transaction, so two processes can never
        both take an item from `approved` to `sending`. With `expect_body_hash`, also only if
        its text is still that one (an approval is of the words the owner saw); with
        `require_approved_text`, only if the approval is of its current text. None when the
        item was elsewhere or its words had changed."""
        unknown = set(changes) - _TRANSITION_FIELDS
        if unknown:
            raise ValueError(f"not a queue item field: {sorted(unknown)}")
        values = dict(changes)
        if "references" in values:
            values["references"] = " ".join(values["references"])
        if "due" in values:
            values["due_offset_minutes"] = _offset_minutes(values["due"])
        with self.session() as session:
            result = session.exec(
                update(QueueItemRow)
                .where(
                    col(QueueItemRow.code) == code,
                    col(QueueItemRow.state).in_(list(from_states)),
                    *(
                        [col(QueueItemRow.body_hash) == expect_body_hash]
                        if expect_body_hash is not None
                        else []
                    ),
                    *(
                        [col(QueueItemRow.approved_hash) == col(QueueItemRow.body_hash)]
                        if require_approved_text
                        else []
                    ),
                )
                .values(state=to_state, updated_at=self.clock(), **values)
            )
            if result.rowcount != 1:
                return None
            row, name = session.exec(
                select(QueueItemRow, AccountRow.name)
                .join(AccountRow, col(AccountRow.id) == col(QueueItemRow.account_id))
                .where(QueueItemRow.code == code)
            ).one()
            return _queue_item(name, row)

    def sends_since(self, moment: datetime) -> int:
        """How many sends were attempted since `moment` (sent, sending and unknown ones)."""
        with self.session() as session:
            query = select(func.count()).where(
                col(QueueItemRow.sending_at).is_not(None),
                col(QueueItemRow.sending_at) >= moment,
                col(QueueItemRow.state).in_(["sending", "sent", "unknown"]),
            )
            return int(session.exec(query).one())

    # digests and the owner's replies

    def record_digest(self, digest: DigestRecord, offers: Sequence[Offer]) -> None:
        """Remember a digest that was sent and the drafts it offered."""
        with self.session() as session:
            session.add(
                DigestRow(
                    digest_id=digest.digest_id,
                    account_id=_account_id(session, digest.account),
                    message_id=digest.message_id,
                    to_address=digest.to_address,
                    sent_at=digest.sent_at,
                )
            )
            for offer in offers:
                session.add(
                    DigestOfferRow(
                        digest_id=offer.digest_id,
                        code=offer.code,
                        body_hash=offer.body_hash,
                        token=offer.token,
                        expires_at=offer.expires_at,
                    )
                )

    def digests(self, account: str, *, since: datetime | None = None) -> list[DigestRecord]:
        """The account's digests, newest first (sent at or after `since` when given)."""
        with self.session() as session:
            query = select(DigestRow).where(DigestRow.account_id == _account_id(session, account))
            if since is not None:
                query = query.where(col(DigestRow.sent_at) >= since)
            rows = session.exec(query.order_by(col(DigestRow.sent_at).desc())).all()
            return [
                DigestRecord(r.digest_id, account, r.message_id, r.to_address, r.sent_at)
                for r in rows
            ]

    def offers(self, digest_id: str) -> list[Offer]:
        with self.session() as session:
            rows = session.exec(
                select(DigestOfferRow).where(DigestOfferRow.digest_id == digest_id)
            ).all()
            return [
                Offer(r.digest_id, r.code, r.body_hash, r.token, r.expires_at, r.used_at,
                      r.used_by)
                for r in rows
            ]  # fmt: skip

    def use_offer(self, digest_id: str, code: str, reply_id: str, at: datetime) -> bool:
        """Spend the offer's token; False when it was spent already (single use)."""
        with self.session() as session:
            result = session.exec(
                update(DigestOfferRow)
                .where(
                    col(DigestOfferRow.digest_id) == digest_id,
                    col(DigestOfferRow.code) == code,
                    col(DigestOfferRow.used_at).is_(None),
                )
                .values(used_at=at, used_by=reply_id)
            )
            return bool(result.rowcount == 1)

    def replies_to(self, account: str, digests: Mapping[str, str]) -> list[StoredReply]:
        """Stored messages answering one of `digests` (Message-ID → the mark in its subject):
        by In-Reply-To or References, or (for replies a mailto: link started, which most
        clients send without those headers) by the digest's mark in their subject."""
        if not digests:
            return []
        with self.session() as session:
            account_id = _account_id(session, account)
            names = [
                col(MessageRow.in_reply_to).contains(mid)
                | col(MessageRow.references).contains(mid)
                | col(MessageRow.subject).contains(mark)
                for mid, mark in digests.items()
            ]
            rows = session.exec(
                select(MessageRow).where(
                    MessageRow.account_id == account_id,
                    col(MessageRow.unparseable).is_(None),
                    or_(*names),
                )
            ).all()
            replies = []
            for row in rows:
                copies = session.exec(
                    select(FolderRow.role, MessageCopyRow.labels)
                    .join(FolderRow, col(FolderRow.id) == col(MessageCopyRow.folder_id))
                    .where(MessageCopyRow.message_row_id == row.id)
                ).all()
                in_sent = any(
                    role == "sent" or (role == "all" and "\\Sent" in (labels or []))
                    for role, labels in copies
                )
                named = f"{row.in_reply_to} {row.references}".split()
                facts = row.facts or {}
                stored = StoredMessage(row.message_id, row.gm_thrid, row.thread_key, facts)
                answers = tuple(
                    mid for mid, mark in digests.items() if mid in named or mark in row.subject
                )
                replies.append(StoredReply(stored, in_sent, answers))
            return replies

    def mark_reply_processed(
        self, account: str, message_id: str, digest_id: str | None, summary: str
    ) -> bool:
        """Record that the reply `message_id` was handled; False when it already was."""
        try:
            with self.session() as session:
                session.add(
                    ProcessedReplyRow(
                        account_id=_account_id(session, account),
                        message_id=message_id,
                        digest_id=digest_id,
                        processed_at=self.clock(),
                        summary=summary,
                    )
                )
            return True
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                return False
            raise

    def reply_processed(self, account: str, message_id: str) -> bool:
        with self.session() as session:
            found = session.exec(
                select(ProcessedReplyRow.id).where(
                    ProcessedReplyRow.account_id == _account_id(session, account),
                    ProcessedReplyRow.message_id == message_id,
                )
            ).first()
            return found is not None

    # events

    def record_event(
        self,
        kind: str,
        message: str,
        *,
        account: str | None = None,
        thread_key: str | None = None,
        facts: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Event:
        """Append one event to the log (`at` defaults to the store's clock)."""
        moment = at if at is not None else self.clock()
        with self.session() as session:
            account_id = None if account is None else _account_id(session, account)
            row = EventRow(
                at=moment,
                account_id=account_id,
                thread_key=thread_key,
                kind=kind,
                message=message,
                facts=dict(facts or {}),
            )
            session.add(row)
        return Event(moment.astimezone(UTC), kind, message, account, thread_key, dict(facts or {}))

    def events(self, thread: str | None = None, *, account: str | None = None) -> list[Event]:
        """The log, oldest first; only `thread`'s events (and `account`'s) when given."""
        with self.session() as session:
            query = select(EventRow, AccountRow.name).join(
                AccountRow, col(EventRow.account_id) == col(AccountRow.id), isouter=True
            )
            if thread is not None:
                query = query.where(EventRow.thread_key == thread)
            if account is not None:
                query = query.where(AccountRow.name == account)
            query = query.order_by(col(EventRow.at), col(EventRow.id))
            return [
                Event(row.at, row.kind, row.message, name, row.thread_key, row.facts)
                for row, name in session.exec(query).all()
            ]


def _account_id(session: Session, name: str) -> int:
    account_id = session.exec(select(AccountRow.id).where(AccountRow.name == name)).first()
    if account_id is None:
        raise StoreError(
            f"the account {name!r} is not in the database; it is recorded when sync first "
            "runs for it (check the account name)"
        )
    return account_id


_TRANSITION_FIELDS = frozenset({
    "due", "reason", "to_name", "to_address", "subject", "in_reply_to", "references", "body",
    "body_hash", "edited", "approved_hash", "approved_at", "snoozed_until", "message_id",
    "sending_at", "sent_at", "note", "ordinal", "basis",
})  # fmt: skip


def _offset_minutes(moment: datetime) -> int:
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"a naive due time: {moment.isoformat()}")
    return int(offset.total_seconds() // 60)


def _queue_item(account: str, row: QueueItemRow) -> QueueItem:
    zone = timezone(timedelta(minutes=row.due_offset_minutes))
    return QueueItem(
        code=row.code,
        account=account,
        thread_key=row.thread_key,
        kind=row.kind,
        ordinal=row.ordinal,
        basis=row.basis,
        state=row.state,  # type: ignore[arg-type]  # written only from ItemState values
        due=row.due.astimezone(zone),
        reason=row.reason,
        to_name=row.to_name,
        to_address=row.to_address,
        subject=row.subject,
        in_reply_to=row.in_reply_to,
        references=tuple(row.references.split()),
        body=row.body,
        body_hash=row.body_hash,
        edited=row.edited,
        approved_hash=row.approved_hash,
        approved_at=row.approved_at,
        snoozed_until=row.snoozed_until,
        message_id=row.message_id,
        sending_at=row.sending_at,
        sent_at=row.sent_at,
        note=row.note,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _thread_row(session: Session, account_id: int, thread_key: str) -> ThreadRow | None:
    query = select(ThreadRow).where(
        ThreadRow.account_id == account_id, ThreadRow.thread_key == thread_key
    )
    return session.exec(query).first()


def _thread_info(account: str, row: ThreadRow) -> ThreadInfo:
    return ThreadInfo(
        account=account,
        thread_key=row.thread_key,
        subject=row.subject,
        last_message_at=row.last_message_at,
        is_interview=row.is_interview,
        outcome=row.outcome,
        facts=row.facts or {},
        step=row.step or {},
        stopped_at=row.stopped_at,
        analysed_at=row.analysed_at,
    )


def _folder(session: Session, account_id: int, name: str) -> FolderRow | None:
    query = select(FolderRow).where(FolderRow.account_id == account_id, FolderRow.name == name)
    return session.exec(query).first()


def _folder_state(row: FolderRow) -> FolderState:
    return FolderState(
        name=row.name,
        role=row.role,  # type: ignore[arg-type]  # written only from FolderRole values
        uidvalidity=row.uidvalidity,
        uidnext=row.uidnext,
        highestmodseq=row.highestmodseq,
        message_count=row.message_count,
        last_synced_at=row.last_synced_at,
    )


def _advance(row: FolderRow, folder: FolderState) -> None:
    row.role = folder.role
    row.uidvalidity = folder.uidvalidity
    row.uidnext = folder.uidnext
    row.highestmodseq = folder.highestmodseq
    row.message_count = folder.message_count
    row.last_synced_at = folder.last_synced_at


def _drop_stale_copies(session: Session, row: FolderRow, uidvalidity: int) -> int:
    result = session.exec(
        delete(MessageCopyRow).where(
            col(MessageCopyRow.folder_id) == row.id,
            col(MessageCopyRow.uidvalidity) != uidvalidity,
        )
    )
    log.warning(
        "UIDVALIDITY changed folder=%s old=%s new=%s copies_forgotten=%d",
        row.name, row.uidvalidity, uidvalidity, result.rowcount,
    )  # fmt: skip
    return int(result.rowcount)


def _readable(account_id: int) -> tuple[Any, ...]:
    """The conditions of an account's messages that analysis and threading read: parseable,
    and with a copy in some folder (an expunged message is kept, but no longer read)."""
    has_copy = select(MessageCopyRow.message_row_id).distinct()
    return (
        col(MessageRow.account_id) == account_id,
        col(MessageRow.unparseable).is_(None),
        col(MessageRow.id).in_(has_copy),
    )


def _key(record: MessageRecord) -> tuple[str, object]:
    return ("gm", record.gm_msgid) if record.gm_msgid is not None else ("id", record.message_id)


def _store_messages(
    session: Session, account_id: int, records: Sequence[MessageRecord], now: datetime
) -> tuple[list[int], int, int]:
    """Insert the records not stored yet (by key) in one statement; the row id of each record,
    and how many were new and known. Set-based: a batch costs a few statements, not one each."""
    by_key = _row_ids(session, account_id, records)
    known = set(by_key)
    fresh: dict[tuple[str, object], MessageRecord] = {}
    for record in records:
        key = _key(record)
        if key in known:
            _refresh(session, by_key[key], record)
        else:
            fresh.setdefault(key, record)
    if fresh:
        # One prepared statement run for every row (the driver's executemany); the new ids
        # are read back by key, which is cheaper than RETURNING them row by row.
        table = MessageRow.__table__  # type: ignore[attr-defined]
        session.execute(
            insert(table), [_message_values(account_id, record, now) for record in fresh.values()]
        )
        by_key.update(_row_ids(session, account_id, list(fresh.values())))
    known_count = sum(1 for record in records if _key(record) in known)
    return [by_key[_key(r)] for r in records], len(fresh), known_count


def _row_ids(
    session: Session, account_id: int, records: Sequence[MessageRecord]
) -> dict[tuple[str, object], int]:
    """The row id of each of `records` already stored, by key (see `_key`)."""
    by_key: dict[tuple[str, object], int] = {}
    gm_ids = [r.gm_msgid for r in records if r.gm_msgid is not None]
    plain_ids = [r.message_id for r in records if r.gm_msgid is None]
    for gm_chunk in _chunks(gm_ids):
        gm_query = select(MessageRow.id, MessageRow.gm_msgid).where(
            MessageRow.account_id == account_id, col(MessageRow.gm_msgid).in_(gm_chunk)
        )
        for row_id, gm in session.exec(gm_query).all():
            assert row_id is not None
            by_key[("gm", gm)] = row_id
    for id_chunk in _chunks(plain_ids):
        # `gm_msgid IS NULL` is checked here, not in SQL: there, SQLite's planner took the
        # (account, gm_msgid) index for it and read every message of a non-Gmail account.
        id_query = select(MessageRow.id, MessageRow.message_id, MessageRow.gm_msgid).where(
            MessageRow.account_id == account_id, col(MessageRow.message_id).in_(id_chunk)
        )
        for row_id, message_id, gm in session.exec(id_query).all():
            assert row_id is not None
            if gm is None:
                by_key[("id", message_id)] = row_id
    return by_key


def _store_copies(
    session: Session, folder_id: int, uidvalidity: int, copies: Sequence[tuple[int, MessageCopy]]
) -> int:
    """Insert the new copies and refresh the known ones; returns how many were new."""
    table = MessageCopyRow.__table__  # type: ignore[attr-defined]
    uids = [copy.uid for _, copy in copies]
    existing: dict[int, tuple[int, int]] = {}  # uid -> (copy row id, message row id)
    for chunk in _chunks(uids):
        query = select(MessageCopyRow.id, MessageCopyRow.uid, MessageCopyRow.message_row_id).where(
            MessageCopyRow.folder_id == folder_id,
            MessageCopyRow.uidvalidity == uidvalidity,
            col(MessageCopyRow.uid).in_(chunk),
        )
        existing.update((uid, (cid, mid)) for cid, uid, mid in session.exec(query).all() if cid)
    new_rows: dict[int, dict[str, object]] = {}
    for message_row_id, copy in copies:
        if copy.uid in existing:
            copy_id, stored_message = existing[copy.uid]
            if stored_message != message_row_id:
                # The server reused a UID under the same UIDVALIDITY, which RFC 3501 forbids;
                # believe its present answer rather than keep a copy of the wrong message.
                log.warning("UID now holds another message uid=%d", copy.uid)
            session.execute(
                update(table)
                .where(table.c.id == copy_id)
                .values(
                    message_row_id=message_row_id, flags=list(copy.flags), labels=list(copy.labels)
                )
            )
            continue
        new_rows[copy.uid] = {
            "message_row_id": message_row_id,
            "folder_id": folder_id,
            "uidvalidity": uidvalidity,
            "uid": copy.uid,
            "flags": list(copy.flags),
            "labels": list(copy.labels),
        }
    if new_rows:
        session.execute(insert(table), list(new_rows.values()))
    return len(new_rows)


def _thread_chunks(threads: Sequence[ThreadSummary], size: int = 500) -> Iterator[dict[str, str]]:
    """The thread key of each message of `threads`, about `size` messages at a time."""
    owner: dict[str, str] = {}
    for thread in threads:
        owner.update((message_id, thread.thread_key) for message_id in thread.message_ids)
        if len(owner) >= size:
            yield owner
            owner = {}
    if owner:
        yield owner


def _chunks(values: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _message_values(account_id: int, record: MessageRecord, now: datetime) -> dict[str, Any]:
    offset = record.date.utcoffset() if record.date is not None else None
    return {
        "account_id": account_id,
        "message_id": record.message_id,
        "gm_msgid": record.gm_msgid,
        "gm_thrid": record.gm_thrid,
        "thread_key": record.thread_key,
        "in_reply_to": " ".join(record.in_reply_to),
        "references": " ".join(record.references),
        "subject": record.subject,
        "from_address": record.from_address,
        "recipients": "\n".join(record.recipients),
        "date_utc": record.date,
        "date_offset_minutes": None if offset is None else int(offset.total_seconds() // 60),
        "direction": record.direction,
        "is_auto_reply": record.is_auto_reply,
        "unparseable": record.unparseable,
        "facts": record.facts if isinstance(record.facts, JSONText) else dict(record.facts),
        "first_seen_at": now,
    }


def _refresh(session: Session, row_id: int, record: MessageRecord) -> None:
    """Fill what a later copy knows and the first did not (a thread found by Gmail later)."""
    if record.thread_key is None and record.gm_thrid is None:
        return
    row = session.get(MessageRow, row_id)
    assert row is not None
    if row.thread_key is None and record.thread_key is not None:
        row.thread_key = record.thread_key
    if row.gm_thrid is None and record.gm_thrid is not None:
        row.gm_thrid = record.gm_thrid
    session.add(row)


def message_date(row: MessageRow) -> datetime | None:
    """A stored message's `Date:` with the sender's offset restored."""
    if row.date_utc is None:
        return None
    offset = timedelta(minutes=row.date_offset_minutes or 0)
    return row.date_utc.astimezone(timezone(offset))
