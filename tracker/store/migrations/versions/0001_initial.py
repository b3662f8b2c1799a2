"""The first schema: accounts, folder sync state, messages and their copies, threads, events.

Written by hand, frozen: later changes go into later revisions, never here. Types are spelled
out (not imported from tracker.store.models) so this file keeps meaning what it meant.
Datetimes are UTC (DateTime(timezone=True); SQLite stores them as text without offset).

Revision ID: 0001
Revises:
Create Date: 2024-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("name", name="uq_accounts_name"),
    )
    op.create_table(
        "folders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("uidnext", sa.BigInteger(), nullable=True),
        sa.Column("highestmodseq", sa.BigInteger(), nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_folders"),
        sa.UniqueConstraint("account_id", "name", name="uq_folders_account_id_name"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_folders_account_id_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("gm_msgid", sa.BigInteger(), nullable=True),
        sa.Column("gm_thrid", sa.BigInteger(), nullable=True),
        sa.Column("thread_key", sa.String(), nullable=True),
        sa.Column("in_reply_to", sa.Text(), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("from_address", sa.String(), nullable=False),
        sa.Column("date_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_offset_minutes", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(), nullable=False),
        sa.Column("is_auto_reply", sa.Boolean(), nullable=False),
        sa.Column("unparseable", sa.Text(), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("account_id", "gm_msgid", name="uq_messages_account_id_gm_msgid"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_messages_account_id_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_messages_account_id_thread_key", "messages", ["account_id", "thread_key"])
    op.create_index("ix_messages_account_id_message_id", "messages", ["account_id", "message_id"])
    op.create_index(
        "uq_messages_account_id_message_id_without_gm_msgid",
        "messages",
        ["account_id", "message_id"],
        unique=True,
        sqlite_where=sa.text("gm_msgid IS NULL"),
        postgresql_where=sa.text("gm_msgid IS NULL"),
    )
    op.create_table(
        "message_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_row_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_message_copies"),
        sa.UniqueConstraint(
            "folder_id", "uidvalidity", "uid", name="uq_message_copies_folder_id_uidvalidity_uid"
        ),
        sa.ForeignKeyConstraint(
            ["message_row_id"],
            ["messages.id"],
            name="fk_message_copies_message_row_id_messages",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["folder_id"],
            ["folders.id"],
            name="fk_message_copies_folder_id_folders",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_message_copies_message_row_id", "message_copies", ["message_row_id"])
    op.create_table(
        "threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("thread_key", sa.String(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("first_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_interview", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("muted_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_threads"),
        sa.UniqueConstraint("account_id", "thread_key", name="uq_threads_account_id_thread_key"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_threads_account_id_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("thread_key", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_events_account_id_accounts",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_events_thread_key_at", "events", ["thread_key", "at"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("threads")
    op.drop_table("message_copies")
    op.drop_table("messages")
    op.drop_table("folders")
    op.drop_table("accounts")
