"""The approval queue: drafts brought in line with the policy, and the owner's decisions on them.

`reconcile` is called by the analysis pass for each hiring thread: it cancels drafts the
policy no longer wants (a reply came, an outcome, a stop), regenerates queued drafts whose
facts changed (never over the owner's own edits), moves due drafts from proposed to queued,
and drafts the next step shortly before it is due. The owner's actions (`approve`, `skip`,
`snooze`, `edit`, `stop`) are compare-and-set transitions in the store: an approval binds to
the exact text approved (its hash), and anything that changes the text drops the approval.
Every change goes to the event log with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tracker.approvals.commands import new_code
from tracker.config import AccountSettings, Settings
from tracker.drafts import NoRecipient, body_hash, render_draft
from tracker.errors import UsageError
from tracker.policy import NextStep
from tracker.store import NewQueueItem, QueueItem, Store
from tracker.store.records import ItemState
from tracker.understand.facts import ThreadFacts
from tracker.understand.processes import Process
from tracker.understand.threads import Thread

log = logging.getLogger(__name__)

# A draft is written this long before its moment, so a morning digest offers it a day ahead.
DRAFT_AHEAD = timedelta(days=2)
PENDING: tuple[ItemState, ...] = ("proposed", "queued", "approved", "snoozed")
APPROVABLE: tuple[ItemState, ...] = ("proposed", "queued", "snoozed", "unknown", "failed")


@dataclass(frozen=True)
class ThreadVerdict:
    """One analysed thread: its messages, its facts and the policy's next step."""

    account: str
    thread: Thread
    facts: ThreadFacts
    step: NextStep
    # The process of several mail threads the thread belongs to, when `verdict` found one.
    process: Process | None = None


@dataclass(frozen=True)
class QueueChange:
    """One thing the reconciliation did to the queue."""

    code: str
    thread_key: str
    what: str  # queued | proposed | regenerated | cancelled | expired | due
    reason: str


def reconcile(
    settings: Settings,
    store: Store,
    account: AccountSettings,
    verdict: ThreadVerdict,
    now: datetime,
) -> list[QueueChange]:
    """Bring the thread's drafts in line with the verdict's step; returns what changed."""
    thread, facts, step = verdict.thread, verdict.facts, verdict.step
    changes: list[QueueChange] = []
    key = thread.thread_id
    items = store.queue_items(account=account.name, thread_key=key)
    for item in items:
        if item.state not in PENDING:
            continue
        if step.wants_draft and item.basis == step.basis and item.kind == step.kind:
            change = _refresh(settings, account, store, item, verdict, now=now)
            if change is not None:
                changes.append(change)
            continue
        expired = (
            item.kind == "thank_you"
            and facts.thankyou_at is None
            and (step.kind not in {"closed", "stopped", "owe_reply"})
        )
        to_state: ItemState = "expired" if expired else "cancelled"
        why = "its moment passed" if expired else step.reason
        if store.transition(item.code, PENDING, to_state, note=why) is not None:
            _log(store, item, f"draft {item.code} {to_state}: {why}")
            changes.append(QueueChange(item.code, key, to_state, why))

    if not step.wants_draft or step.due is None or now < step.due - DRAFT_AHEAD:
        return changes
    if any(item.basis == step.basis for item in items):
        return changes  # drafted already: skipped, sent or cancelled stays so
    try:
        draft = render_draft(
            "thank_you" if step.kind == "thank_you" else "checkin",
            step.ordinal,
            thread,
            facts,
            account.owner_addresses,
            settings.templates,
        )
    except NoRecipient as exc:
        store.record_event(
            "draft_impossible", str(exc), account=account.name, thread_key=key,
            facts={"basis": step.basis},
        )  # fmt: skip
        return changes
    state: ItemState = "queued" if now >= step.due else "proposed"
    added = store.add_queue_item(
        NewQueueItem(
            account=account.name,
            thread_key=key,
            kind=step.kind,
            ordinal=step.ordinal,
            basis=step.basis,
            state=state,
            due=step.due,
            reason=step.reason,
            to_name=draft.to.name,
            to_address=draft.to.email,
            subject=draft.subject,
            in_reply_to=draft.in_reply_to,
            references=draft.references,
            body=draft.body,
            body_hash=body_hash(draft.body),
        ),
        new_code(store.queue_codes()),
    )
    if added is not None:
        what = "thank-you" if added.kind == "thank_you" else f"check-in {added.ordinal}"
        _log(store, added, f"{what} drafted as {added.code} for {added.due.isoformat()}: "
                           f"{added.reason}")  # fmt: skip
        changes.append(QueueChange(added.code, key, state, added.reason))
    return changes


def _refresh(
    settings: Settings,
    account: AccountSettings,
    store: Store,
    item: QueueItem,
    verdict: ThreadVerdict,
    *,
    now: datetime,
) -> QueueChange | None:
    """Keep a draft for the current step current: its moment, its words, its state."""
    thread, facts, step = verdict.thread, verdict.facts, verdict.step
    assert step.due is not None
    changes: dict[str, Any] = {}
    if item.due != step.due:
        changes["due"] = step.due
    if not item.edited:
        try:
            draft = render_draft(
                "thank_you" if step.kind == "thank_you" else "checkin",
                step.ordinal, thread, facts, account.owner_addresses, settings.templates,
            )  # fmt: skip
        except NoRecipient:
            draft = None
        if draft is not None and draft.body != item.body:
            changes |= {
                "body": draft.body,
                "body_hash": body_hash(draft.body),
                "to_name": draft.to.name,
                "to_address": draft.to.email,
                "subject": draft.subject,
                "in_reply_to": draft.in_reply_to,
                "references": draft.references,
            }
    state = item.state
    snooze_over = item.snoozed_until is not None and now >= item.snoozed_until
    if (state == "snoozed" and snooze_over) or (state == "proposed" and now >= step.due):
        state = "queued"
    if "body" in changes and state == "approved":
        state = "queued" if now >= step.due else "proposed"  # the approval was of other words
        changes["approved_hash"] = None
    if not changes and state == item.state:
        return None
    # Only over the words this pass read: an edit or an approval meanwhile wins.
    updated = store.transition(
        item.code, (item.state,), state, expect_body_hash=item.body_hash, **changes
    )
    if updated is None:
        return None  # somebody else moved it meanwhile; the next pass looks again
    what = "regenerated" if "body" in changes else ("due" if state != item.state else "moved")
    why = (
        "its facts changed" + ("; approve it again" if item.state == "approved" else "")
        if "body" in changes
        else f"now {state}, due {step.due.isoformat()}"
    )
    _log(store, updated, f"draft {item.code} {what}: {why}")
    return QueueChange(item.code, item.thread_key, what, why)


# --- the owner's decisions --------------------------------------------------------------------


def find_item(store: Store, code: str) -> QueueItem:
    """The queue item `code` (any case); UsageError naming the codes that exist otherwise."""
    item = store.queue_item(code.strip().upper())
    if item is None:
        pending = [i.code for i in store.queue_items(states=PENDING)]
        hint = f"; waiting: {', '.join(pending)}" if pending else "; the queue is empty"
        raise UsageError(f"no draft {code!r}{hint}")
    return item


def approve(store: Store, code: str, now: datetime, *, text_hash: str | None = None) -> QueueItem:
    """Approve draft `code`: the words with hash `text_hash` (the ones the owner was shown),
    or its current words. Words that change meanwhile are not approved."""
    item = find_item(store, code)
    if text_hash is not None and text_hash != item.body_hash:
        raise UsageError(f"draft {item.code} changed since you saw it; look at it again")
    if item.state == "approved" and item.approved:
        return item
    if item.state not in APPROVABLE:
        raise UsageError(f"draft {item.code} is {item.state}; only a waiting draft is approved")
    updated = store.transition(
        item.code,
        (item.state,),
        "approved",
        expect_body_hash=item.body_hash,
        approved_hash=item.body_hash,
        approved_at=now,
        note="approved",
    )
    if updated is None:
        raise UsageError(f"draft {item.code} changed meanwhile; look at `followup queue` again")
    if item.state == "unknown":
        _log(store, updated, f"draft {item.code} approved again after an unknown send")
    else:
        _log(store, updated, f"draft {item.code} approved")
    return updated


def skip(store: Store, code: str) -> QueueItem:
    """Never send draft `code` (the thread's next step is drafted when its moment comes)."""
    item = find_item(store, code)
    updated = store.transition(item.code, PENDING, "skipped", note="skipped by you")
    if updated is None:
        raise UsageError(f"draft {item.code} is {item.state}; it cannot be skipped now")
    _log(store, updated, f"draft {item.code} skipped")
    return updated


def snooze(store: Store, code: str, duration: timedelta, now: datetime) -> QueueItem:
    """Put draft `code` aside for `duration`; it comes back queued and needs an approval."""
    if duration <= timedelta(0):
        raise UsageError("a snooze lasts at least a minute")
    item = find_item(store, code)
    until = now + duration
    updated = store.transition(
        item.code,
        PENDING,
        "snoozed",
        snoozed_until=until,
        approved_hash=None,
        due=max(item.due, until.astimezone(item.due.tzinfo)),
        note=f"snoozed until {until.isoformat()}",
    )
    if updated is None:
        raise UsageError(f"draft {item.code} is {item.state}; it cannot be snoozed now")
    _log(store, updated, f"draft {item.code} snoozed until {until.isoformat()}")
    return updated


def edit(store: Store, code: str, body: str, now: datetime) -> QueueItem:
    """Replace the words of draft `code`; the new words need their own approval."""
    text = body.replace("\r\n", "\n").strip("\n") + "\n"
    if not text.strip():
        raise UsageError("the new text is empty; the draft is left as it was")
    item = find_item(store, code)
    state: ItemState = "queued" if now >= item.due else "proposed"
    updated = store.transition(
        item.code,
        PENDING,
        state,
        body=text,
        body_hash=body_hash(text),
        edited=True,
        approved_hash=None,
        note="edited by you",
    )
    if updated is None:
        raise UsageError(f"draft {item.code} is {item.state}; it cannot be edited now")
    _log(store, updated, f"draft {item.code} edited")
    return updated


def stop(store: Store, account: str, thread_key: str) -> list[QueueItem]:
    """Never check in on the thread again; cancels its waiting drafts."""
    if store.stop_thread(account, thread_key):
        store.record_event("thread_stopped", "stopped by you", account=account,
                           thread_key=thread_key)  # fmt: skip
    cancelled = []
    for item in store.queue_items(account=account, thread_key=thread_key, states=PENDING):
        updated = store.transition(item.code, PENDING, "cancelled", note="you stopped the thread")
        if updated is not None:
            _log(store, updated, f"draft {item.code} cancelled: you stopped the thread")
            cancelled.append(updated)
    return cancelled


def pending(store: Store, states: Iterable[ItemState] = PENDING) -> list[QueueItem]:
    return store.queue_items(states=states)


def _log(store: Store, item: QueueItem, message: str) -> None:
    log.info("%s thread=%s", message, item.thread_key)
    store.record_event(
        "queue",
        message,
        account=item.account,
        thread_key=item.thread_key,
        facts={"code": item.code, "state": item.state, "body_hash": item.body_hash},
    )
