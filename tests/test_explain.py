"""`followup explain`: reasons, facts, timeline, and the mail threads of one hiring process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.servers import ImapAccount
from tracker.analysis import analyse_account, process_around
from tracker.config import Settings
from tracker.explain import explain, lines
from tracker.mail.partial import FetchedMessage
from tracker.store import FolderState, Store, open_store
from tracker.sync import parse_batch, thread_pass
from tracker.understand.facts import thread_facts

SAMPLE = Path(__file__).resolve().parents[1] / "tracker" / "samples" / "mailbox"


def followup(config: Path, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "EXPLAIN_PASSWORD": password, "COLUMNS": "300"},
    )


def test_explain_a_synced_hiring_thread(imap_account: ImapAccount, tmp_path: Path) -> None:
    # The sample mailbox's owner is alex@example.com; here that is an alias of the test user.
    for path in sorted(SAMPLE.glob("*.eml")):
        raw = path.read_bytes()
        folder = "Sent" if raw.startswith(b"From: Alex Morgan <alex@example.com>") else "INBOX"
        imap_account.append(folder, raw)
    config = tmp_path / "config.yaml"
    config.write_text(
        "accounts:\n"
        "  - name: main\n"
        f"    address: {imap_account.address}\n"
        "    aliases: [alex@example.com]\n"
        "    password_env: EXPLAIN_PASSWORD\n"
        f"    imap: {{host: 127.0.0.1, port: {imap_account.port}, security: none}}\n"
        "    smtp: {host: 127.0.0.1, port: 2525, security: none}\n"
        f"database: sqlite:///{tmp_path / 'state.db'}\n"
        "sync: {lookback_days: 3650}\n"
    )
    synced = followup(config, imap_account.password, "sync", "--json")
    assert synced.returncode == 0, synced.stderr
    assert sum(f["new"] for f in json.loads(synced.stdout)["accounts"][0]["folders"]) == 9

    scan = subprocess.run(
        [sys.executable, "-m", "tracker", "scan", str(SAMPLE), "--me", "alex@example.com",
         "--json"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    northwind = json.loads(scan.stdout)["threads"][0]

    result = followup(config, imap_account.password, "explain", northwind["thread_id"][:8])
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "a hiring thread" in text
    assert "interview invite" in text  # the reason, as detect wrote it
    assert "interview: 2026-11-03T14:00:00+01:00 (from <nw-invite-1@northwindlabs.com>)" in text
    assert "thank-you: 2026-11-04T09:05:12+01:00 (<alex-thanks-1@example.com>)" in text
    assert "'by the end of next week' → 2026-11-13 (from <nw-timeline-1@northwindlabs.com>)" in text
    assert "(automatic)" in text
    assert text.count("<") >= 5  # every message of the thread is listed with its id

    missing = followup(config, imap_account.password, "explain", "t-nope")
    assert missing.returncode == 2
    assert "no thread 't-nope'" in missing.stderr


def _mail(number: int, sender: str, to: str, day: int, subject: str, body: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: {day:02d} Nov 2026 10:00:00 +0100\r\nMessage-ID: <x{number}@example.org>\r\n"
        f"\r\n{body}\r\n"
    ).encode()


def _analysed(
    tmp_path: Path, owner: str, mails: list[bytes]
) -> tuple[Settings, Store, dict[str, str], datetime]:
    """A store holding `mails`, threaded and analysed; its threads' keys by subject."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    settings = Settings.model_validate({
        "accounts": [{
            "name": "main", "address": owner, "password_env": "UNUSED",
            "imap": {"host": "127.0.0.1", "security": "none"},
            "smtp": {"host": "127.0.0.1", "security": "none"},
        }],
        "database": url,
    })  # fmt: skip
    account = settings.accounts[0]
    store = open_store(url)
    store.upsert_account("main", "imap", owner)
    when = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    fetched = [
        FetchedMessage(uid=i + 1, raw=raw, size=len(raw), flags=(), internaldate=when)
        for i, raw in enumerate(mails)
    ]
    state = FolderState(name="INBOX", role="inbox", uidvalidity=1, uidnext=len(mails) + 1)
    store.save_folder_batch("main", state, parse_batch((owner,), fetched))
    thread_pass(store, account)
    analyse_account(settings, store, account, now=when)
    return settings, store, {t.subject: t.thread_key for t in store.threads("main")}, when


def test_explain_names_the_mail_threads_of_one_process(tmp_path: Path) -> None:
    """An invitation answered by phone and a thank-you written as a new message: two mail
    threads, one process, followed in the thank-you's thread; explain says so for both."""
    owner, dana = "alex@example.com", "dana@northwind.example"
    mails = [
        _mail(1, dana, owner, 2, "Interview - Data Engineer",
              "We would like to invite you to an interview for the Data Engineer role on "
              "Tuesday at 2pm."),
        _mail(2, owner, dana, 10, "Thank you",
              "Thank you for taking the time to meet with me today. I enjoyed our "
              "conversation about the team."),
    ]  # fmt: skip
    settings, store, keys, when = _analysed(tmp_path, owner, mails)
    invite_key, thanks_key = keys["Interview - Data Engineer"], keys["Thank you"]

    followed = "\n".join(lines(explain(settings, store, thanks_key, when)))
    assert "a hiring thread" in followed
    assert f"one hiring process across 2 mail threads, followed in {thanks_key}:" in followed
    assert f"  {invite_key}: 'Interview - Data Engineer' (1 message)" in followed
    assert f"[{invite_key[:8]}] ← {dana}" in followed  # the invitation, in the timeline

    part = "\n".join(lines(explain(settings, store, invite_key, when)))
    assert "not a hiring thread" in part
    assert f"part of the hiring process followed in thread {thanks_key}" in part
    store.close()


def test_explain_names_a_story_that_is_no_hiring_process(tmp_path: Path) -> None:
    """A podcast host's thread beside the booking of the recording: neither is tracked, and
    explain says they were read together."""
    owner, host = "alex@example.com", "brooke@devtrail.example"
    mails = [
        _mail(1, host, owner, 2, "Guest on the DevTrail podcast?",
              "Could I interview you as a guest on our podcast? We record episodes on "
              "Riverside."),
        _mail(2, owner, host, 3, "Re: Guest on the DevTrail podcast?",
              "I'd love to. Would Tuesday at 2pm work for the interview?"),
        _mail(3, host, owner, 4, "DevTrail interview: Tuesday",
              "Your interview for DevTrail is confirmed for Tuesday at 2pm. See you then!"),
    ]  # fmt: skip
    settings, store, keys, when = _analysed(tmp_path, owner, mails)
    assert not any(t.is_interview for t in store.threads("main"))
    booking = keys["DevTrail interview: Tuesday"]
    alone, story = process_around(store, settings.accounts[0], booking)
    assert thread_facts(alone, frozenset({owner}), "US").is_interview  # alone it looks like one
    assert story is not None and not story.hiring
    text = "\n".join(lines(explain(settings, store, booking, when)))
    assert "one story across 2 mail threads, no hiring process of yours:" in text
    store.close()
