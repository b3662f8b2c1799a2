"""Messages keep the addresses of their recipients in a column of their own (To:, Cc: and
Reply-To:, one a line), so that the threading pass groups a whole mailbox from plain columns
instead of decoding three JSON values of every message's facts. Filled here from the facts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 22:30:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_CHUNK = 1000


def upgrade() -> None:
    # A plain ALTER TABLE, never batch mode: batch mode recreates the table on SQLite, and
    # dropping the old `messages` would cascade to every message copy.
    op.add_column(
        "messages",
        sa.Column("recipients", sa.Text(), nullable=False, server_default=sa.text("''")),
    )
    connection = op.get_bind()
    messages = sa.table(
        "messages", sa.column("id", sa.Integer), sa.column("facts", sa.Text),
        sa.column("recipients", sa.Text),
    )  # fmt: skip
    last = 0
    while True:
        # By id, a chunk at a time: a large mailbox is never held at once.
        rows = connection.execute(
            sa.select(messages.c.id, messages.c.facts)
            .where(messages.c.id > last)
            .order_by(messages.c.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        filled = [
            {"row_id": row_id, "recipients": value}
            for row_id, facts in rows
            if (value := recipients_of(facts))
        ]
        if filled:
            connection.execute(
                messages.update()
                .where(messages.c.id == sa.bindparam("row_id"))
                .values(recipients=sa.bindparam("recipients")),
                filled,
            )


def recipients_of(facts: Any) -> str:
    """The column's value from a message's facts (JSON text, or already decoded)."""
    data = json.loads(facts) if isinstance(facts, str | bytes) else facts
    if not isinstance(data, dict):
        return ""
    addresses = []
    for field in ("to", "cc", "reply_to"):
        for address in data.get(field) or ():
            if isinstance(address, list | tuple) and len(address) == 2 and address[1]:
                addresses.append(str(address[1]))
    return "\n".join(addresses)


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), for the same reason as above.
    op.execute("ALTER TABLE messages DROP COLUMN recipients")
