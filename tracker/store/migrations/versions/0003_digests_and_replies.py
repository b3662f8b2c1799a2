"""The digest emails, the drafts each offered (with single-use tokens) and processed replies.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:27:41.590638
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "digest_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("body_hash", sa.String(), nullable=False),
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_offers")),
        sa.UniqueConstraint("digest_id", "code", name=op.f("uq_digest_offers_digest_id_code")),
    )
    with op.batch_alter_table("digest_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_offers_digest_id"), ["digest_id"], unique=False)

    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.String(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("to_address", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_digests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("digest_id", name=op.f("uq_digests_digest_id")),
    )
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digests_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_digests_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "processed_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("digest_id", sa.String(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_processed_replies_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_replies")),
        sa.UniqueConstraint(
            "account_id", "message_id", name=op.f("uq_processed_replies_account_id_message_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("processed_replies")
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digests_sent_at"))
        batch_op.drop_index(batch_op.f("ix_digests_message_id"))

    op.drop_table("digests")
    with op.batch_alter_table("digest_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_offers_digest_id"))

    op.drop_table("digest_offers")
