"""`followup demo`: the whole pipeline on the bundled sample mailbox, with a simulated clock.

Needs no account and no network. The sample mailbox plays the IMAP server (a local mailbox
whose INBOX and Sent are stored the way sync stores them); a real SMTP server (aiosmtpd) on
127.0.0.1 receives what followup sends. Everything between is the product's own code: the
analysis pass, the policy, the drafts, the digest, the owner's approval by reply, the
at-most-once send path, and a recruiter's answer stopping the next check-in.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.utils import format_datetime
from importlib import resources
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from rich.console import Console
from rich.panel import Panel
from rich.rule import Rule

from tracker.analysis import analyse_account
from tracker.approvals.service import process_replies, send_digest
from tracker.config import AccountSettings, Settings, resolve_password
from tracker.ingest import parse_batch
from tracker.mail.partial import FetchedMessage
from tracker.mail.smtp import deliver
from tracker.sending import send_due
from tracker.store import FolderState, Store, open_store
from tracker.sync import thread_pass
from tracker.understand.parse import parse_message

OWNER = "alex@example.com"
CET = timezone(timedelta(hours=1))
SECRET_VARIABLE = "FOLLOWUP_DEMO_SECRET"  # noqa: S105 - the name of a variable, not a secret


@dataclass
class LocalMailbox:
    """The demo's mail server: an INBOX and a Sent folder of raw messages."""

    folders: dict[str, list[bytes]] = field(default_factory=lambda: {"INBOX": [], "Sent": []})
    stored: dict[str, int] = field(default_factory=lambda: {"INBOX": 0, "Sent": 0})

    def deliver_to(self, folder: str, raw: bytes) -> None:
        self.folders[folder].append(raw)

    def sync(self, store: Store, account: AccountSettings) -> None:
        """Store what arrived since the last sync, as `followup sync` would, and thread it."""
        for name, role in (("INBOX", "inbox"), ("Sent", "sent")):
            messages = self.folders[name]
            fresh = messages[self.stored[name] :]
            fetched = [
                FetchedMessage(uid=self.stored[name] + i + 1, raw=raw, size=len(raw), flags=(),
                               internaldate=None)
                for i, raw in enumerate(fresh)
            ]  # fmt: skip
            state = FolderState(name=name, role=role, uidvalidity=1,  # type: ignore[arg-type]
                                uidnext=len(messages) + 1, message_count=len(messages))  # fmt: skip
            owners = sorted(account.owner_addresses)
            store.save_folder_batch(account.name, state, parse_batch(owners, fetched))
            self.stored[name] = len(messages)
        thread_pass(store, account)


class DemoOutbox:
    """The send path's view of the demo servers: Sent is local, SMTP is the real sink."""

    keeps_sent_copies = False

    def __init__(self, mailbox: LocalMailbox, store: Store, account: AccountSettings) -> None:
        self.mailbox, self.store, self.account = mailbox, store, account

    def resync(self, now: datetime) -> None:
        del now
        self.mailbox.sync(self.store, self.account)

    def holds(self, message_id: str) -> bool:
        return any(
            parse_message(raw, self.account.owner_addresses).message_id == message_id
            for raw in self.mailbox.folders["Sent"]
        )

    def keep_copy(self, raw: bytes, when: datetime) -> None:
        del when
        self.mailbox.deliver_to("Sent", raw)

    def hand_over(self, raw: bytes, sender: str, recipients: list[str]) -> str:
        secret = resolve_password(self.account, {SECRET_VARIABLE: _SECRET})
        return asyncio.run(deliver(self.account, secret, raw, sender, recipients, timeout=10))


_SECRET = secrets.token_urlsafe(12)


class _Sink:
    """aiosmtpd handler: keeps every message (the recruiters' and the owner's inboxes)."""

    def __init__(self) -> None:
        self.received: list[tuple[tuple[str, ...], bytes]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        self.received.append((tuple(envelope.rcpt_tos), bytes(data)))
        return "250 2.0.0 OK"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
) -> AuthResult:
    if isinstance(auth_data, LoginPassword) and auth_data.password == _SECRET.encode():
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)  # aiosmtpd answers 535 itself


@contextmanager
def _smtp_server() -> Iterator[tuple[_Sink, int]]:
    # aiosmtpd warns about its own deprecated attribute on every login; not the user's concern.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    sink = _Sink()
    with socket.socket() as probe:  # a free port on the loopback interface
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, server_hostname="demo.followup.local",
        authenticator=_authenticate, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _settings(folder: Path, port: int) -> Settings:
    return Settings.model_validate(
        {
            "accounts": [{
                "name": "demo", "address": OWNER, "password_env": SECRET_VARIABLE,
                "imap": {"host": "127.0.0.1", "security": "none"},
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none"},
            }],
            "timezone": "Europe/Berlin",
            "database": f"sqlite:///{folder / 'state.db'}",
            "policy": {"holidays": "DE"},
            "templates": {"signature": "Alex Morgan\n+49 30 1234 5678"},
        }
    )  # fmt: skip


def run_demo(console: Console) -> None:
    """Play the demo's week on `console`."""
    sample = resources.files("tracker") / "samples" / "mailbox"
    mailbox = LocalMailbox()
    with resources.as_file(sample) as folder:
        for path in sorted(Path(folder).glob("*.eml")):
            raw = path.read_bytes()
            outgoing = parse_message(raw, (OWNER,)).direction == "outgoing"
            mailbox.deliver_to("Sent" if outgoing else "INBOX", raw)
    environ = {SECRET_VARIABLE: _SECRET}
    with tempfile.TemporaryDirectory(prefix="followup-demo-") as scratch, _smtp_server() as (
        sink, port
    ):
        settings = _settings(Path(scratch), port)
        account = settings.accounts[0]
        with open_store(settings.database) as store:
            store.upsert_account(account.name, account.provider, account.address)
            _play(_Week(console, settings, store, account, mailbox, sink, environ))


@dataclass
class _Week:
    """Everything the demo's scenes share."""

    console: Console
    settings: Settings
    store: Store
    account: AccountSettings
    mailbox: LocalMailbox
    sink: _Sink
    environ: dict[str, str]


def _play(week: _Week) -> None:
    console, settings, store, account = week.console, week.settings, week.store, week.account
    mailbox, sink, environ = week.mailbox, week.sink, week.environ
    outbox = DemoOutbox(mailbox, store, account)
    console.print(Panel.fit(
        "[bold]followup demo[/]: a week of the bundled sample mailbox of Alex Morgan "
        f"<{OWNER}>,\nwith a simulated clock, a local mailbox and a real SMTP server on "
        "127.0.0.1. Nothing leaves this machine."
    ))  # fmt: skip

    now = datetime(2026, 11, 16, 8, 0, tzinfo=CET)
    console.print(Rule(f"{now:%a %d %b %H:%M}: followup reads the mailbox"))
    mailbox.sync(store, account)
    analyse_account(settings, store, account, now=now)
    for info in store.threads(account.name):
        verdict = "[green]hiring thread[/]" if info.is_interview else "[dim]not hiring[/]"
        console.print(f"\n[bold]{info.subject}[/]: {verdict}")
        reasons = info.facts.get("reasons") or []
        console.print("  why: " + "; ".join(str(r) for r in reasons), markup=False)
        if info.is_interview:
            facts = info.facts
            timeline = facts.get("stated_timeline") or {}
            interview = str(facts.get("interview_at"))[:16]
            console.print(
                f"  company {facts.get('company')}, interview {interview}, "
                f"thank-you {'sent' if facts.get('thankyou_message_id') else 'not sent'}, "
                + (f"they said {timeline.get('text')!r} (due {timeline.get('due')}), "
                   if timeline else "")
                + f"outcome {facts.get('outcome')}",
                markup=False,
            )  # fmt: skip
            step = info.step
            console.print(f"  next: {step.get('kind')} {str(step.get('due') or '')[:16]} "
                          f"({step.get('reason')})", markup=False)  # fmt: skip

    items = store.queue_items(states=("proposed", "queued"))
    console.print(Rule("The draft it queued for your approval"))
    for item in items:
        console.print(f"[bold]{item.code}[/] to {item.to_name} <{item.to_address}>, "
                      f"due {item.due:%a %d %b %H:%M}: {item.reason}")  # fmt: skip
        console.print(Panel(item.body, title=item.subject, expand=False), markup=False)

    now = now.replace(hour=8, minute=30)
    console.print(Rule(f"{now:%a %d %b %H:%M}: the digest goes out"))
    record = send_digest(settings, store, environ, now)
    assert record is not None
    digest = message_from_bytes(sink.received[-1][1])
    text = digest.get_payload(0).get_payload(decode=True).decode()  # type: ignore[union-attr]
    console.print(f"[dim]To: {digest['To']}  Subject: {digest['Subject']}[/]")
    console.print(Panel(_shortened(text), expand=False), markup=False)

    code = items[0].code
    reply_at = now + timedelta(minutes=12)
    console.print(Rule(f"{reply_at:%a %d %b %H:%M}: you reply from your phone"))
    reply = (
        f"From: Alex Morgan <{OWNER}>\r\nTo: {OWNER}\r\nSubject: Re: {digest['Subject']}\r\n"
        f"Date: {format_datetime(reply_at)}\r\nMessage-ID: <demo-reply-1@example.com>\r\n"
        f"In-Reply-To: {digest['Message-ID']}\r\nReferences: {digest['Message-ID']}\r\n"
        f"\r\napprove {code}\r\n\r\nSent from my phone\r\n"
    ).encode()
    console.print(f"  'approve {code}', found in your Sent folder (that is what makes it count)")
    mailbox.deliver_to("Sent", reply)
    mailbox.sync(store, account)
    for outcome in process_replies(settings, store, environ, reply_at):
        for line in outcome.done:
            console.print(f"  [green]{line}[/]")

    send_at = datetime(2026, 11, 17, 9, 31, tzinfo=CET)
    console.print(Rule(f"{send_at:%a %d %b %H:%M}: the check-in is due"))
    for sent in send_due(settings, store, lambda _a: outbox, now=send_at, environ=environ):
        console.print(f"  {sent.code} {sent.state}: {sent.message}", markup=False)
    checkins = [raw for rcpt, raw in sink.received if OWNER not in rcpt]
    console.print(f"  the SMTP server holds {len(checkins)} check-in(s) for the recruiters")

    answer_at = datetime(2026, 11, 18, 11, 2, tzinfo=CET)
    console.print(Rule(f"{answer_at:%a %d %b %H:%M}: Dana answers"))
    sent_message = message_from_bytes(checkins[-1])
    mailbox.deliver_to("INBOX", (
        "From: Dana Whitfield <dana.whitfield@northwindlabs.com>\r\n"
        f"To: Alex Morgan <{OWNER}>\r\nSubject: {sent_message['Subject']}\r\n"
        f"Date: {format_datetime(answer_at)}\r\nMessage-ID: <nw-answer-1@northwindlabs.com>\r\n"
        f"In-Reply-To: {sent_message['Message-ID']}\r\n"
        f"References: {sent_message['References']} {sent_message['Message-ID']}\r\n\r\n"
        "Hi Alex,\r\n\r\nThanks for checking in! The panel meets again on Monday and I will\r\n"
        "get back to you by Wednesday the 25th.\r\n\r\nBest,\r\nDana\r\n"
    ).encode())  # fmt: skip
    later = datetime(2026, 11, 24, 10, 0, tzinfo=CET)
    mailbox.sync(store, account)
    analyse_account(settings, store, account, now=later)
    send_due(settings, store, lambda _a: outbox, now=later, environ=environ)
    northwind = next(t for t in store.threads(account.name, hiring_only=True)
                     if t.facts.get("company") == "Northwind Labs")  # fmt: skip
    step = northwind.step
    console.print(
        f"  {later:%a %d %b}: no second check-in (it would have been due today): she answered.\n"
        f"  next: {step.get('kind')} {str(step.get('due') or '')[:16]} ({step.get('reason')})",
        markup=False,
    )
    checkins = [raw for rcpt, raw in sink.received if OWNER not in rcpt]
    console.print(Rule("What left this machine"))
    to_you = len(sink.received) - len(checkins)
    console.print(f"  {len(checkins)} check-in to the recruiter, {to_you} messages to you "
                  "(the digest and the confirmation of your reply)")  # fmt: skip


def _shortened(text: str, lines: int = 40) -> str:
    kept = text.splitlines()
    return "\n".join(kept[:lines] + (["…"] if len(kept) > lines else []))
