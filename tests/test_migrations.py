"""Migrations: every revision upgrades with its data kept, and the models match the schema.

A new revision must add its seed rows to SEED_ROWS (rows written in that revision's schema,
and SQL that finds them again at head): `test_every_revision_is_seeded` insists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, Integer, MetaData, text

from tracker.store import FolderState, open_store
from tracker.store.db import (
    SCHEMA_HEAD,
    DatabaseTarget,
    alembic_config,
    create_store_engine,
    parse_target,
    upgrade,
)
from tracker.store.models import metadata
from tracker.store.revise import next_revision_id


@dataclass(frozen=True)
class Seed:
    """Rows written right after upgrading to a revision, and how to find them at head."""

    inserts: tuple[str, ...]
    checks: tuple[tuple[str, list[tuple[object, ...]]], ...]  # query, expected rows


SEED_ROWS: dict[str, Seed] = {
    "0001": Seed(
        inserts=(
            "INSERT INTO accounts (id, name, provider, address) "
            "VALUES (1, 'main', 'gmail', 'alex@example.com')",
            "INSERT INTO folders (id, account_id, name, role, uidvalidity, uidnext, "
            "highestmodseq, message_count, last_synced_at) VALUES (1, 1, 'INBOX', 'inbox', "
            "4294967295, 120, 9007199254740993, 119, '2024-11-04 08:00:00.000000')",
            "INSERT INTO messages (id, account_id, message_id, gm_msgid, gm_thrid, thread_key, "
            'in_reply_to, "references", subject, from_address, date_utc, date_offset_minutes, '
            "direction, is_auto_reply, unparseable, facts, first_seen_at) VALUES (1, 1, "
            "'<inv@acme.example>', 1781234567890123456, 1781234567890000000, "
            "'gm:1781234567890000000', "
            "'', '', 'Interview invitation', 'recruiter@acme.example', "
            "'2024-11-01 21:05:00.000000', -300, 'incoming', 0, NULL, '{\"company\":\"Acme\"}', "
            "'2024-11-04 08:00:00.000000')",
            "INSERT INTO message_copies (id, message_row_id, folder_id, uidvalidity, uid, flags, "
            "labels) VALUES (1, 1, 1, 4294967295, 119, '[\"\\\\Seen\"]', '[\"Jobs\"]')",
            "INSERT INTO threads (id, account_id, thread_key, subject, first_message_at, "
            "last_message_at, is_interview, score, outcome, stopped_at, muted_until) VALUES "
            "(1, 1, 'gm:1781234567890000000', 'Interview invitation', "
            "'2024-11-01 21:05:00.000000', '2024-11-01 21:05:00.000000', 1, 0.9, 'open', "
            "NULL, NULL)",
            "INSERT INTO events (id, at, account_id, thread_key, kind, message, facts) VALUES "
            "(1, '2024-11-04 08:00:00.000000', 1, 'gm:1781234567890000000', 'thread_found', "
            "'an interview invitation from Acme', '{\"score\":0.9}')",
        ),
        checks=(
            (
                "SELECT name, provider, address FROM accounts",
                [("main", "gmail", "alex@example.com")],
            ),
            (
                "SELECT message_id, gm_msgid, date_offset_minutes FROM messages WHERE id = 1",
                [("<inv@acme.example>", 1781234567890123456, -300)],
            ),
            ("SELECT uidvalidity, uid FROM message_copies", [(4294967295, 119)]),
            (
                "SELECT thread_key, is_interview, outcome FROM threads",
                [("gm:1781234567890000000", 1, "open")],
            ),
            ("SELECT kind FROM events", [("thread_found",)]),
        ),
    ),
    "0002": Seed(
        inserts=(
            'UPDATE threads SET facts = \'{"company":"Acme"}\', step = \'{"kind":"checkin"}\' '
            "WHERE id = 1",
            "INSERT INTO queue_items (id, code, account_id, thread_key, kind, ordinal, basis, "
            "state, due, due_offset_minutes, reason, to_name, to_address, subject, in_reply_to, "
            '"references", body, body_hash, edited, approved_hash, approved_at, snoozed_until, '
            "message_id, sending_at, sent_at, note, created_at, updated_at) VALUES (1, 'K7Q2', 1, "
            "'gm:1781234567890000000', 'checkin', 1, 'checkin1@20241104T0800Z', 'sending', "
            "'2024-11-12 17:30:00.000000', -480, '7 days since your thank-you', 'Dana', "
            "'dana@acme.example', 'Re: Interview invitation', '<inv@acme.example>', "
            "'<inv@acme.example>', 'Hi Dana,', 'abc123', 0, 'abc123', "
            "'2024-11-12 08:00:00.000000', "
            "NULL, '<m1@example.com>', '2024-11-12 17:30:00.000000', NULL, '', "
            "'2024-11-11 08:00:00.000000', '2024-11-12 17:30:00.000000')",
        ),
        checks=(
            (
                "SELECT code, state, message_id FROM queue_items",
                [("K7Q2", "sending", "<m1@example.com>")],
            ),
            ("SELECT facts FROM threads", [('{"company":"Acme"}',)]),
        ),
    ),
    "0003": Seed(
        inserts=(
            "INSERT INTO digests (id, digest_id, account_id, message_id, to_address, sent_at) "
            "VALUES (1, 'D7K2QX', 1, '<digest-1@example.com>', 'alex@example.com', "
            "'2024-11-12 07:30:00.000000')",
            "INSERT INTO digest_offers (id, digest_id, code, body_hash, token, expires_at, "
            "used_at, used_by) VALUES (1, 'D7K2QX', 'K7Q2', 'abc123', 'f00d', "
            "'2024-11-19 07:30:00.000000', NULL, NULL)",
            "INSERT INTO processed_replies (id, account_id, message_id, digest_id, "
            "processed_at, summary) VALUES (1, 1, '<reply-1@example.com>', 'D7K2QX', "
            "'2024-11-12 08:00:00.000000', 'approved K7Q2')",
            "UPDATE threads SET analysed_at = '2024-11-12 08:00:00.000000' WHERE id = 1",
        ),
        checks=(
            ("SELECT digest_id, message_id FROM digests", [("D7K2QX", "<digest-1@example.com>")]),
            ("SELECT code, used_at FROM digest_offers", [("K7Q2", None)]),
            ("SELECT summary FROM processed_replies", [("approved K7Q2",)]),
        ),
    ),
    "0004": Seed(
        # An analysis after 0004 (0003's was undone by 0004, which has every thread analysed
        # again: only an analysis fills `organisations`).
        inserts=(
            "UPDATE threads SET organisations = 'acme.example', "
            "analysed_at = '2026-12-04 08:00:00.000000' WHERE id = 1",
        ),
        checks=(("SELECT organisations FROM threads", [("acme.example",)]),),
    ),
    "0005": Seed(
        inserts=(
            # A message with recipients, for 0006 to copy out of its facts.
            "INSERT INTO messages (id, account_id, message_id, gm_msgid, gm_thrid, thread_key, "
            'in_reply_to, "references", subject, from_address, date_utc, date_offset_minutes, '
            "direction, is_auto_reply, unparseable, facts, first_seen_at) VALUES (2, 1, "
            "'<ty@example.com>', 1781234567890123457, 1781234567890000000, "
            "'gm:1781234567890000000', '<inv@acme.example>', '<inv@acme.example>', "
            "'Re: Interview invitation', 'alex@example.com', '2024-11-02 09:00:00.000000', 60, "
            "'outgoing', 0, NULL, '{\"to\":[[\"Dana\",\"dana@acme.example\"]],"
            "\"cc\":[[\"\",\"hr@acme.example\"],[\"Nobody\",\"\"]],\"reply_to\":[]}', "
            "'2024-11-04 08:00:00.000000')",
        ),
        checks=(
            # 0005 has every thread analysed again (organisations gained company names): the
            # analysis made after 0004 is undone.
            ("SELECT organisations, analysed_at FROM threads", [("acme.example", None)]),
        ),
    ),
    "0006": Seed(
        inserts=(),
        checks=(
            # The recipients' addresses out of each message's facts; none for one without.
            (
                "SELECT id, recipients FROM messages ORDER BY id",
                [(1, ""), (2, "dana@acme.example\nhr@acme.example")],
            ),
        ),
    ),
}


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def revisions_oldest_first() -> list[str]:
    return [rev.revision for rev in reversed(list(script().walk_revisions()))]


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[str, DatabaseTarget, Engine]]:
    url = f"sqlite:///{tmp_path}/state.db"
    target = parse_target(url)
    engine = create_store_engine(target)
    yield url, target, engine
    engine.dispose()


def test_every_revision_is_seeded() -> None:
    assert set(revisions_oldest_first()) == set(SEED_ROWS)


def test_revisions_form_one_line() -> None:
    assert len(script().get_heads()) == 1
    assert revisions_oldest_first()[0] == "0001"
    # A database at SCHEMA_HEAD is opened without Alembic: the two must agree.
    assert script().get_heads() == [SCHEMA_HEAD]


@pytest.mark.parametrize("start", revisions_oldest_first())
def test_a_database_made_by_an_old_revision_is_upgraded_with_its_rows(
    scratch: tuple[str, DatabaseTarget, Engine], start: str
) -> None:
    url, target, engine = scratch
    applied: list[str] = []
    for revision in revisions_oldest_first():
        upgrade(engine, target, revision)
        with engine.begin() as connection:
            for statement in SEED_ROWS[revision].inserts:
                connection.exec_driver_sql(statement)
        applied.append(revision)
        if revision == start:
            break
    engine.dispose()

    with open_store(url) as store:
        with store.session() as session:
            version = session.execute(text("SELECT version_num FROM alembic_version")).all()
            assert [tuple(row) for row in version] == [tuple(script().get_heads())]
            for revision in applied:
                for query, expected in SEED_ROWS[revision].checks:
                    assert [
                        tuple(row) for row in session.connection().exec_driver_sql(query)
                    ] == expected
        # and the repository still reads what the first revision wrote
        inbox = store.get_folder_state("main", "INBOX")
        assert inbox is not None
        assert (inbox.uidvalidity, inbox.uidnext, inbox.highestmodseq) == (
            4294967295, 120, 9007199254740993,
        )  # fmt: skip
        assert [event.facts for event in store.events("gm:1781234567890000000")] == [{"score": 0.9}]


def test_the_models_match_the_migrated_schema(scratch: tuple[str, DatabaseTarget, Engine]) -> None:
    _url, target, engine = scratch
    upgrade(engine, target)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_the_comparison_notices_a_model_without_a_migration(
    scratch: tuple[str, DatabaseTarget, Engine],
) -> None:
    _url, target, engine = scratch
    upgrade(engine, target)
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["threads"].append_column(Column("checkins_sent", Integer, nullable=True))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, changed)
    assert [diff[0] for diff in differences] == ["add_column"]


def test_the_partial_unique_index_exists_after_migration(
    scratch: tuple[str, DatabaseTarget, Engine],
) -> None:
    # compare_metadata does not look at an index's WHERE clause: check it here.
    _url, target, engine = scratch
    upgrade(engine, target)
    with engine.connect() as connection:
        sql = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :name"),
            {"name": "uq_messages_account_id_message_id_without_gm_msgid"},
        ).scalar_one()
    assert "UNIQUE" in sql and "WHERE gm_msgid IS NULL" in sql


def test_downgrade_to_nothing_and_back(scratch: tuple[str, DatabaseTarget, Engine]) -> None:
    url, target, engine = scratch
    upgrade(engine, target)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    with engine.connect() as connection:
        tables = connection.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"
            )
        ).all()
    assert tables == []
    engine.dispose()
    with open_store(url) as store:
        store.upsert_account("main", "imap", "alex@example.com")
        store.save_folder_batch("main", FolderState("INBOX", "inbox", uidvalidity=1), [])
        assert store.get_folder_state("main", "INBOX") is not None


def test_next_revision_id_follows_the_newest() -> None:
    newest = max(int(revision) for revision in revisions_oldest_first())
    assert next_revision_id(script()) == f"{newest + 1:04d}"
