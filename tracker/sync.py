"""Mailbox sync: brings the store up to date with each account's folders, incrementally.

Per folder, one pass:

1. STATUS (one round trip) gives UIDVALIDITY, UIDNEXT, MESSAGES and HIGHESTMODSEQ. When they
   equal what the store recorded, nothing changed and the pass ends there; otherwise SELECT.
   The folders synced before are asked before the LIST that finds the folders (see
   `_early_status`), so a pass that finds nothing new costs LIST and one STATUS a folder.
2. A new UIDVALIDITY (or a first sync) re-reads the folder inside the lookback window; the
   store re-matches its messages by key, so nothing is stored twice.
3. New mail: `UID SEARCH UID n:* SINCE d` from the recorded UIDNEXT, fetched in batches of
   explicit UIDs. Each batch is stored in one transaction together with the folder state it
   reaches, so a crash at any moment loses nothing and duplicates nothing.
4. Flag changes and expunged mail, where the server offers QRESYNC (Dovecot, Cyrus...): one
   `UID FETCH 1:n (FLAGS) (CHANGEDSINCE m VANISHED)` over the UIDs stored before, only when
   HIGHESTMODSEQ moved (an expunge moves it too).
5. Elsewhere (Gmail has CONDSTORE but no QRESYNC): flag and label changes by `SEARCH MODSEQ`
   since the recorded HIGHESTMODSEQ; expunged mail only when EXISTS says something vanished,
   by listing the folder's UIDs and comparing them with the stored ones.

One broken message is stored as unparseable; one broken folder or account is reported and
the rest goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from tracker.analysis import analyse_account
from tracker.config import AccountSettings, Settings, resolve_password
from tracker.errors import ConnectionLost, FollowupError, MailServerError
from tracker.ingest import parse_batch
from tracker.mail.imap import FETCH_BATCH, Folder, FolderStatus, ImapConnection
from tracker.mail.partial import FetchedMessage
from tracker.store import (
    FolderState,
    MessageCopy,
    MessageRecord,
    Store,
    StoredHeaders,
    ThreadSummary,
)
from tracker.understand.threads import (
    HeaderThread,
    ThreadingHeaders,
    group_headers,
    normalise_subject,
)

log = logging.getLogger(__name__)

# Up to this many new messages, the threading pass reads back only the threads they may join;
# beyond, it groups the whole mailbox at once (a first sync: nearly every thread is new).
THREAD_CHUNK = 2000

# From this many batches on, parsing runs in a second process (starting it costs ~0.1 s).
PARALLEL_FROM_BATCHES = 8
# How many fetched batches may wait to be parsed there.
PARSE_AHEAD = 3

# Fetched batches are stored this many messages at a time, each time in one transaction
# (SQLite syncs its log at every commit: ~4 ms).
STORE_BATCH = 1000

# Called as (account, folder, done, total) while a folder's new mail is fetched.
Progress = Callable[[str, str, int, int], None]


@dataclass(frozen=True)
class FolderReport:
    name: str
    uidvalidity: int | None
    messages: int  # in the folder on the server (EXISTS)
    new: int  # copies stored by this pass
    changed: int  # copies whose flags or labels changed
    vanished: int  # copies expunged on the server
    error: str | None = None


@dataclass(frozen=True)
class AccountReport:
    name: str
    folders: tuple[FolderReport, ...] = ()
    error: str | None = None
    round_trips: int = 0
    hiring_threads: int = 0  # after the analysis pass
    queue_changes: tuple[str, ...] = ()  # what the analysis pass did to the approval queue


def sync_all(
    settings: Settings,
    store: Store,
    environ: Mapping[str, str],
    *,
    now: datetime,
    progress: Progress | None = None,
) -> list[AccountReport]:
    """Sync every account, then analyse its threads and update the approval queue; one
    account's failure is reported and does not stop the others."""
    reports = []
    for account in settings.accounts:
        try:
            secret = resolve_password(account, environ)
            with ImapConnection.connect(account, secret) as imap:
                report = sync_account(
                    imap, store, now=now, lookback_days=settings.sync.lookback_days,
                    progress=progress,
                )  # fmt: skip
            analysis = analyse_account(settings, store, account, now=now)
            reports.append(
                replace(
                    report,
                    hiring_threads=analysis.hiring,
                    queue_changes=tuple(f"{c.code} {c.what}: {c.reason}" for c in analysis.changes),
                )
            )
        except FollowupError as exc:
            log.error("sync failed account=%s error=%s", account.name, exc)
            store.upsert_account(account.name, account.provider, account.address)
            store.record_event("sync_failed", str(exc), account=account.name)
            reports.append(AccountReport(account.name, error=str(exc)))
    return reports


def sync_account(
    imap: ImapConnection,
    store: Store,
    *,
    now: datetime,
    lookback_days: int,
    progress: Progress | None = None,
) -> AccountReport:
    """Sync the folders of one logged-in account."""
    account = imap.account
    store.upsert_account(account.name, account.provider, account.address)
    # SINCE matches whole days in the server's zone: a day wider, filtered exactly below.
    since = now - timedelta(days=lookback_days)
    folders = []
    regroup: set[str] = set()  # threads that lost a message: grouped again below
    glances = _early_status(imap, store, account)
    for folder in imap.folders_to_sync():
        try:
            folders.append(
                sync_folder(
                    imap, store, folder, now=now, since=since, progress=progress,
                    regroup=regroup, glance=glances.get(folder.name),
                )
            )  # fmt: skip
        except ConnectionLost:
            raise  # the whole account is retried later, from where the store says it got
        except MailServerError as exc:
            log.error("folder sync failed account=%s folder=%s error=%s",
                      account.name, folder.name, exc)  # fmt: skip
            store.record_event("sync_failed", str(exc), account=account.name,
                               facts={"folder": folder.name})  # fmt: skip
            folders.append(FolderReport(folder.name, None, 0, 0, 0, 0, error=str(exc)))
    # Also after a pass that was cut short between storing mail and grouping it.
    if any(f.new for f in folders) or regroup or store.unthreaded_count(account.name):
        thread_pass(store, account, regroup)
    return AccountReport(account.name, tuple(folders), round_trips=imap.round_trips)


def _early_status(
    imap: ImapConnection, store: Store, account: AccountSettings
) -> dict[str, FolderStatus]:
    """STATUS of the folders synced before, asked before LIST finds the folders.

    The same answers, in the same round trips, but on Dovecot with Maildir a STATUS after a
    LIST in one session re-reads the folder's files (0.2-0.3 s at 10,000-50,000 messages)
    where one before it costs under a millisecond; mail that arrived is seen either way. A
    folder that no longer answers is left to LIST and its pass. (A folder that changes after
    its STATUS, while an earlier folder is being synced, is read by the next pass.)
    """
    found = {}
    for state in store.folder_states(account.name):
        if state.role == "other" and state.name not in account.folders.extra:
            continue  # no longer configured
        try:
            found[state.name] = imap.status(state.name)
        except ConnectionLost:
            raise
        except MailServerError:
            continue  # refused (deleted, renamed): its pass will say what is wrong
    return found


def thread_pass(store: Store, account: AccountSettings, regroup: Iterable[str] = ()) -> int:
    """Group the account's new messages into threads, and regroup the threads in `regroup`
    (they lost a message); returns how many threads were (re)recorded.

    A pass with little new mail (the daemon's usual one) is incremental: only the threads the
    new mail may join are read back. A thread may be joined by a message naming one of its
    ids (Message-ID, In-Reply-To, References), by a message one of its messages names, or
    (rule 3 of `group_threads`) by a message with the same subject; the threads so related
    are read until no more are, and regrouped with the new messages, which gives the same
    threads as grouping the whole mailbox. A pass with more new mail than THREAD_CHUNK (a
    first sync) groups the whole mailbox at once. Either way only the threading headers are
    read, as compact rows (`ThreadingHeaders`), never whole messages.
    """
    pending = set(regroup)
    if store.unthreaded_count(account.name) > THREAD_CHUNK:
        return _whole_pass(store, account)
    rows = _HeaderRows()
    new = [rows.headers(s) for s in store.iter_threading_headers(account.name, unthreaded=True)]
    if not new and not pending:
        return 0
    index = _ThreadIndex.load(store, account.name)
    messages = {m.message_id: m for m in new}
    keys, read = pending, set[str]()
    frontier = new
    while True:
        for message in frontier:
            keys |= index.related(message)
        unread = sorted(keys - read)
        if not unread:
            break
        read.update(unread)
        members = store.iter_threading_headers(account.name, thread_keys=unread)
        frontier = [rows.headers(m) for m in members if m.message_id not in messages]
        messages.update((m.message_id, m) for m in frontier)
    threads = group_headers(messages.values(), account.owner_addresses)
    moved = store.save_threads(account.name, _summaries(threads), replacing=read)
    log.info(
        "threads grouped account=%s new=%d read_back=%d threads=%d moved=%d",
        account.name, len(new), len(messages) - len(new), len(threads), moved,
    )  # fmt: skip
    return len(threads)


def _whole_pass(store: Store, account: AccountSettings) -> int:
    rows = _HeaderRows()
    # Streamed: each row becomes a compact one at once; the store's rows are not kept.
    messages = [rows.headers(s) for s in store.iter_threading_headers(account.name)]
    del rows
    threads = group_headers(messages, account.owner_addresses)
    del messages
    summaries = _summaries(threads)
    del threads
    replaced = store.thread_keys(account.name)
    moved = store.save_threads(account.name, summaries, replacing=replaced)
    log.info("threads grouped account=%s whole mailbox threads=%d moved=%d",
             account.name, len(summaries), moved)  # fmt: skip
    return len(summaries)


class _HeaderRows:
    """Turns stored rows into `ThreadingHeaders`, keeping one string object per distinct
    Message-ID, address and subject: a parent's id named by each of its replies, the
    owner's address on every message and a subject shared by a thread are stored once."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}

    def headers(self, stored: StoredHeaders) -> ThreadingHeaders:
        one = self._one
        sender = (stored.from_address,) if stored.from_address else ()
        return ThreadingHeaders(
            message_id=one(stored.message_id),
            in_reply_to=tuple(one(i) for i in stored.in_reply_to.split()),
            references=tuple(one(i) for i in stored.references.split()),
            subject=one(stored.subject),
            sender=one(stored.from_address),
            outgoing=stored.outgoing,
            participants=tuple(one(a) for a in (*sender, *stored.recipients)),
            # In UTC, so every date shares one tzinfo object; comparisons are unchanged.
            date=datetime.fromisoformat(stored.date).astimezone(UTC) if stored.date else None,
            gm_thrid=stored.gm_thrid,
        )

    def _one(self, text: str) -> str:
        return self._strings.setdefault(text, text)


def _summaries(threads: Sequence[HeaderThread]) -> list[ThreadSummary]:
    return [
        ThreadSummary(
            thread_key=t.thread_id,
            subject=t.messages[0].subject,
            first_message_at=t.messages[0].date,
            last_message_at=t.messages[-1].date,
            message_ids=tuple(m.message_id for m in t.messages),
        )
        for t in threads
    ]


class _ThreadIndex:
    """Which stored threads a message may join: by the ids they hold, and by subject.

    Built from plain columns (no facts) once a pass, a few strings a message; it may name a
    thread that no longer exists or one that will not join after all: reading one thread
    too many costs a query, never a wrong grouping.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, str] = {}
        self._more_by_id: dict[str, set[str]] = {}  # ids two stored threads both name
        self._by_subject: dict[str, set[str]] = {}
        self._keys: dict[str, str] = {}  # one string object per thread key

    @classmethod
    def load(cls, store: Store, account: str) -> _ThreadIndex:
        index = cls()
        for message_id, key, in_reply_to, references, subject in store.threaded_headers(account):
            index._note(key, (message_id, *in_reply_to.split(), *references.split()), subject)
        return index

    def related(self, message: ThreadingHeaders) -> set[str]:
        ids = (message.message_id, *message.in_reply_to, *message.references)
        found = {self._by_id[i] for i in ids if i in self._by_id}
        for i in ids:
            found |= self._more_by_id.get(i, set())
        subject = normalise_subject(message.subject)
        if subject:
            found |= self._by_subject.get(subject, set())
        return found

    def _note(self, key: str, ids: Iterable[str], subject: str) -> None:
        key = self._keys.setdefault(key, key)
        for i in ids:
            known = self._by_id.setdefault(i, key)
            if known != key:
                self._more_by_id.setdefault(i, set()).add(key)
        normalised = normalise_subject(subject)
        if normalised:
            self._by_subject.setdefault(normalised, set()).add(key)


def sync_folder(
    imap: ImapConnection,
    store: Store,
    folder: Folder,
    *,
    now: datetime,
    since: datetime,
    progress: Progress | None = None,
    regroup: set[str] | None = None,
    glance: FolderStatus | None = None,
) -> FolderReport:
    """One incremental pass over `folder` (see the module docstring). The threads that lose
    a message (expunged, or gone with an old UIDVALIDITY) are added to `regroup`. `glance`
    is the folder's STATUS when it was asked already (see `_early_status`)."""
    lost = regroup if regroup is not None else set()
    account = imap.account
    state = store.get_folder_state(account.name, folder.name)
    if state is not None:
        glance = glance if glance is not None else imap.status(folder.name)
        if state.uidvalidity == glance.uidvalidity and _unchanged(state, glance):
            return FolderReport(folder.name, glance.uidvalidity, glance.exists, 0, 0, 0)
    status = imap.select(folder.name)
    fresh = state is None or state.uidvalidity != status.uidvalidity
    if fresh and state is not None:
        lost |= store.thread_keys_of_copies(
            account.name, folder.name, store.known_uids(account.name, folder.name)
        )
        log.warning(
            "UIDVALIDITY changed account=%s folder=%s old=%s new=%s: re-reading the folder",
            account.name, folder.name, state.uidvalidity, status.uidvalidity,
        )  # fmt: skip
    # The recorded state, if it still means something under the folder's UIDVALIDITY.
    previous = None if fresh else state
    # A first sync (or one cut short before its end) reads the lookback window; later passes
    # read everything that arrived since, whatever its date, and filter by date below.
    initial = previous is None or previous.message_count is None
    from_uid = previous.uidnext if previous is not None and previous.uidnext else 1

    new_uids = imap.search_uids(from_uid=from_uid, since=_search_day(since) if initial else None)
    new = _fetch_new(imap, store, folder, status, new_uids, since=since, progress=progress)

    changed = vanished = 0
    if previous is not None and not initial:
        modseq = previous.highestmodseq
        modseq_moved = modseq is not None and status.highestmodseq not in (None, modseq)
        if imap.qresync and modseq is not None:
            # One command for both: flags changed and UIDs expunged since the last pass.
            if modseq_moved and from_uid > 1:
                changed, vanished = _apply_changes(imap, store, folder, modseq, from_uid, lost=lost)
        else:
            if modseq_moved:
                assert modseq is not None
                changed = _update_flags(imap, store, folder, modseq, set(new_uids))
            # EXISTS = before + arrived - expunged: only a shortfall makes the UID list worth it.
            if status.exists < (previous.message_count or 0) + len(new_uids):
                vanished = _remove_vanished(imap, store, folder, lost)

    final = FolderState(
        name=folder.name,
        role=folder.role,
        uidvalidity=status.uidvalidity,
        uidnext=status.uidnext if status.uidnext is not None else _next_uid(new_uids, from_uid),
        highestmodseq=status.highestmodseq,
        message_count=status.exists,
        last_synced_at=now,
    )
    store.save_folder_batch(account.name, final, [])
    log.info(
        "folder synced account=%s folder=%s exists=%d new=%d changed=%d vanished=%d",
        account.name, folder.name, status.exists, new, changed, vanished,
    )  # fmt: skip
    return FolderReport(folder.name, status.uidvalidity, status.exists, new, changed, vanished)


def _unchanged(state: FolderState | None, status: FolderStatus) -> bool:
    return (
        state is not None
        and state.uidnext == status.uidnext
        and state.message_count == status.exists
        and (status.highestmodseq is None or state.highestmodseq == status.highestmodseq)
    )


def _search_day(since: datetime) -> date:
    return (since - timedelta(days=1)).date()


def _next_uid(uids: Sequence[int], default: int) -> int:
    return max(uids) + 1 if uids else default


def _fetch_new(
    imap: ImapConnection,
    store: Store,
    folder: Folder,
    status: FolderStatus,
    uids: Sequence[int],
    *,
    since: datetime,
    progress: Progress | None,
) -> int:
    """Fetch, parse and store `uids` in batches (stored STORE_BATCH messages at a time);
    returns how many copies were new.

    A large pass parses in a second process while this one fetches the next batch and stores
    the last: parsing is the biggest cost, and the machine has more than one core.
    """
    account = imap.account
    owners = tuple(sorted(account.owner_addresses))
    batches = [uids[i : i + FETCH_BATCH] for i in range(0, len(uids), FETCH_BATCH)]
    stored = 0

    unsaved: list[tuple[MessageRecord, MessageCopy]] = []

    def save(position: int, items: list[tuple[MessageRecord, MessageCopy]]) -> None:
        nonlocal stored
        unsaved.extend(items)
        if len(unsaved) < STORE_BATCH and position < len(batches) - 1:
            return
        # The folder state advances with the messages: a crash after this commit resumes at
        # the next UID; a crash before it re-reads these batches, which the store de-duplicates.
        batch_state = FolderState(
            name=folder.name,
            role=folder.role,
            uidvalidity=status.uidvalidity,
            uidnext=batches[position][-1] + 1,
            highestmodseq=None,
            message_count=None,
        )
        stored += store.save_folder_batch(account.name, batch_state, unsaved).new_copies
        unsaved.clear()
        if progress is not None:
            done = min((position + 1) * FETCH_BATCH, len(uids))
            progress(account.name, folder.name, done, len(uids))

    def wanted(batch: Sequence[int]) -> list[FetchedMessage]:
        return [m for m in imap.fetch(batch) if m.internaldate is None or m.internaldate >= since]

    if len(batches) < PARALLEL_FROM_BATCHES:
        for position, batch in enumerate(batches):
            save(position, parse_batch(owners, wanted(batch)))
        return stored
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        # Up to PARSE_AHEAD batches wait for (or are in) the parsing process: one batch that
        # parses slower than the next fetches does not hold this process up.
        pending: deque[Future[list[tuple[MessageRecord, MessageCopy]]]] = deque()
        for position, batch in enumerate(batches):
            pending.append(pool.submit(parse_batch, owners, wanted(batch)))
            if len(pending) > PARSE_AHEAD:
                save(position - PARSE_AHEAD, pending.popleft().result())
        for position in range(len(batches) - len(pending), len(batches)):
            save(position, pending.popleft().result())
    return stored


def _update_flags(
    imap: ImapConnection, store: Store, folder: Folder, modseq: int, just_fetched: set[int]
) -> int:
    account = imap.account.name
    known = store.known_uids(account, folder.name)
    changed = [
        uid for uid in imap.changed_since(modseq) if uid in known and uid not in just_fetched
    ]
    if not changed:
        return 0
    flags = imap.flags(changed)
    return store.update_copy_flags(account, folder.name, flags)


def _apply_changes(
    imap: ImapConnection,
    store: Store,
    folder: Folder,
    modseq: int,
    from_uid: int,
    *,
    lost: set[str],
) -> tuple[int, int]:
    """QRESYNC: the flag changes and expunges among the UIDs stored before this pass (those
    below `from_uid`); returns (changed, vanished)."""
    account = imap.account.name
    changes = imap.changes_since(modseq, from_uid - 1)
    known = store.known_uids(account, folder.name)
    flags = {uid: f for uid, f in changes.flags.items() if uid in known}
    changed = store.update_copy_flags(account, folder.name, flags) if flags else 0
    gone = changes.vanished & known
    if not gone:
        return changed, 0
    lost |= store.thread_keys_of_copies(account, folder.name, gone)
    return changed, store.remove_copies(account, folder.name, gone)


def _remove_vanished(imap: ImapConnection, store: Store, folder: Folder, lost: set[str]) -> int:
    account = imap.account.name
    present = set(imap.search_uids(from_uid=1))
    gone = store.known_uids(account, folder.name) - present
    if not gone:
        return 0
    lost |= store.thread_keys_of_copies(account, folder.name, gone)
    return store.remove_copies(account, folder.name, gone)
