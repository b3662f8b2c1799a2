"""The digest and approval by reply: what is offered, what counts, what is done.

`send_digest` collects what the owner has to decide or know, renders it (digest.py), records
the digest with a token per offered draft (tokens.py) and sends it from the digest account to
the owner. `process_replies` reads the owner's answers among the synced mail: a reply counts
only when it is in the account's Sent folder (on Gmail: labelled \\Sent), comes from one of
the owner's addresses, answers the newest digest followup sent (a newer digest replaces the
codes of older ones), and each code it names was offered by that digest with a token that still
verifies, is unused and unexpired, for the very text the draft has now. Everything else is
refused and reported in the next digest; nothing is guessed. A reply is acted on once,
whatever happens to it later.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from tracker import queue
from tracker.approvals.commands import CODE_ALPHABET, Command, parse_commands
from tracker.approvals.digest import DigestContent, DigestEntry, has_news, render_digest
from tracker.approvals.tokens import key_path, load_key, make_token, token_valid
from tracker.config import AccountSettings, Settings, resolve_password
from tracker.errors import FollowupError, UsageError
from tracker.mail.compose import make_message_id
from tracker.mail.smtp import deliver
from tracker.store import DigestRecord, Offer, QueueItem, Store
from tracker.understand.message_json import message_from_json
from tracker.understand.parse import Message

log = logging.getLogger(__name__)

# How long after it was written a reply found only outside Sent is still given a chance (the
# client may file its copy in Sent a little later than the server delivers it).
SENT_COPY_GRACE = timedelta(hours=1)
REPLY_WINDOW = timedelta(days=30)  # digests older than this are not looked at for replies
PROBLEM_KINDS = ("sync_failed", "send_failed", "reply_problem")

# Hands a finished message to the digest account's SMTP server.
Mailer = Callable[[AccountSettings, bytes, str, list[str]], str]


@dataclass(frozen=True)
class ReplyOutcome:
    """What one reply to a digest did."""

    message_id: str
    done: tuple[str, ...]  # "approved K7Q2", ...
    problems: tuple[str, ...]


def digest_account(settings: Settings) -> AccountSettings:
    """The account that sends the digest and in whose Sent folder replies are looked for."""
    wanted = settings.digest.account
    for account in settings.accounts:
        if wanted is None or account.name == wanted:
            return account
    raise UsageError(f"digest.account {wanted!r} names no account")


def smtp_mailer(environ: Mapping[str, str]) -> Mailer:
    """A Mailer that sends through the account's own SMTP server."""

    def send(account: AccountSettings, raw: bytes, sender: str, recipients: list[str]) -> str:
        secret = resolve_password(account, environ)
        return asyncio.run(deliver(account, secret, raw, sender, recipients,
                                   timeout=account.smtp.timeout_seconds))  # fmt: skip

    return send


# --- the digest ---------------------------------------------------------------------------------


def digest_due(settings: Settings, store: Store, now: datetime) -> bool:
    """True once the day's digest time has passed and no digest went out since."""
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    today_at = datetime.combine(local.date(), settings.digest.at, tzinfo=zone)
    if local < today_at:
        return False
    account = digest_account(settings)
    return not store.digests(account.name, since=today_at)


def collect(
    settings: Settings, store: Store, now: datetime, digest_id: str, message_id: str | None = None
) -> DigestContent:
    """What the next digest holds, as of now."""
    account = digest_account(settings)
    zone = ZoneInfo(settings.timezone)
    previous = store.digests(account.name)
    since = previous[0].sent_at if previous else now - timedelta(days=1)
    waiting = [
        item
        for a in settings.accounts
        for item in store.queue_items(account=a.name, states=("proposed", "queued"))
        if item.due <= now + queue.DRAFT_AHEAD
    ]
    entries = [DigestEntry(item, store.thread(item.account, item.thread_key)) for item in waiting]
    threads = [
        info
        for a in settings.accounts
        for info in store.threads(a.name, hiring_only=True)
        if info.outcome == "open" and info.stopped_at is None
    ]
    moved_keys = {
        (e.account, e.thread_key)
        for e in store.events()
        if e.kind == "thread_moved_on" and e.at >= since and e.thread_key is not None
    }
    moved_on = [
        info
        for a in settings.accounts
        for info in store.threads(a.name, hiring_only=True)
        if (a.name, info.thread_key) in moved_keys
    ]
    unknown = store.queue_items(states=("unknown",))
    problems = [e.message for e in store.events() if e.kind in PROBLEM_KINDS and e.at >= since]
    return DigestContent(
        digest_id=digest_id,
        reply_to=account.address,
        entries=entries,
        moved_on=moved_on,
        unknown=unknown,
        problems=problems,
        threads=threads,
        now=now,
        zone=zone,
        message_id=message_id,
    )


@dataclass(frozen=True)
class PreparedDigest:
    content: DigestContent
    subject: str
    text: str
    html: str


def prepare(settings: Settings, store: Store, now: datetime) -> PreparedDigest:
    """The next digest, rendered (nothing recorded, nothing sent)."""
    digest_id = "D" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))
    # Known before rendering, so the mailto: links can ask for an In-Reply-To naming it.
    message_id = make_message_id(digest_account(settings).address)
    content = collect(settings, store, now, digest_id, message_id)
    rendered = render_digest(content, settings.templates)
    return PreparedDigest(content, rendered.subject, rendered.text, rendered.html)


def send_digest(
    settings: Settings,
    store: Store,
    environ: Mapping[str, str],
    now: datetime,
    *,
    mailer: Mailer | None = None,
) -> DigestRecord | None:
    """Send the digest now if it has anything to decide or know; None when it has not."""
    prepared = prepare(settings, store, now)
    if not has_news(prepared.content):
        log.info("no digest: nothing to decide or know")
        return None
    account = digest_account(settings)
    to = str(settings.digest.to or account.address)
    message_id = prepared.content.message_id or make_message_id(account.address)
    message = EmailMessage()
    message["From"] = account.address
    message["To"] = to
    message["Subject"] = prepared.subject
    message["Date"] = format_datetime(now.astimezone(ZoneInfo(settings.timezone)))
    message["Message-ID"] = message_id
    # RFC 3834: written by a program; followup's own reading never takes it for a person.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(prepared.text)
    message.add_alternative(prepared.html, subtype="html")
    key = load_key(key_path(store, environ))
    expires = now + timedelta(days=settings.digest.token_days)
    offers = [
        Offer(
            digest_id=prepared.content.digest_id,
            code=entry.item.code,
            body_hash=entry.item.body_hash,
            token=make_token(key, prepared.content.digest_id, entry.item.code,
                             entry.item.body_hash),
            expires_at=expires,
        )
        for entry in prepared.content.entries
    ]  # fmt: skip
    send = mailer or smtp_mailer(environ)
    send(account, message.as_bytes(), account.address, [to])
    record = DigestRecord(prepared.content.digest_id, account.name, message_id, to, now)
    store.record_digest(record, offers)
    store.record_event(
        "digest_sent",
        f"digest {record.digest_id} sent to {to} with {len(offers)} draft(s)",
        account=account.name,
        facts={"digest_id": record.digest_id, "codes": [o.code for o in offers]},
    )
    return record


# --- the owner's replies ------------------------------------------------------------------------


def process_replies(
    settings: Settings,
    store: Store,
    environ: Mapping[str, str],
    now: datetime,
    *,
    mailer: Mailer | None = None,
) -> list[ReplyOutcome]:
    """Act on the owner's new replies to digests (they must have been synced already)."""
    account = digest_account(settings)
    digests = {d.message_id: d for d in store.digests(account.name, since=now - REPLY_WINDOW)}
    if not digests:
        return []
    owners = account.owner_addresses
    outcomes = []
    key: bytes | None = None
    marks = {mid: f"[{digest.digest_id}]" for mid, digest in digests.items()}
    for reply in store.replies_to(account.name, marks):
        reply_id = reply.message.message_id
        if not reply.answers or reply_id in digests:
            continue
        if store.reply_processed(account.name, reply_id):
            continue
        message = message_from_json({**reply.message.facts, "message_id": reply_id})
        if any(signal.startswith("Auto-Submitted") for signal in message.auto_reply):
            continue  # written by a program (followup's own confirmations), not by the owner
        sender = message.sender.email.lower() if message.sender else "nobody"
        digest = max((digests[mid] for mid in reply.answers), key=lambda d: d.sent_at)
        refusal = None
        if sender not in owners:
            refusal = f"a reply to digest {digest.digest_id} from {sender} was ignored: only " \
                      "your own replies count"  # fmt: skip
        elif not reply.in_sent:
            if message.date is not None and now - message.date < SENT_COPY_GRACE:
                continue  # its copy in Sent may still be on the way
            refusal = (
                f"a reply to digest {digest.digest_id} that claims to come from you was found "
                "outside your Sent folder and was ignored (a forged From: approves nothing)"
            )
        if refusal is not None:
            _refuse(store, account, reply_id, digest, refusal)
            outcomes.append(ReplyOutcome(reply_id, (), (refusal,)))
            continue
        newest = max(digests.values(), key=lambda d: d.sent_at)
        if digest.sent_at < newest.sent_at:
            refusal = (
                f"your reply to digest {digest.digest_id} was too late: digest "
                f"{newest.digest_id} replaced it; answer the newest digest"
            )
            _refuse(store, account, reply_id, digest, refusal)
            outcomes.append(ReplyOutcome(reply_id, (), (refusal,)))
            continue
        key = key or load_key(key_path(store, environ))
        parsed = parse_commands(message)
        done, problems = _apply(store, account, digest, parsed.commands, reply_id=reply_id,
                                key=key, now=now)  # fmt: skip
        problems = [*problems, *(f"your reply to {digest.digest_id}: {p}" for p in parsed.problems)]
        summary = "; ".join(done) or "nothing done"
        if not store.mark_reply_processed(account.name, reply_id, digest.digest_id, summary):
            continue  # another process handled it meanwhile
        store.record_event("reply_processed", f"your reply to {digest.digest_id}: {summary}",
                           account=account.name, facts={"reply": reply_id})  # fmt: skip
        for problem in problems:
            store.record_event("reply_problem", problem, account=account.name,
                               facts={"reply": reply_id})  # fmt: skip
        outcomes.append(ReplyOutcome(reply_id, tuple(done), tuple(problems)))
        if settings.digest.confirmations and (done or problems):
            _confirm(settings, store, account, environ, message, done=done, problems=problems,
                     now=now, mailer=mailer)  # fmt: skip
    return outcomes


def _refuse(
    store: Store, account: AccountSettings, reply_id: str, digest: DigestRecord, why: str
) -> None:
    if store.mark_reply_processed(account.name, reply_id, digest.digest_id, f"refused: {why}"):
        store.record_event("reply_problem", why, account=account.name, facts={"reply": reply_id})
        log.warning("reply refused reply=%s digest=%s: %s", reply_id, digest.digest_id, why)


def _apply(
    store: Store,
    account: AccountSettings,
    digest: DigestRecord,
    commands: Sequence[Command],
    *,
    reply_id: str,
    key: bytes,
    now: datetime,
) -> tuple[list[str], list[str]]:
    offers = {o.code: o for o in store.offers(digest.digest_id)}
    done: list[str] = []
    problems: list[str] = []
    for command in commands:
        codes = sorted(offers) if command.code is None else [command.code]
        for code in codes:
            offer = offers.get(code)
            where = f"{command.verb} {code}"
            if offer is None:
                problems.append(f"{where}: {code} was not offered in digest {digest.digest_id}")
                continue
            problem = _offer_problem(store, offer, key, now)
            if problem is not None:
                if command.code is not None:  # `approve all` passes over what is done already
                    problems.append(f"{where}: {problem}")
                continue
            if not store.use_offer(digest.digest_id, code, reply_id, now):
                problems.append(f"{where}: the code was used already")
                continue
            try:
                done.append(_act(store, account, command, offer, now))
            except FollowupError as exc:
                problems.append(f"{where}: {exc}")
    return done, problems


def _offer_problem(store: Store, offer: Offer, key: bytes, now: datetime) -> str | None:
    if offer.used_at is not None:
        return "the code was used already"
    if now > offer.expires_at:
        return "the code has expired; use the newest digest"
    if not token_valid(key, offer.token, offer.digest_id, offer.code, offer.body_hash):
        return "the code's token does not verify"
    item = store.queue_item(offer.code)
    if item is None:
        return "the draft no longer exists"
    if item.body_hash != offer.body_hash:
        return "the draft changed since this digest; the next digest shows the new text"
    if item.state not in {"proposed", "queued", "snoozed"}:
        return f"the draft is {item.state} now"
    return None


def _act(
    store: Store, account: AccountSettings, command: Command, offer: Offer, now: datetime
) -> str:
    code = offer.code
    if command.verb == "approve":  # the words the digest showed, and no others
        item = queue.approve(store, code, now, text_hash=offer.body_hash)
        return f"approved {code}: goes out from {_when(item)}"
    if command.verb == "skip":
        queue.skip(store, code)
        return f"skipped {code}"
    if command.verb == "snooze":
        assert command.snooze is not None
        item = queue.snooze(store, code, command.snooze, now)
        return f"snoozed {code} until {item.snoozed_until:%a %d %b %H:%M}"
    if command.verb == "stop":
        item = queue.find_item(store, code)
        queue.stop(store, account.name, item.thread_key)
        return f"stopped the thread of {code}"
    assert command.verb == "edit" and command.text is not None
    edited = queue.edit(store, code, command.text, now)
    item = queue.approve(store, code, now, text_hash=edited.body_hash)  # the owner's own words
    return f"edited and approved {code}: goes out from {_when(item)}"


def _when(item: QueueItem) -> str:
    return item.due.strftime("%a %d %b %H:%M")


def _confirm(
    settings: Settings,
    store: Store,
    account: AccountSettings,
    environ: Mapping[str, str],
    reply: Message,
    *,
    done: Sequence[str],
    problems: Sequence[str],
    now: datetime,
    mailer: Mailer | None,
) -> None:
    """A short note in the same thread saying what the reply did."""
    message = EmailMessage()
    message["From"] = account.address
    message["To"] = str(settings.digest.to or account.address)
    subject = reply.subject if reply.subject.lower().startswith("re:") else f"Re: {reply.subject}"
    message["Subject"] = subject
    message["Date"] = format_datetime(now.astimezone(ZoneInfo(settings.timezone)))
    message_id = make_message_id(account.address)
    message["Message-ID"] = message_id
    message["In-Reply-To"] = reply.message_id
    message["References"] = " ".join([*reply.references, reply.message_id])
    message["Auto-Submitted"] = "auto-replied"
    lines = [*done] + ([""] + ["Not done:"] + [f"- {p}" for p in problems] if problems else [])
    message.set_content("\n".join(lines) + "\n")
    # It answers the digest's thread from the owner's own address, and may be filed in Sent:
    # recorded first, so that it is never read back as the owner's reply.
    store.mark_reply_processed(account.name, message_id, None, "followup's own confirmation")
    try:
        (mailer or smtp_mailer(environ))(
            account, message.as_bytes(), account.address, [str(message["To"])]
        )
    except FollowupError as exc:
        log.warning("confirmation not sent: %s", exc)
