"""The approval queue (queue_items) and each thread's last analysis and policy verdict.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:59:00.225856
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# Frozen copy of models.ACTIVE_STATES as it was in this revision.
ACTIVE = sa.text("state IN ('proposed', 'queued', 'approved', 'sending', 'snoozed')")


def upgrade() -> None:
    op.create_table(
        "queue_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("thread_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("to_name", sa.String(), nullable=False),
        sa.Column("to_address", sa.String(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.String(), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_hash", sa.String(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("approved_hash", sa.String(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_queue_items_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_items")),
        sa.UniqueConstraint(
            "account_id",
            "thread_key",
            "basis",
            name=op.f("uq_queue_items_account_id_thread_key_basis"),
        ),
        sa.UniqueConstraint("code", name=op.f("uq_queue_items_code")),
    )
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_items_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_queue_items_thread_key"), ["thread_key"], unique=False)
        batch_op.create_index(
            "uq_queue_items_account_id_thread_key_active",
            ["account_id", "thread_key"],
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )

    with op.batch_alter_table("threads", schema=None) as batch_op:
        # Existing threads have not been analysed yet: empty objects until the next pass.
        batch_op.add_column(
            sa.Column("facts", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("step", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_column("analysed_at")
        batch_op.drop_column("step")
        batch_op.drop_column("facts")

    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_queue_items_account_id_thread_key_active",
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )
        batch_op.drop_index(batch_op.f("ix_queue_items_thread_key"))
        batch_op.drop_index(batch_op.f("ix_queue_items_state"))

    op.drop_table("queue_items")
