"""The store: a private WAL database, messages stored once, batches atomic, errors plain."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from tracker.clock import fixed_clock
from tracker.errors import StoreError
from tracker.store import (
    FolderState,
    MessageCopy,
    MessageRecord,
    Store,
    message_date,
    open_store,
    redact_url,
)
from tracker.store.db import alembic_config
from tracker.store.models import MessageRow

NOW = datetime(2024, 11, 4, 9, 30, tzinfo=UTC)
TABLES = {"accounts", "folders", "messages", "message_copies", "threads", "events"}


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1
    return heads[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path}/state.db", clock=fixed_clock(NOW)) as opened:
        opened.upsert_account("main", "imap", "Alex@Example.com")
        yield opened


def message(message_id: str = "<a1@example.com>", **changes: object) -> MessageRecord:
    fields: dict[str, object] = {
        "message_id": message_id,
        "direction": "incoming",
        "subject": "Interview on Tuesday",
        "from_address": "recruiter@acme.example",
        "date": datetime(2024, 11, 1, 16, 5, tzinfo=timezone(timedelta(hours=-5))),
        "facts": {"company": "Acme", "score": 0.8},
    }
    fields.update(changes)
    return MessageRecord(**fields)  # type: ignore[arg-type]


def count(store: Store, table: str) -> int:
    with store.session() as session:
        return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


# opening


def test_open_creates_a_private_wal_database_at_head(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "state.db"
    old_umask = os.umask(0)  # the modes must not depend on a careful umask
    try:
        store = open_store(f"sqlite:///{path}")
    finally:
        os.umask(old_umask)
    with store:
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() > 0
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert names >= TABLES | {"alembic_version"}
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]
    for companion in path.parent.glob("state.db-*"):  # -wal and -shm hold the same data
        assert mode(companion) == 0o600


def test_opening_again_changes_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    with open_store(url, clock=fixed_clock(NOW)) as store:
        store.upsert_account("main", "gmail", "alex@example.com")
        store.record_event("sync_done", "synced INBOX", account="main")
    with sqlite3.connect(tmp_path / "state.db") as raw:
        schema_before = raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    caplog.set_level(logging.INFO)
    with open_store(url) as store:
        assert [event.kind for event in store.events()] == ["sync_done"]
        assert [account.name for account in store.accounts()] == ["main"]
    with sqlite3.connect(tmp_path / "state.db") as raw:
        assert raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == (
            schema_before
        )
    assert not [r for r in caplog.records if "migrating" in r.getMessage()]
    assert not [r for r in caplog.records if r.name.startswith("alembic") and "upgrade" in r.msg]


def test_in_memory_database_works_for_tests() -> None:
    with open_store("sqlite://", clock=fixed_clock(NOW)) as store:
        store.upsert_account("main", "imap", "alex@example.com")
        store.save_folder_batch(
            "main", FolderState("INBOX", "inbox", uidvalidity=1), [(message(), MessageCopy(1))]
        )
        assert count(store, "messages") == 1


def test_existing_file_keeps_its_mode_but_a_wide_one_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.db"
    path.touch()
    path.chmod(0o644)
    with open_store(f"sqlite:///{path}"):
        pass
    assert mode(path) == 0o644
    assert any("readable by others" in r.getMessage() for r in caplog.records)


# messages stored once


@pytest.mark.parametrize("gm_msgid", [None, 1781234567890123456])
def test_a_message_in_two_folders_is_one_message_with_two_copies(
    store: Store, gm_msgid: int | None
) -> None:
    first = store.save_folder_batch(
        "main",
        FolderState("INBOX", "inbox", uidvalidity=11, uidnext=8),
        [(message(gm_msgid=gm_msgid), MessageCopy(7, flags=("\\Seen",)))],
    )
    second = store.save_folder_batch(
        "main",
        FolderState("Sent", "sent", uidvalidity=22, uidnext=4),
        [(message(gm_msgid=gm_msgid, thread_key="t-1"), MessageCopy(3))],
    )
    assert (first.new_messages, first.new_copies) == (1, 1)
    assert (second.new_messages, second.known_messages, second.new_copies) == (0, 1, 1)
    assert count(store, "messages") == 1
    with store.session() as session:
        copies = session.execute(
            text(
                "SELECT f.name, c.uidvalidity, c.uid FROM message_copies c "
                "JOIN folders f ON f.id = c.folder_id ORDER BY f.name"
            )
        ).all()
        row = session.get_one(MessageRow, 1)
    assert [tuple(c) for c in copies] == [("INBOX", 11, 7), ("Sent", 22, 3)]
    assert row.thread_key == "t-1"  # learnt from the second copy


def test_refetching_the_same_copy_refreshes_flags_without_duplicating(store: Store) -> None:
    state = FolderState("INBOX", "inbox", uidvalidity=11)
    store.save_folder_batch("main", state, [(message(), MessageCopy(7))])
    again = store.save_folder_batch("main", state, [(message(), MessageCopy(7, ("\\Seen",)))])
    assert (again.new_messages, again.new_copies) == (0, 0)
    assert (count(store, "messages"), count(store, "message_copies")) == (1, 1)
    with store.session() as session:
        flags = session.execute(text("SELECT flags FROM message_copies")).scalar_one()
    assert flags == '["\\\\Seen"]'


def test_gmail_messages_sharing_a_message_id_stay_distinct(store: Store) -> None:
    state = FolderState("[Gmail]/All Mail", "all", uidvalidity=1)
    store.save_folder_batch(
        "main",
        state,
        [(message(gm_msgid=101), MessageCopy(1)), (message(gm_msgid=102), MessageCopy(2))],
    )
    assert count(store, "messages") == 2


def test_the_database_itself_refuses_a_second_row_for_a_key(store: Store) -> None:
    insert = text(
        'INSERT INTO messages (account_id, message_id, gm_msgid, in_reply_to, "references", '
        "subject, from_address, direction, is_auto_reply, facts, first_seen_at) "
        "VALUES (1, :mid, :gm, '', '', '', '', 'incoming', 0, '{}', '2024-11-04 09:30:00')"
    )
    with store.session() as session:
        session.execute(insert, {"mid": "<x@y>", "gm": None})
    for gm in (None, 5):
        with store.session() as session:
            session.execute(insert, {"mid": "<z@y>", "gm": gm})
        with pytest.raises(StoreError, match="broke a database rule"), store.session() as session:
            session.execute(insert, {"mid": "<z@y>" if gm is None else "<other@y>", "gm": gm})
    assert count(store, "messages") == 3


# one transaction per batch


@pytest.mark.parametrize(
    "bad",
    [
        message("<bad@example.com>", date=datetime(2024, 11, 1, 16, 5)),  # naive
        message("<bad@example.com>", facts={"when": datetime(2024, 11, 1, tzinfo=UTC)}),
    ],
    ids=["naive-date", "facts-not-json"],
)
def test_a_batch_failing_midway_stores_nothing_and_keeps_the_old_state(
    store: Store, bad: MessageRecord
) -> None:
    before = FolderState("INBOX", "inbox", uidvalidity=11, uidnext=5, highestmodseq=90)
    store.save_folder_batch("main", before, [(message("<old@example.com>"), MessageCopy(4))])
    advanced = FolderState("INBOX", "inbox", uidvalidity=11, uidnext=9, highestmodseq=120)
    batch = [(message("<good@example.com>"), MessageCopy(5)), (bad, MessageCopy(6))]
    with pytest.raises(StoreError, match=r"state\.db"):
        store.save_folder_batch("main", advanced, batch)
    assert store.get_folder_state("main", "INBOX") == before
    assert count(store, "messages") == 1
    assert store.known_uids("main", "INBOX") == {4}


def test_a_new_uidvalidity_forgets_the_old_copies_but_not_the_messages(store: Store) -> None:
    store.save_folder_batch(
        "main",
        FolderState("INBOX", "inbox", uidvalidity=11),
        [(message("<a@x>"), MessageCopy(1)), (message("<b@x>"), MessageCopy(2))],
    )
    outcome = store.save_folder_batch(
        "main", FolderState("INBOX", "inbox", uidvalidity=12), [(message("<a@x>"), MessageCopy(1))]
    )
    assert outcome.dropped_copies == 2
    assert store.known_uids("main", "INBOX") == {1}
    assert count(store, "messages") == 2


def test_expunged_copies_are_removed(store: Store) -> None:
    state = FolderState("INBOX", "inbox", uidvalidity=11)
    batch = [(message(f"<{uid}@x>"), MessageCopy(uid)) for uid in (1, 2, 3)]
    store.save_folder_batch("main", state, batch)
    assert store.remove_copies("main", "INBOX", [2, 3, 99]) == 2
    assert store.known_uids("main", "INBOX") == {1}


def test_folder_state_round_trips_and_times_come_back_utc(store: Store) -> None:
    synced = datetime(2024, 11, 4, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    state = FolderState(
        "INBOX", "inbox", uidvalidity=2**32 - 1, uidnext=40, highestmodseq=2**62,
        message_count=39, last_synced_at=synced,
    )  # fmt: skip
    store.save_folder_batch("main", state, [])
    stored = store.get_folder_state("main", "INBOX")
    assert stored == state
    assert stored is not None and stored.last_synced_at is not None
    assert stored.last_synced_at.utcoffset() == timedelta(0)
    assert store.get_folder_state("main", "Archive") is None
    assert [s.name for s in store.folder_states("main")] == ["INBOX"]


def test_a_message_keeps_its_senders_offset_and_facts(store: Store) -> None:
    sent = datetime(2024, 11, 1, 16, 5, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    record = message(date=sent, in_reply_to=("<p@x>",), references=("<r@x>", "<p@x>"))
    store.save_folder_batch(
        "main", FolderState("INBOX", "inbox", uidvalidity=1), [(record, MessageCopy(1))]
    )
    with store.session() as session:
        row = session.get_one(MessageRow, 1)
    assert row.date_utc == sent and row.date_utc.tzinfo == UTC
    restored = message_date(row)
    assert restored is not None and restored.utcoffset() == timedelta(hours=5, minutes=30)
    assert (row.references, row.in_reply_to) == ("<r@x> <p@x>", "<p@x>")
    assert row.facts == {"company": "Acme", "score": 0.8}
    assert row.first_seen_at == NOW


def test_unknown_account_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="'other' is not in the database"):
        store.get_folder_state("other", "INBOX")


# events


def test_events_are_appended_and_read_back_per_thread(store: Store) -> None:
    later = NOW + timedelta(hours=2)
    store.record_event("checkin_queued", "waited 7 days", account="main", thread_key="t1",
                       facts={"due": "2024-11-11"}, at=later)  # fmt: skip
    store.record_event("thread_found", "an interview invitation", account="main", thread_key="t1")
    store.record_event("thread_found", "another", account="main", thread_key="t2")
    store.record_event("sync_failed", "IMAP login refused")
    thread_events = store.events("t1")
    assert [e.kind for e in thread_events] == ["thread_found", "checkin_queued"]  # by time
    assert thread_events[0].at == NOW and thread_events[0].at.tzinfo == UTC
    assert thread_events[1].facts == {"due": "2024-11-11"}
    assert {e.account for e in thread_events} == {"main"}
    assert len(store.events()) == 4
    assert [e.kind for e in store.events(account="main")].count("thread_found") == 2


# errors


def test_a_path_under_a_file_is_a_store_error_naming_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(StoreError) as caught:
        open_store(f"sqlite:///{blocker}/state.db")
    assert f"{blocker}/state.db" in str(caught.value)
    assert "`database` setting" in str(caught.value)


OPEN_AND_REPORT = """
import sys
from tracker.errors import StoreError
from tracker.store import open_store
try:
    open_store(sys.argv[1]).close()
except StoreError as exc:
    print(exc)
else:
    print("opened")
"""


def open_without_privileges(url: str) -> str:
    """Open `url` in a process that cannot override file permissions (root drops its caps)."""
    command = [sys.executable, "-c", OPEN_AND_REPORT, url]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
        command = [setpriv, "--bounding-set=-all", "--inh-caps=-all", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("below", ["state.db", "sub/state.db"])
def test_an_unwritable_directory_is_a_store_error_naming_the_path(
    tmp_path: Path, below: str
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        reported = open_without_privileges(f"sqlite:///{locked}/{below}")
    finally:
        locked.chmod(0o700)
    assert reported == (
        f"cannot open the database at {locked / below}: permission denied; "
        "check the `database` setting"
    )


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is a shopping list, not SQLite\n" * 200)
    with pytest.raises(StoreError, match="not a followup database") as caught:
        open_store(f"sqlite:///{path}")
    assert "Traceback" not in str(caught.value)


def test_a_database_from_a_newer_followup_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    open_store(url).close()
    with sqlite3.connect(tmp_path / "state.db") as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="newer version"):
        open_store(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://alex:s3cret-pw@127.0.0.1:1/followup",
        "postgresql+psycopg://alex:s3cret-pw@db.internal/followup",
        "nosuchdb://alex:s3cret-pw@host/followup",
        "::not a url alex:s3cret-pw@host",
    ],
)
def test_a_password_in_the_url_never_shows(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert "s3cret-pw" not in str(caught.value)
    assert "s3cret-pw" not in repr(caught.value.args)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://alex:pw@db/followup", "postgresql://alex:***@db/followup"),
        ("postgresql://alex@db/followup", "postgresql://alex@db/followup"),
        ("sqlite:////var/lib/followup/state.db", "sqlite:////var/lib/followup/state.db"),
        ("weird://alex:p@w:rd@host", "weird://alex:***@host"),
        ("postgresql://alex@db/f?password=pw&x=1", "postgresql://alex@db/f?password=***&x=1"),
        ("sqlite:////home/a@b/state.db", "sqlite:////home/a@b/state.db"),
        ("::no scheme alex:pw@host", "***@host"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
