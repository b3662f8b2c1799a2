"""Threads remember the organisations on their other side, to find one hiring process's
mail threads (tracker/understand/processes.py) without re-reading their mail.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("organisations", sa.Text(), nullable=False, server_default=sa.text("''"))
        )
    # Only an analysis fills the column: every thread is read again by the next pass.
    op.execute("UPDATE threads SET analysed_at = NULL")


def downgrade() -> None:
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_column("organisations")
