"""Developer tool: draft the next Alembic revision from the difference models.py makes.

    .venv/bin/python -m tracker.store.revise "add drafts table"

migrates a scratch SQLite database to the current head, compares it with
`tracker.store.models`, and writes `migrations/versions/NNNN_<slug>.py` (NNNN = the next
number). Read and finish the draft by hand (autogenerate misses renames, partial-index
WHERE clauses and data moves), keep it frozen once released, then add seed rows for it in
`tests/test_migrations.py::SEED_ROWS` so its upgrade is tested with data.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from tracker.store.db import alembic_config, create_store_engine, parse_target, upgrade


def next_revision_id(script: ScriptDirectory) -> str:
    """The next four-digit revision number after the existing ones."""
    numbers = [int(rev.revision) for rev in script.walk_revisions() if rev.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def draft_revision(message: str) -> Path:
    """Write the draft of the next revision and return its path."""
    with tempfile.TemporaryDirectory() as scratch:
        target = parse_target(f"sqlite:///{scratch}/scratch.db")
        engine = create_store_engine(target)
        try:
            upgrade(engine, target)
            with engine.begin() as connection:
                config = alembic_config(connection)
                rev_id = next_revision_id(ScriptDirectory.from_config(config))
                script = command.revision(config, message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write('usage: python -m tracker.store.revise "what the revision does"\n')
        return 2
    sys.stdout.write(f"{draft_revision(args[0])}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
