"""The test servers themselves: private Dovecot and the SMTP sink behave like real servers."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import imaplib
import socket
import ssl
import subprocess
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import aiosmtplib
import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.servers import (
    ImapAccount,
    PrivateDovecot,
    SelfSignedCert,
    SmtpSink,
    reap_abandoned_dovecots,
)
from tracker.understand.parse import parse_message

RECRUITER = "Dana Recruiter <dana@acme.example>"
SENT_AT = dt.datetime(2024, 3, 5, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def build_message(sender: str, to: str, subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(SENT_AT)
    message["Message-ID"] = make_msgid(domain="followup.test")
    message.set_content(body)
    return message.as_bytes(policy=email.policy.SMTP)


def message_id_of(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])


def fetch_one(client: IMAPClient, folder: str, message_id: str) -> tuple[int, dict[bytes, Any]]:
    """Find a message by Message-ID with UID SEARCH and fetch it by its UID."""
    client.select_folder(folder, readonly=True)
    uids = client.search(["HEADER", "Message-ID", message_id])
    assert len(uids) == 1, uids
    fetched = client.fetch(uids, [b"BODY.PEEK[]", b"FLAGS", b"INTERNALDATE"])
    return uids[0], fetched[uids[0]]


def test_capabilities_include_condstore_qresync_idle(imap_account: ImapAccount) -> None:
    client = imap_account.client()
    try:
        capabilities = set(client.capabilities())
        assert {b"CONDSTORE", b"QRESYNC", b"IDLE", b"UIDPLUS", b"SPECIAL-USE"} <= capabilities
        assert client.enable("CONDSTORE") == [b"CONDSTORE"]
        before = client.select_folder("INBOX")
        assert before[b"EXISTS"] == 0
        assert b"HIGHESTMODSEQ" in before
        client.close_folder()
    finally:
        client.logout()

    imap_account.append("INBOX", build_message(RECRUITER, imap_account.address, "Hi", "Hello"))

    client = imap_account.client()
    try:
        client.enable("CONDSTORE")
        after = client.select_folder("INBOX", readonly=True)
        assert after[b"EXISTS"] == 1
        assert after[b"HIGHESTMODSEQ"] > before[b"HIGHESTMODSEQ"]
        assert after[b"UIDVALIDITY"] == before[b"UIDVALIDITY"]
    finally:
        client.logout()


def test_appended_messages_come_back_byte_for_byte(imap_account: ImapAccount) -> None:
    incoming = build_message(
        RECRUITER, imap_account.address, "Interview at Acme", "We'll be in touch by Friday."
    )
    outgoing = build_message(
        imap_account.address, RECRUITER, "Thank you", "Thanks for your time today."
    )
    inbox_uid = imap_account.append("INBOX", incoming, date=SENT_AT)

    client = imap_account.client()
    try:
        sent = client.find_special_folder(b"\\Sent")
        assert sent == "Sent"
        client.logout()
        sent_uid = imap_account.append(sent, outgoing, flags=[b"\\Seen"], date=SENT_AT)

        client = imap_account.client()
        client.normalise_times = False  # keep INTERNALDATE's offset for the comparison
        for folder, raw, uid in (("INBOX", incoming, inbox_uid), (sent, outgoing, sent_uid)):
            found_uid, item = fetch_one(client, folder, message_id_of(raw))
            assert found_uid == uid
            assert item[b"BODY[]"] == raw
            assert item[b"INTERNALDATE"] == SENT_AT
        _uid, sent_item = fetch_one(client, sent, message_id_of(outgoing))
        assert b"\\Seen" in sent_item[b"FLAGS"]
    finally:
        client.logout()


def test_parse_message_understands_fetched_bytes(imap_account: ImapAccount) -> None:
    outgoing = build_message(
        imap_account.address, RECRUITER, "Thank you for today", "It was great to meet the team."
    )
    incoming = build_message(
        RECRUITER, imap_account.address, "Next steps", "We'll get back to you next week."
    )
    sent_uid = imap_account.append("Sent", outgoing)
    inbox_uid = imap_account.append("INBOX", incoming)

    client = imap_account.client()
    try:
        client.select_folder("Sent", readonly=True)
        sent_raw = client.fetch([sent_uid], [b"BODY.PEEK[]"])[sent_uid][b"BODY[]"]
        client.select_folder("INBOX", readonly=True)
        inbox_raw = client.fetch([inbox_uid], [b"BODY.PEEK[]"])[inbox_uid][b"BODY[]"]
    finally:
        client.logout()

    owner = [imap_account.address.upper()]  # any case counts as the owner
    sent_message = parse_message(sent_raw, owner_addresses=owner)
    assert sent_message.subject == "Thank you for today"
    assert sent_message.message_id == message_id_of(outgoing)
    assert sent_message.direction == "outgoing"
    inbox_message = parse_message(inbox_raw, owner_addresses=owner)
    assert inbox_message.subject == "Next steps"
    assert inbox_message.message_id == message_id_of(incoming)
    assert inbox_message.direction == "incoming"


def test_accounts_are_separate_and_passwords_checked(
    dovecot: PrivateDovecot, imap_account: ImapAccount
) -> None:
    imap_account.append("INBOX", build_message(RECRUITER, imap_account.address, "Mine", "x"))
    # Added while the server runs: Dovecot re-reads its passwd-file, no restart needed.
    other = dovecot.add_user(f"other-{imap_account.username}", "other-secret")
    client = other.client()
    try:
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
    finally:
        client.logout()

    stranger = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    try:
        with pytest.raises(LoginError):
            stranger.login(imap_account.username, "wrong-" + imap_account.password)
    finally:
        stranger.logout()


def test_reset_empties_the_mailbox(dovecot: PrivateDovecot, imap_account: ImapAccount) -> None:
    imap_account.append("INBOX", build_message(RECRUITER, imap_account.address, "Old", "x"))
    imap_account.append("Sent", build_message(imap_account.address, RECRUITER, "Old", "x"))
    client = imap_account.client()
    client.create_folder("Jobs")
    client.logout()

    dovecot.reset(imap_account.username)

    client = imap_account.client()
    try:
        folders = {name for _flags, _delimiter, name in client.list_folders()}
        assert folders == {"INBOX", "Sent", "Drafts", "Trash"}
        for folder in ("INBOX", "Sent"):
            assert client.select_folder(folder, readonly=True)[b"EXISTS"] == 0
    finally:
        client.logout()


def test_tls_port_serves_the_same_mailbox(
    dovecot: PrivateDovecot, imap_account: ImapAccount
) -> None:
    uid = imap_account.append("INBOX", build_message(RECRUITER, imap_account.address, "TLS", "x"))
    client = imap_account.client(tls=True)
    try:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["SUBJECT", "TLS"]) == [uid]
    finally:
        client.logout()
    # A client that does not trust the test certificate must be refused.
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(dovecot.host, dovecot.tls_port, ssl=True, timeout=10)


@pytest.mark.parametrize("hard", [False, True], ids=["graceful", "killed"])
def test_client_reconnects_after_restart(
    dovecot: PrivateDovecot, imap_account: ImapAccount, hard: bool
) -> None:
    raw = build_message(RECRUITER, imap_account.address, "Survives", "x")
    uid = imap_account.append("INBOX", raw)
    port = dovecot.port
    old_client = imap_account.client()
    old_client.select_folder("INBOX")

    dovecot.restart(hard=hard)

    assert dovecot.port == port
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        old_client.noop()
    old_client.shutdown()
    client = imap_account.client()
    try:
        client.select_folder("INBOX", readonly=True)
        fetched = client.fetch([uid], [b"BODY.PEEK[]"])
        assert fetched[uid][b"BODY[]"] == raw
    finally:
        client.logout()


def test_kill_closes_the_port_until_start(dovecot: PrivateDovecot) -> None:
    dovecot.kill()
    try:
        assert not dovecot.is_running
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((dovecot.host, dovecot.port), timeout=2).close()
    finally:
        dovecot.start()
    assert dovecot.is_running


def send(
    sink: SmtpSink,
    raw: bytes,
    *,
    login: tuple[str, str] | None = None,
    anonymous: bool = False,
    tls_context: ssl.SSLContext | None = None,
) -> None:
    """Send `raw` to the sink with aiosmtplib, as the product will (AUTH unless anonymous)."""
    username, password = login or (sink.username, sink.password)
    asyncio.run(
        aiosmtplib.send(
            raw,
            sender="owner@followup.test",
            recipients=["dana@acme.example", "cc@acme.example"],
            hostname=sink.host,  # the test certificate names 127.0.0.1 as well as localhost
            port=sink.port,
            username=None if anonymous else username,
            password=None if anonymous else password,
            start_tls=tls_context is not None,
            tls_context=tls_context,
            timeout=10,
        )
    )


def test_smtp_sink_keeps_authenticated_envelope(smtp_sink: SmtpSink) -> None:
    raw = build_message("owner@followup.test", RECRUITER, "Checking in", "Any news?")
    send(smtp_sink, raw)
    [received] = smtp_sink.wait_for(1)
    assert received.mail_from == "owner@followup.test"
    assert received.rcpt_tos == ("dana@acme.example", "cc@acme.example")
    assert received.login == smtp_sink.username
    parsed = email.message_from_bytes(received.data, policy=email.policy.default)
    assert parsed["Message-ID"] == message_id_of(raw)
    assert parsed["Subject"] == "Checking in"


def test_smtp_sink_requires_auth_and_right_password(smtp_sink: SmtpSink) -> None:
    raw = build_message("owner@followup.test", RECRUITER, "No auth", "x")
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
        send(smtp_sink, raw, anonymous=True)
    assert refused.value.code == 530
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        send(smtp_sink, raw, login=(smtp_sink.username, "wrong"))
    assert smtp_sink.messages == []


@pytest.mark.parametrize("code", [451, 554])
def test_smtp_sink_fails_next_message_once(smtp_sink: SmtpSink, code: int) -> None:
    raw = build_message("owner@followup.test", RECRUITER, "Refused once", "x")
    smtp_sink.fail_next(code)
    with pytest.raises(aiosmtplib.SMTPDataError) as failed:
        send(smtp_sink, raw)
    assert failed.value.code == code
    assert smtp_sink.messages == []
    send(smtp_sink, raw)
    assert len(smtp_sink.wait_for(1)) == 1


@pytest.mark.parametrize("deliver", [True, False])
def test_smtp_sink_drops_connection_after_data(smtp_sink: SmtpSink, deliver: bool) -> None:
    raw = build_message("owner@followup.test", RECRUITER, "Fate unknown", "x")
    smtp_sink.drop_next(deliver=deliver)
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        send(smtp_sink, raw)
    kept = smtp_sink.messages
    assert [message_id_of(m.data) for m in kept] == ([message_id_of(raw)] if deliver else [])


def test_smtp_wait_for_times_out(smtp_sink: SmtpSink) -> None:
    with pytest.raises(TimeoutError):
        smtp_sink.wait_for(1, timeout=0.05)


def test_smtp_sink_starttls(tmp_path_factory: pytest.TempPathFactory) -> None:
    cert = SelfSignedCert.create(tmp_path_factory.mktemp("smtp-cert"))
    with SmtpSink(cert=cert) as sink:
        raw = build_message("owner@followup.test", RECRUITER, "Over TLS", "x")
        send(sink, raw, tls_context=cert.client_context())
        [received] = sink.wait_for(1)
    assert message_id_of(received.data) == message_id_of(raw)


def test_abandoned_dovecot_of_a_dead_test_run_is_reaped() -> None:
    orphan = PrivateDovecot(tls=False)
    try:
        orphan.start()
        # Pretend the test process that started it died without cleaning up.
        finished = subprocess.Popen(["true"])
        finished.wait()
        (orphan.directory / "owner.pid").write_text(f"{finished.pid}\n")
        master_pid = orphan.pid

        assert master_pid in reap_abandoned_dovecots()

        assert orphan._process is not None
        orphan._process.wait(5)
        assert not orphan.directory.exists()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((orphan.host, orphan.port), timeout=2).close()
    finally:
        orphan.stop()


def test_live_dovecot_of_this_run_is_not_reaped(dovecot: PrivateDovecot) -> None:
    assert dovecot.pid not in reap_abandoned_dovecots()
    assert dovecot.is_running
