"""Sending approved drafts, at most once.

The send path of one draft, in order:

1. the account is re-synced and re-analysed, and the thread's next step is decided again: a
   reply, an outcome, a stop or a mute that arrived since the approval cancels the send;
2. the draft must be approved with the hash of its exact text, due, inside the send window,
   and under the day's limit;
3. a Message-ID is generated and the draft moves `approved` → `sending` with it, committed
   (a compare-and-set: two processes can never both take it);
4. SMTP hands it over; a refusal puts it back to `approved` (4xx, tried again later) or
   `failed` (5xx); a connection lost during DATA leaves its fate unknown;
5. on a 250, a copy is APPENDed to Sent (not on Gmail, which keeps one itself) and the draft
   becomes `sent`.

A draft found in `sending` when the send lock is taken again belongs to a process that died
on the way: it is looked for in Sent (All Mail on Gmail) by its Message-ID and becomes `sent`
when found, else `unknown`, which is reported and never sent again without a new approval.

Only one process sends at a time: a lock file next to the database (flock) is held for the
whole pass, so a `sending` row seen under the lock is never one that is still in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import signal
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from time import monotonic, sleep
from typing import Protocol
from zoneinfo import ZoneInfo

from tracker.analysis import analyse_account, calendar_of, verdict
from tracker.config import AccountSettings, Settings, resolve_password
from tracker.drafts import Draft
from tracker.errors import FollowupError, MailServerError, SendRefused, SendUncertain
from tracker.mail.compose import compose, make_message_id
from tracker.mail.imap import ImapConnection
from tracker.mail.smtp import deliver
from tracker.policy import in_window, sends_left_today
from tracker.store import QueueItem, Store
from tracker.store.records import ItemState
from tracker.sync import sync_account
from tracker.understand.parse import Address
from tracker.understand.threads import Thread

log = logging.getLogger(__name__)

# Fault injection for the tests of the send path: the process kills itself (SIGKILL, no
# clean-up) at the named point. Points: before_sending, after_sending, after_data.
CRASH_ENV = "FOLLOWUP_CRASH_AT"


def crash_point(name: str, environ: Mapping[str, str]) -> None:
    if environ.get(CRASH_ENV) == name:
        log.warning("crash point %s reached: killing this process", name)
        os.kill(os.getpid(), signal.SIGKILL)


class Outbox(Protocol):
    """One account's mail servers, as the send path needs them."""

    @property
    def keeps_sent_copies(self) -> bool:
        """True when the server files SMTP-sent mail in Sent by itself (Gmail)."""

    def resync(self, now: datetime) -> None:
        """Sync the account's folders now."""

    def holds(self, message_id: str) -> bool:
        """True when the Sent folder (All Mail on Gmail) holds this Message-ID."""

    def keep_copy(self, raw: bytes, when: datetime) -> None:
        """APPEND `raw` to the Sent folder."""

    def hand_over(self, raw: bytes, sender: str, recipients: list[str]) -> str:
        """Send over SMTP; the final answer, or SendRefused / SendUncertain."""


@dataclass(frozen=True)
class SendOutcome:
    """What the send pass did with one draft."""

    code: str
    thread_key: str
    state: str  # the draft's state afterwards
    message: str


def send_due(
    settings: Settings,
    store: Store,
    outbox_for: Callable[[AccountSettings], Outbox],
    *,
    now: datetime,
    environ: Mapping[str, str],
    stopping: Callable[[], bool] = lambda: False,
) -> list[SendOutcome]:
    """Send every approved draft that is due, account by account, under the send lock; once
    `stopping()` says so (the daemon got SIGTERM), nothing more is started."""
    outcomes: list[SendOutcome] = []
    with send_lock(store):
        for account in settings.accounts:
            if not store.queue_items(account=account.name, states=("approved", "sending")):
                continue
            try:
                outbox = outbox_for(account)
                outcomes += settle_interrupted(store, account, outbox)
                outcomes += _send_account(settings, store, account, outbox, now=now,
                                          environ=environ, stopping=stopping)  # fmt: skip
            except FollowupError as exc:
                log.error("send pass failed account=%s error=%s", account.name, exc)
                store.record_event("send_failed", str(exc), account=account.name)
                outcomes.append(SendOutcome("", "", "error", f"{account.name}: {exc}"))
    return outcomes


def settle_interrupted(store: Store, account: AccountSettings, outbox: Outbox) -> list[SendOutcome]:
    """Decide the fate of drafts a dead process left in `sending` (call under the lock)."""
    outcomes = []
    for item in store.queue_items(account=account.name, states=("sending",)):
        found = item.message_id is not None and outbox.holds(item.message_id)
        if found:
            note = "an interrupted send: found in Sent, so it was sent"
            done = store.transition(item.code, ("sending",), "sent", sent_at=item.sending_at,
                                    note=note)  # fmt: skip
        else:
            note = (
                f"an interrupted send: not found in Sent, so it may or may not have reached "
                f"{item.to_address}; look in your Sent folder, and approve it again only if it "
                "did not go"
            )
            done = store.transition(item.code, ("sending",), "unknown", note=note)
        if done is not None:
            _event(store, done, f"draft {item.code}: {note}")
            outcomes.append(SendOutcome(item.code, item.thread_key, done.state, note))
    return outcomes


def _send_account(
    settings: Settings,
    store: Store,
    account: AccountSettings,
    outbox: Outbox,
    *,
    now: datetime,
    environ: Mapping[str, str],
    stopping: Callable[[], bool],
) -> list[SendOutcome]:
    due = [i for i in store.queue_items(account=account.name, states=("approved",)) if i.due <= now]
    if not due:
        return []
    # The last look at the mailbox: a reply, an outcome or a mute since the approval
    # cancels the draft in this analysis pass.
    outbox.resync(now)
    analysis = analyse_account(settings, store, account, now=now)
    outcomes = [
        SendOutcome(change.code, change.thread_key, change.what,
                    f"cancelled before sending: {change.reason}")
        for change in analysis.changes
        if change.what in {"cancelled", "expired"} and change.code in {i.code for i in due}
    ]  # fmt: skip
    calendar = calendar_of(settings)
    owner_zone = ZoneInfo(settings.timezone)
    day_start = datetime.combine(now.astimezone(owner_zone).date(), time(0), tzinfo=owner_zone)
    left = sends_left_today(store.sends_since(day_start), settings.policy)
    for item in store.queue_items(account=account.name, states=("approved",)):
        if stopping():
            break
        if item.due > now or not item.approved:
            continue
        zone = item.due.tzinfo or owner_zone
        if not in_window(now, settings.policy.send_window, zone, calendar):
            outcomes.append(SendOutcome(item.code, item.thread_key, item.state,
                                        "waiting for the send window"))  # fmt: skip
            continue
        if left <= 0:
            outcomes.append(SendOutcome(item.code, item.thread_key, item.state,
                                        "the day's send limit is reached"))  # fmt: skip
            continue
        seen = verdict(settings, store, account, item.thread_key, now)
        current = seen.step
        if not (current.wants_draft and current.basis == item.basis):
            cancelled = store.transition(item.code, ("approved",), "cancelled",
                                         note=current.reason)  # fmt: skip
            if cancelled is not None:
                _event(store, cancelled, f"draft {item.code} cancelled before sending: "
                                         f"{current.reason}")  # fmt: skip
                outcomes.append(SendOutcome(item.code, item.thread_key, "cancelled",
                                            current.reason))  # fmt: skip
            continue
        if settings.dry_run:
            note = "dry run: composed and logged, not sent"
            log.info("%s draft=%s to=%s", note, item.code, item.to_address)
            outcomes.append(SendOutcome(item.code, item.thread_key, item.state, note))
            continue
        sender = Address(_owner_name(seen.thread), account.address)
        outcomes.append(send_one(settings, store, sender, outbox, item, now=now,
                                 environ=environ))  # fmt: skip
        left -= 1
    return outcomes


def send_one(
    settings: Settings,
    store: Store,
    sender: Address,
    outbox: Outbox,
    item: QueueItem,
    *,
    now: datetime,
    environ: Mapping[str, str],
) -> SendOutcome:
    """Send one approved draft (the checks are the caller's); at most once, whatever happens."""
    crash_point("before_sending", environ)
    message_id = make_message_id(sender.email)
    taken = store.transition(item.code, ("approved",), "sending", require_approved_text=True,
                             message_id=message_id, sending_at=now, note="sending")  # fmt: skip
    if taken is None:
        return SendOutcome(item.code, item.thread_key, "approved", "taken by another process")
    crash_point("after_sending", environ)
    sent_on = now.astimezone(ZoneInfo(settings.timezone))
    raw = compose(_draft(taken), sender, message_id, sent_on).as_bytes()
    try:
        answer = outbox.hand_over(raw, sender.email, [taken.to_address])
    except SendRefused as exc:
        state: ItemState = "failed" if exc.permanent else "approved"
        note = str(exc) + ("" if exc.permanent else " It is tried again at the next pass.")
        done = store.transition(taken.code, ("sending",), state, message_id=None,
                                sending_at=None, note=note)  # fmt: skip
        _event(store, taken, f"draft {taken.code} not sent: {note}")
        return SendOutcome(taken.code, taken.thread_key, done.state if done else state, note)
    except SendUncertain as exc:
        return _settle_uncertain(store, outbox, taken, str(exc))
    crash_point("after_data", environ)
    # Recorded before anything else happens: the one window in which a crash leaves a
    # delivered message `unknown` is as short as it can be.
    note = f"sent to {taken.to_address} ({answer})"
    done = store.transition(taken.code, ("sending",), "sent", sent_at=now, note=note)
    _event(store, taken, f"draft {taken.code} {note}")
    if not outbox.keeps_sent_copies:
        try:
            if not outbox.holds(message_id):
                outbox.keep_copy(raw, now)
        except MailServerError as exc:
            # The policy still counts it (the store knows it was sent); the owner's Sent
            # folder just lacks the copy.
            _event(store, taken, f"draft {taken.code}: the copy in Sent could not be saved: {exc}")
    return SendOutcome(taken.code, taken.thread_key, done.state if done else "sent", note)


def _settle_uncertain(store: Store, outbox: Outbox, item: QueueItem, why: str) -> SendOutcome:
    assert item.message_id is not None
    try:
        found = outbox.holds(item.message_id)
    except MailServerError:
        found = False
    if found:
        note = f"{why} It is in Sent: sent."
        done = store.transition(item.code, ("sending",), "sent", sent_at=item.sending_at,
                                note=note)  # fmt: skip
    else:
        note = f"{why} Look in your Sent folder; approve it again only if it did not go."
        done = store.transition(item.code, ("sending",), "unknown", note=note)
    _event(store, item, f"draft {item.code}: {note}")
    return SendOutcome(item.code, item.thread_key, done.state if done else "unknown", note)


def _draft(item: QueueItem) -> Draft:
    return Draft(
        kind="thank_you" if item.kind == "thank_you" else "checkin",
        ordinal=item.ordinal,
        to=Address(item.to_name, item.to_address),
        subject=item.subject,
        in_reply_to=item.in_reply_to,
        references=item.references,
        body=item.body,
    )


def _owner_name(thread: Thread) -> str:
    """The owner's name as their own latest message in the thread writes it, or nothing."""
    for message in reversed(thread.messages):
        if message.direction == "outgoing" and message.sender is not None:
            return message.sender.name
    return ""


def _event(store: Store, item: QueueItem, message: str) -> None:
    log.info("%s thread=%s", message, item.thread_key)
    store.record_event("send", message, account=item.account, thread_key=item.thread_key,
                       facts={"code": item.code, "message_id": item.message_id})  # fmt: skip


# --- the lock -----------------------------------------------------------------------------------


@contextlib.contextmanager
def send_lock(store: Store, *, wait: float = 30.0) -> Iterator[None]:
    """Hold the send lock of this database; FollowupError when another process keeps it."""
    if store.target.in_memory:
        yield  # one process only
        return
    if store.target.sqlite_path is not None:
        path = store.target.sqlite_path.with_name(store.target.sqlite_path.name + ".send-lock")
    else:
        digest = hashlib.sha256(store.target.shown.encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"followup-{os.getuid()}-{digest}.send-lock"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if monotonic() >= deadline:
                    raise FollowupError(
                        "another followup process is sending right now (the daemon?); try "
                        "again in a minute"
                    ) from None
                sleep(0.1)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


# --- the real servers ---------------------------------------------------------------------------


class ServerOutbox:
    """The Outbox of a configured account: IMAP for Sent and re-syncing, SMTP for sending."""

    def __init__(
        self, settings: Settings, store: Store, account: AccountSettings, environ: Mapping[str, str]
    ) -> None:
        self.settings = settings
        self.store = store
        self.account = account
        self.secret = resolve_password(account, environ)
        self._imap: ImapConnection | None = None

    @property
    def keeps_sent_copies(self) -> bool:
        return self.account.provider == "gmail"

    def _connection(self) -> ImapConnection:
        if self._imap is None:
            self._imap = ImapConnection.connect(self.account, self.secret)
        return self._imap

    def close(self) -> None:
        if self._imap is not None:
            self._imap.close()
            self._imap = None

    def resync(self, now: datetime) -> None:
        sync_account(self._connection(), self.store, now=now,
                     lookback_days=self.settings.sync.lookback_days)  # fmt: skip

    def holds(self, message_id: str) -> bool:
        imap = self._connection()
        return imap.holds_message_id(imap.sent_folder().name, message_id)

    def keep_copy(self, raw: bytes, when: datetime) -> None:
        imap = self._connection()
        imap.append_sent(imap.sent_folder().name, raw, when)

    def hand_over(self, raw: bytes, sender: str, recipients: list[str]) -> str:
        return asyncio.run(
            deliver(self.account, self.secret, raw, sender, recipients,
                    timeout=self.account.smtp.timeout_seconds)
        )  # fmt: skip
