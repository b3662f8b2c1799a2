"""Alembic's entry point for followup's migrations: runs them on the connection it is given.

`tracker.store.db` passes an open connection in `config.attributes["connection"]`, so no
alembic.ini and no URL are needed, and an in-memory SQLite database is migrated in place.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlmodel.sql.sqltypes import AutoString

from tracker.store.models import UTCDateTime, metadata


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Draft revisions in plain SQLAlchemy types, so they never import followup's code."""
    if kind == "type" and isinstance(item, AutoString):
        return "sa.String()"
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "followup's migrations run through tracker.store.open_store (or tracker.store.revise), "
        "which pass an open connection; the alembic command line alone is not supported"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: batch mode recreates the table instead.
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
