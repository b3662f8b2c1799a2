"""Mailbox sync against the private Dovecot: first sync, new mail, flags, expunges,
UIDVALIDITY changes, a server killed mid-sync, copies in two folders, malformed mail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from tests.servers import ImapAccount, PrivateDovecot, free_port
from tests.test_partial import WHOLE
from tracker.config import AccountSettings, Secret, Settings
from tracker.errors import ConnectionLost, LoginRefused, MailServerError, ServerUnreachable
from tracker.mail.imap import FETCH_BATCH, ImapConnection, vanished_uids
from tracker.store import Store, open_store
from tracker.store.models import MessageCopyRow, MessageRow, ThreadRow
from tracker.sync import PARSE_AHEAD, AccountReport, sync_account
from tracker.understand.parse import parse_message

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def mail(
    n: int,
    *,
    sender: str = "dana@northwind.example",
    to: str = "me@followup.test",
    subject: str | None = None,
    reply_to: int | None = None,
    day: int = 1,
) -> bytes:
    """A small message numbered `n`, dated `day` days before NOW."""
    date = (NOW - timedelta(days=day)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject or f'message {n}'}",
        f"Date: {date}",
        f"Message-ID: <m{n}@sync.test>",
    ]
    if reply_to is not None:
        headers += [f"In-Reply-To: <m{reply_to}@sync.test>", f"References: <m{reply_to}@sync.test>"]
    return ("\r\n".join(headers) + f"\r\n\r\nbody {n}\r\n").encode()


def settings_for(account: ImapAccount, *, extra: tuple[str, ...] = ()) -> AccountSettings:
    return Settings.model_validate(
        {
            "accounts": [
                {
                    "name": "main",
                    "address": account.address,
                    "password_env": "UNUSED",
                    "folders": {"extra": list(extra)},
                    "imap": {"host": account.host, "port": account.port, "security": "none"},
                    "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none"},
                }
            ]
        }
    ).accounts[0]


def connect(account: ImapAccount, *, extra: tuple[str, ...] = ()) -> ImapConnection:
    return ImapConnection.connect(
        settings_for(account, extra=extra), Secret(account.password), timeout=10
    )


def run_sync(  # type: ignore[no-untyped-def]
    account: ImapAccount, store: Store, *, extra: tuple[str, ...] = (), **kwargs: object
):
    with connect(account, extra=extra) as imap:
        return sync_account(imap, store, now=NOW, lookback_days=180, **kwargs)  # type: ignore[arg-type]


def counts(store: Store) -> tuple[int, int]:
    with store.session() as session:
        messages = session.exec(select(func.count()).select_from(MessageRow)).one()
        copies = session.exec(select(func.count()).select_from(MessageCopyRow)).one()
    return messages, copies


def stored_ids(store: Store) -> list[str]:
    with store.session() as session:
        return sorted(session.exec(select(MessageRow.message_id)).all())


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'state.db'}")


def folder_report(report, name: str):  # type: ignore[no-untyped-def]
    [folder] = [f for f in report.folders if f.name == name]
    return folder


def test_first_sync_stores_both_folders_and_groups_threads(
    imap_account: ImapAccount, store: Store
) -> None:
    imap_account.append("INBOX", mail(1))
    imap_account.append("INBOX", mail(2, subject="unrelated", sender="lee@acme.example"))
    imap_account.append(
        "Sent",
        mail(
            3,
            sender=imap_account.address,
            to="dana@northwind.example",
            subject="Re: message 1",
            reply_to=1,
        ),
    )
    report = run_sync(imap_account, store)
    assert report.error is None
    assert [(f.name, f.messages, f.new) for f in report.folders] == [
        ("INBOX", 2, 2),
        ("Sent", 1, 1),
    ]
    assert counts(store) == (3, 3)
    with store.session() as session:
        rows = {m.message_id: m for m in session.exec(select(MessageRow)).all()}
        threads = session.exec(select(func.count()).select_from(ThreadRow)).one()
    assert rows["<m3@sync.test>"].direction == "outgoing"
    assert rows["<m1@sync.test>"].direction == "incoming"
    assert rows["<m1@sync.test>"].thread_key == rows["<m3@sync.test>"].thread_key
    assert rows["<m2@sync.test>"].thread_key != rows["<m1@sync.test>"].thread_key
    assert threads == 2


def test_new_mail_in_both_folders_then_a_no_change_pass(
    imap_account: ImapAccount, store: Store
) -> None:
    imap_account.append("INBOX", mail(1))
    run_sync(imap_account, store)
    imap_account.append("INBOX", mail(2))
    imap_account.append("Sent", mail(3, sender=imap_account.address))
    report = run_sync(imap_account, store)
    assert [(f.name, f.new) for f in report.folders] == [("INBOX", 1), ("Sent", 1)]
    assert stored_ids(store) == ["<m1@sync.test>", "<m2@sync.test>", "<m3@sync.test>"]

    quiet = run_sync(imap_account, store)
    assert [(f.new, f.changed, f.vanished) for f in quiet.folders] == [(0, 0, 0), (0, 0, 0)]
    # LIST and one STATUS per folder: nothing that grows with the mailbox.
    assert quiet.round_trips == 1 + len(quiet.folders)


def test_a_folder_gone_from_the_server_or_the_configuration_after_a_sync(
    imap_account: ImapAccount, store: Store
) -> None:
    # A pass asks STATUS of the folders synced before ahead of LIST (tracker.sync's
    # _early_status): a folder deleted since is refused there, and LIST has the last word.
    client = imap_account.client()
    client.create_folder("Recruiters")
    client.logout()
    imap_account.append("Recruiters", mail(1))
    first = run_sync(imap_account, store, extra=("Recruiters",))
    assert folder_report(first, "Recruiters").new == 1
    client = imap_account.client()
    client.delete_folder("Recruiters")
    client.logout()
    with pytest.raises(MailServerError, match=r"Recruiters \(folders.extra\) do not exist"):
        run_sync(imap_account, store, extra=("Recruiters",))
    # Taken out of the configuration, it is not asked about at all.
    quiet = run_sync(imap_account, store)
    assert [f.name for f in quiet.folders] == ["INBOX", "Sent"]
    assert quiet.round_trips == 1 + len(quiet.folders)


def test_flag_changes_are_picked_up(imap_account: ImapAccount, store: Store) -> None:
    uid = imap_account.append("INBOX", mail(1))
    imap_account.append("INBOX", mail(2))
    run_sync(imap_account, store)
    client = imap_account.client()
    client.select_folder("INBOX")
    client.add_flags([uid], [b"\\Seen", b"followup-mute"])
    client.logout()
    report = run_sync(imap_account, store)
    assert folder_report(report, "INBOX").changed == 1
    with store.session() as session:
        copy = session.exec(select(MessageCopyRow).where(MessageCopyRow.uid == uid)).one()
    assert set(copy.flags) >= {"\\Seen", "followup-mute"}


def test_expunged_messages_vanish(imap_account: ImapAccount, store: Store) -> None:
    uids = [imap_account.append("INBOX", mail(n)) for n in range(1, 5)]
    run_sync(imap_account, store)
    client = imap_account.client()
    client.select_folder("INBOX")
    client.delete_messages([uids[1], uids[2]])
    client.expunge()
    client.logout()
    imap_account.append("INBOX", mail(9))  # an arrival in the same pass must not hide it
    report = run_sync(imap_account, store)
    inbox = folder_report(report, "INBOX")
    assert (inbox.new, inbox.vanished, inbox.messages) == (1, 2, 3)
    assert store.known_uids("main", "INBOX") == {uids[0], uids[3], uids[3] + 1}


def sync_with(account: ImapAccount, store: Store, *, qresync: bool) -> tuple[AccountReport, bool]:
    """One pass; with `qresync=False` the connection forgets the server offered QRESYNC (the
    fallback path, as on Gmail). Returns the report and whether QRESYNC was enabled."""
    with connect(account) as imap:
        assert "QRESYNC" in imap.capabilities  # Dovecot offers it
        if not qresync:
            imap.capabilities = imap.capabilities - {"QRESYNC"}
        report = sync_account(imap, store, now=NOW, lookback_days=180)
        return report, imap.qresync


@pytest.mark.parametrize("qresync", [True, False], ids=["qresync", "uid-diff"])
def test_expunges_are_found_with_and_without_qresync(
    imap_account: ImapAccount, store: Store, qresync: bool
) -> None:
    uids = [imap_account.append("INBOX", mail(n)) for n in range(1, 7)]
    imap_account.append("Sent", mail(20, sender=imap_account.address))
    sync_with(imap_account, store, qresync=qresync)
    client = imap_account.client()
    client.select_folder("INBOX")
    client.add_flags([uids[0]], [b"\\Flagged"])
    client.delete_messages([uids[1], uids[3]])
    client.expunge()
    client.logout()
    imap_account.append("INBOX", mail(9))
    report, enabled = sync_with(imap_account, store, qresync=qresync)
    assert enabled is qresync
    inbox = folder_report(report, "INBOX")
    assert (inbox.new, inbox.changed, inbox.vanished, inbox.messages) == (1, 1, 2, 5)
    assert store.known_uids("main", "INBOX") == {uids[0], uids[2], uids[4], uids[5], uids[5] + 1}
    kept = {m.message_id for m in store.stored_messages("main", ["subject"])}
    assert "<m2@sync.test>" not in kept and "<m4@sync.test>" not in kept
    # LIST; INBOX: STATUS, ENABLE (the connection's first SELECT), SELECT, UID SEARCH (new
    # mail), then one UID FETCH CHANGEDSINCE VANISHED with QRESYNC, or UID SEARCH MODSEQ +
    # UID FETCH FLAGS + UID SEARCH of every UID without; the same pass once new mail is
    # fetched (two FETCH commands); Sent: STATUS alone (unchanged).
    fetch_new = 2
    assert report.round_trips == 1 + 4 + fetch_new + (1 if qresync else 3) + 1

    client = imap_account.client()
    client.select_folder("INBOX")
    client.delete_messages([uids[5] + 1])
    client.expunge()
    client.logout()
    again, _ = sync_with(imap_account, store, qresync=qresync)
    assert folder_report(again, "INBOX").vanished == 1
    quiet, _ = sync_with(imap_account, store, qresync=qresync)
    assert [(f.new, f.changed, f.vanished) for f in quiet.folders] == [(0, 0, 0), (0, 0, 0)]
    assert quiet.round_trips == 1 + len(quiet.folders)  # LIST and one STATUS per folder


def test_vanished_responses_are_read_as_uid_sets() -> None:
    cases = [
        (b"(EARLIER) 41,43:45", [41, 43, 44, 45]),
        (b"5", [5]),
        (b"(EARLIER) 7:5", [5, 6, 7]),
        ("(earlier) 1,3", [1, 3]),
        (b"", []),
        (b"(EARLIER) x,2", [2]),
    ]
    for line, expected in cases:
        assert list(vanished_uids(line)) == expected, line


def test_folder_recreated_with_new_uidvalidity_has_no_duplicates(
    imap_account: ImapAccount, store: Store
) -> None:
    for n in (1, 2):
        imap_account.append("Sent", mail(n, sender=imap_account.address))
    run_sync(imap_account, store)
    before = store.get_folder_state("main", "Sent")
    client = imap_account.client()
    client.delete_folder("Sent")
    client.create_folder("Sent")
    client.logout()
    for n in (1, 2, 3):
        imap_account.append("Sent", mail(n, sender=imap_account.address))
    report = run_sync(imap_account, store)
    after = store.get_folder_state("main", "Sent")
    assert before is not None and after is not None
    assert after.uidvalidity != before.uidvalidity
    assert folder_report(report, "Sent").new == 3
    assert counts(store) == (3, 3)
    assert stored_ids(store) == ["<m1@sync.test>", "<m2@sync.test>", "<m3@sync.test>"]


def test_a_message_in_inbox_and_sent_is_stored_once(
    imap_account: ImapAccount, store: Store
) -> None:
    raw = mail(1, sender=imap_account.address, to=imap_account.address, subject="note to self")
    imap_account.append("INBOX", raw)
    imap_account.append("Sent", raw)
    run_sync(imap_account, store)
    assert counts(store) == (1, 2)


def test_a_message_without_message_id_in_inbox_and_sent_is_stored_once(
    imap_account: ImapAccount, store: Store
) -> None:
    """The INBOX copy came through the MTA (it added Return-Path and Delivered-To, header
    fields the partial fetch reads); the Sent copy is what the mail client saved. Both are
    one message: the id synthesised for them must be the same."""
    date = (NOW - timedelta(days=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    sent = (
        f"From: {imap_account.address}\r\nTo: {imap_account.address}\r\n"
        f"Subject: no id here\r\nDate: {date}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nNotes for myself.\r\n--b\r\n"
        "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{'QUJD' * 20}\r\n--b--\r\n"
    ).encode()
    delivered = (
        f"Return-Path: <{imap_account.address}>\r\nDelivered-To: {imap_account.address}\r\n"
    ).encode() + sent
    imap_account.append("INBOX", delivered)
    imap_account.append("Sent", sent)
    run_sync(imap_account, store)
    assert counts(store) == (1, 2)
    [stored] = store.stored_messages("main", ["subject"])
    assert stored.message_id.endswith("@synthesised.followup.invalid>")


def test_lookback_window_is_exact(imap_account: ImapAccount, store: Store) -> None:
    old = NOW - timedelta(days=181)
    inside = NOW - timedelta(days=179)
    imap_account.append("INBOX", mail(1, day=181), date=old)
    imap_account.append("INBOX", mail(2, day=179), date=inside)
    run_sync(imap_account, store)
    assert stored_ids(store) == ["<m2@sync.test>"]


def test_malformed_mail_is_stored_as_unparseable_and_the_rest_goes_on(
    imap_account: ImapAccount, store: Store
) -> None:
    imap_account.append("INBOX", b"\x00\x01garbage without any header\xff\xfe")
    imap_account.append("INBOX", b"Subject: =?utf-8?B?broken\r\nFrom: <<<\r\n\r\n\x80\x81")
    imap_account.append("INBOX", mail(3))
    report = run_sync(imap_account, store)
    assert folder_report(report, "INBOX").new == 3
    with store.session() as session:
        rows = session.exec(select(MessageRow).order_by(col(MessageRow.id))).all()
    assert len(rows) == 3
    assert rows[0].unparseable
    assert rows[2].message_id == "<m3@sync.test>" and rows[2].unparseable is None


def test_server_killed_mid_sync_then_resumed_stores_each_message_once(
    dovecot: PrivateDovecot,
    imap_account: ImapAccount,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tracker.sync.STORE_BATCH", FETCH_BATCH)  # a transaction per fetch
    total = FETCH_BATCH * 2 + 17
    client = imap_account.client()
    for n in range(total):
        client.append("INBOX", mail(n), msg_time=NOW - timedelta(days=1))
    client.logout()

    def kill_after_first_batch(account: str, folder: str, done: int, of: int) -> None:
        if done == FETCH_BATCH:
            dovecot.kill()

    try:
        with pytest.raises(ConnectionLost):
            run_sync(imap_account, store, progress=kill_after_first_batch)
        partial, _ = counts(store)
        assert partial == FETCH_BATCH  # the first batch was committed with its folder state
    finally:
        dovecot.restart(hard=True)
    report = run_sync(imap_account, store)
    assert folder_report(report, "INBOX").new == total - FETCH_BATCH
    assert counts(store) == (total, total)
    assert stored_ids(store) == sorted(f"<m{n}@sync.test>" for n in range(total))
    quiet = run_sync(imap_account, store)
    assert folder_report(quiet, "INBOX").new == 0


def test_wrong_password_is_a_clear_login_error(imap_account: ImapAccount) -> None:
    with pytest.raises(LoginRefused, match="refused the login") as caught:
        ImapConnection.connect(settings_for(imap_account), Secret("not-the-password"), timeout=10)
    assert "not-the-password" not in str(caught.value)


def test_refused_connection_names_the_server(imap_account: ImapAccount) -> None:

    settings = settings_for(imap_account).model_copy(
        update={"imap": settings_for(imap_account).imap.model_copy(update={"port": free_port()})}
    )
    with pytest.raises(ServerUnreachable, match="refused the connection"):
        ImapConnection.connect(settings, Secret("x"), timeout=5)


def test_sync_command_prints_the_json_contract(imap_account: ImapAccount, tmp_path: Path) -> None:
    imap_account.append("INBOX", mail(1))
    config = tmp_path / "config.yaml"
    config.write_text(
        "accounts:\n"
        "  - name: main\n"
        f"    address: {imap_account.address}\n"
        "    password_env: SYNC_TEST_PASSWORD\n"
        f"    imap: {{host: 127.0.0.1, port: {imap_account.port}, security: none}}\n"
        "    smtp: {host: 127.0.0.1, port: 2525, security: none}\n"
        f"database: sqlite:///{tmp_path / 'state.db'}\n"
    )
    env = {**os.environ, "SYNC_TEST_PASSWORD": imap_account.password}
    command = [
        sys.executable,
        "-m",
        "tracker",
        "--config",
        str(config),
        "sync",
        "--once",
        "--json",
        "--now",
        NOW.isoformat(),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"accounts", "elapsed_s"}
    [account] = document["accounts"]
    assert account["name"] == "main"
    inbox = account["folders"][0]
    assert {k: inbox[k] for k in ("name", "messages", "new", "changed", "vanished")} == {
        "name": "INBOX", "messages": 1, "new": 1, "changed": 0, "vanished": 0,
    }  # fmt: skip
    assert isinstance(inbox["uidvalidity"], int)
    assert imap_account.password not in result.stdout + result.stderr

    env["SYNC_TEST_PASSWORD"] = "wrong"
    failed = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert failed.returncode == 1
    assert "refused the login" in json.loads(failed.stdout)["accounts"][0]["error"]


def once_idling(imap: ImapConnection, action: Callable[[], object]) -> list[threading.Thread]:
    """Run `action` in a thread once the server has accepted the next IDLE: a change made
    before it (before the SELECT that precedes it) would be told by the SELECT instead."""
    started: list[threading.Thread] = []
    idle = imap.client.idle

    def idle_then_act() -> object:
        answer = idle()
        thread = threading.Thread(target=action)
        thread.start()
        started.append(thread)
        return answer

    imap.client.idle = idle_then_act  # type: ignore[method-assign]
    return started


def test_idle_reports_a_new_message_promptly(imap_account: ImapAccount) -> None:
    with connect(imap_account) as imap:
        assert imap.has_idle
        assert imap.wait_for_change("INBOX", timeout=0.5) is False  # nothing happened
        started = once_idling(imap, lambda: imap_account.append("INBOX", mail(1)))
        try:
            changed = imap.wait_for_change("INBOX", timeout=20)
        finally:
            for thread in started:
                thread.join()
        assert changed is True  # woken by the server, not by the 20 s timeout
        # The connection is usable after IDLE: the message is there.
        assert len(imap.search_uids(from_uid=1)) == 1


def test_idle_with_qresync_on_reports_an_expunge(imap_account: ImapAccount) -> None:
    uid = imap_account.append("INBOX", mail(1))

    def expunge() -> None:
        client = imap_account.client()
        client.select_folder("INBOX")
        client.delete_messages([uid])
        client.expunge()
        client.logout()

    with connect(imap_account) as imap:
        imap.select("INBOX")
        assert imap.qresync  # the server now tells expunges as "* VANISHED", not "* n EXPUNGE"
        started = once_idling(imap, expunge)
        try:
            changed = imap.wait_for_change("INBOX", timeout=20)
        finally:
            for thread in started:
                thread.join()
        assert changed is True


def test_idle_on_a_killed_server_is_a_lost_connection(
    dovecot: PrivateDovecot, imap_account: ImapAccount
) -> None:
    with connect(imap_account) as imap:
        try:
            dovecot.kill()
            with pytest.raises(ConnectionLost):
                imap.wait_for_change("INBOX", timeout=2)
        finally:
            dovecot.restart(hard=True)


def test_messages_stored_before_a_crash_are_threaded_by_the_next_pass(
    imap_account: ImapAccount, store: Store
) -> None:
    imap_account.append("INBOX", mail(1))
    imap_account.append("INBOX", mail(2, reply_to=1))
    run_sync(imap_account, store)
    with store.session() as session:  # as if the process died before grouping
        for row in session.exec(select(MessageRow)).all():
            row.thread_key = None
            session.add(row)
    assert store.unthreaded_count("main") == 2
    quiet = run_sync(imap_account, store)
    assert all(f.new == 0 for f in quiet.folders)
    assert store.unthreaded_count("main") == 0
    with store.session() as session:
        keys = set(session.exec(select(MessageRow.thread_key)).all())
    assert len(keys) == 1


def test_parallel_parsing_killed_mid_sync_then_resumed(
    dovecot: PrivateDovecot,
    imap_account: ImapAccount,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small batches so a small mailbox takes the two-process path; two fetches are stored
    # in each transaction.
    monkeypatch.setattr("tracker.sync.FETCH_BATCH", 5)
    monkeypatch.setattr("tracker.sync.PARALLEL_FROM_BATCHES", 2)
    monkeypatch.setattr("tracker.sync.STORE_BATCH", 10)
    # The first transaction is committed once PARSE_AHEAD more batches were fetched (and
    # handed to the parsing process): after it, four batches are still to fetch.
    total = 5 * (2 + PARSE_AHEAD + 4) - 2
    client = imap_account.client()
    for n in range(total):
        client.append("INBOX", mail(n), msg_time=NOW - timedelta(days=1))
    client.logout()

    reported: list[int] = []

    def kill_after_two_batches(account: str, folder: str, done: int, of: int) -> None:
        reported.append(done)
        if done == 10:
            dovecot.kill()

    try:
        with pytest.raises(ConnectionLost):
            run_sync(imap_account, store, progress=kill_after_two_batches)
        assert reported == [10]  # nothing was committed after the first fetch alone
        assert counts(store) == (10, 10)
    finally:
        dovecot.restart(hard=True)
    report = run_sync(imap_account, store)
    assert folder_report(report, "INBOX").new == total - 10
    assert stored_ids(store) == sorted(f"<m{n}@sync.test>" for n in range(total))
    assert counts(store) == (total, total)


def test_only_the_text_and_calendar_parts_are_fetched(imap_account: ImapAccount) -> None:
    attachment = b"QUJD" * 100_000  # 400 KB of "attachment"
    imap_account.append("INBOX", WHOLE.replace(b"QUJD" * 2000, attachment))
    imap_account.append("INBOX", mail(2))
    with connect(imap_account) as imap:
        imap.select("INBOX")
        plain, mixed = sorted(imap.fetch(imap.search_uids()), key=lambda m: len(m.raw))
    assert b"QUJD" not in mixed.raw and len(mixed.raw) < 2000
    assert mixed.size > len(attachment)  # RFC822.SIZE still tells the whole size
    whole = parse_message(WHOLE, ["me@followup.test"])
    partial = parse_message(mixed.raw, ["me@followup.test"])
    assert (partial.message_id, partial.text) == (whole.message_id, whole.text)
    assert [e.uid for e in partial.calendar] == ["ev1"]
    assert parse_message(plain.raw).new_text == "body 2"


def test_threads_that_lose_a_message_are_grouped_again(
    imap_account: ImapAccount, store: Store
) -> None:
    # One subject 40 days apart each: the middle message alone joins the first and the last.
    uids = [
        imap_account.append("INBOX", mail(n, subject="Interview", day=day))
        for n, day in ((1, 100), (2, 60), (3, 20))
    ]
    run_sync(imap_account, store)
    assert len(store.thread_keys("main")) == 1
    client = imap_account.client()
    client.select_folder("INBOX")
    client.delete_messages([uids[1]])
    client.expunge()
    client.logout()
    run_sync(imap_account, store)
    grouped = {m.message_id: m.thread_key for m in store.stored_messages("main", ["subject"])}
    assert set(grouped) == {"<m1@sync.test>", "<m3@sync.test>"}
    assert grouped["<m1@sync.test>"] != grouped["<m3@sync.test>"]
    assert set(store.thread_keys("main")) == set(grouped.values())
