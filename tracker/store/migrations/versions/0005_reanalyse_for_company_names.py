"""Every thread is analysed again once: the organisations a thread remembers now include the
company names a hiring system writes under and the letters of company domains, so that an
invitation sent through Greenhouse joins the thank-you written to the company's people
(tracker/understand/processes.py). No schema change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("UPDATE threads SET analysed_at = NULL")


def downgrade() -> None:
    """Nothing to undo: the next analysis writes what the older code expects."""
