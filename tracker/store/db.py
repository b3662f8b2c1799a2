"""Opening the database: the file (created private), the engine, its pragmas, and migrations.

The one place where SQLAlchemy, Alembic and OS errors become `StoreError`s: a sentence that
names the database (its password redacted) and says what to do, never a traceback.

SQLite (the default) is opened in WAL mode with foreign keys on and a busy timeout, and every
transaction starts with `BEGIN IMMEDIATE`: the daemon and a CLI command may write at the same
time, and taking the write lock up front makes the second one wait (busy_timeout) instead of
failing half-way when a read transaction tries to become a write transaction.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.pool import StaticPool

from tracker.errors import StoreError
from tracker.store.records import encode_json

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

# The newest revision in migrations/versions (a test keeps it equal to Alembic's head). A
# database already there is opened without importing Alembic at all: that saves the daemon
# ~11 MB of memory for the life of the process.
SCHEMA_HEAD = "0006"

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
_CHECK_SETTING = "check the `database` setting"


@dataclass(frozen=True)
class DatabaseTarget:
    """A database URL, understood: what to connect to and how to name it in messages."""

    url: URL
    shown: str  # for messages and logs: the file path, or the URL with its password hidden
    sqlite_path: Path | None  # the file, for a SQLite file database
    in_memory: bool
    password: str | None = field(default=None, repr=False)

    def scrub(self, text: str) -> str:
        """`text` with the password replaced, should a driver have echoed it (a one- or
        two-character password cannot be told from ordinary text and is left alone)."""
        secret = self.password
        return text.replace(secret, "***") if secret and len(secret) > 2 else text


def _split_password(url: str) -> tuple[str, str | None]:
    """`url` with its password replaced by ***, and the password.

    Done on the text, not by SQLAlchemy's parser, so that a password holding an unescaped
    `@` or `/`, or a URL that does not parse at all, still never shows.
    """
    url = re.sub(r"(?i)(password=)[^&]*", r"\1***", url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        rest = url
    if "@" not in rest:
        return url, None
    userinfo, _, tail = rest.rpartition("@")
    if not sep:  # not even a scheme: keep only what follows the last @
        return f"***@{tail}", userinfo
    user, colon, password = userinfo.partition(":")
    if not colon:
        return url, None
    return f"{scheme}://{user}:***@{tail}", password


def redact_url(url: str) -> str:
    """`url` with any password replaced by ***, even when the URL cannot be parsed."""
    return _split_password(url)[0]


def parse_target(url: str) -> DatabaseTarget:
    """Understand `url`; a SQLite path starting with `~` is taken relative to the home directory."""
    shown, password = _split_password(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(
            f"the database URL {shown!r} is not a valid SQLAlchemy URL; "
            f"{_CHECK_SETTING} (e.g. sqlite:////var/lib/followup/state.db)"
        ) from None
    if parsed.get_backend_name() != "sqlite":
        return DatabaseTarget(parsed, shown, None, False, password)
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        # "file:" URIs are SQLite's own business; treat them like memory: no file handling.
        return DatabaseTarget(parsed, parsed.render_as_string(), None, True)
    path = Path(database).expanduser()
    return DatabaseTarget(parsed.set(database=str(path)), str(path), path, False)


def _os_reason(exc: OSError) -> str:
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOENT: "a directory on the way does not exist",
        errno.ENOTDIR: "a part of the path is not a directory",
        errno.EISDIR: "it is a directory",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "the disk is full",
    }
    return reasons.get(exc.errno or 0, (exc.strerror or str(exc)).lower())


def _db_reason(exc: SQLAlchemyError) -> tuple[str, str]:
    """A plain reason and the next step for a database error."""
    orig = exc.orig if isinstance(exc, StatementError) else None
    detail = str(orig if orig is not None else exc).splitlines()[0] if str(exc) else ""
    low = detail.lower()
    if isinstance(exc, NoSuchModuleError) or isinstance(orig, ModuleNotFoundError):
        return "no driver for this kind of database is installed", "install it or " + _CHECK_SETTING
    if "locked" in low or "busy" in low:
        return "another process holds the database", "try again, or stop the other followup"
    if "readonly" in low or "read-only" in low:
        return "it is read-only for this user", "check the permissions of the file and directory"
    if "unable to open" in low:
        return "it cannot be opened", "check that the directory exists and is writable"
    if "not a database" in low or "malformed" in low:
        return (
            "the file is not a followup database or is damaged",
            "restore it from a backup or " + _CHECK_SETTING,
        )
    if "disk i/o" in low or "disk is full" in low:
        return "the disk failed or is full", "free some space and try again"
    if isinstance(exc, IntegrityError):
        return f"a write broke a database rule ({detail})", "report this as a bug"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return f"the connection was lost ({detail})", "try again"
    return detail or type(exc).__name__, _CHECK_SETTING


@contextmanager
def translated_errors(target: DatabaseTarget, doing: str) -> Iterator[None]:
    """Turn OS, SQLAlchemy and Alembic errors inside the block into one `StoreError`."""
    try:
        yield
    except StoreError:
        raise
    except OSError as exc:
        reason = _os_reason(exc)
        message = f"cannot {doing} the database at {target.shown}: {reason}; {_CHECK_SETTING}"
        raise StoreError(target.scrub(message)) from exc
    except SQLAlchemyError as exc:
        reason, step = _db_reason(exc)
        message = f"cannot {doing} the database at {target.shown}: {reason}; {step}"
        raise StoreError(target.scrub(message)) from exc
    except ImportError as exc:  # create_engine imports the driver named by the URL
        message = (
            f"cannot {doing} the database at {target.shown}: its driver ({exc.name}) is not "
            f"installed; install it or {_CHECK_SETTING}"
        )
        raise StoreError(target.scrub(message)) from exc
    except Exception as exc:
        if type(exc).__name__ != "CommandError":  # Alembic's, imported only when migrating
            raise
        message = f"cannot {doing} the database at {target.shown}: {exc}"
        raise StoreError(target.scrub(message)) from exc


def _create_private_file(path: Path) -> None:
    """Create `path` (and its directory) readable by the owner only, before SQLite opens it.

    The file is created by os.open with mode 0600 so there is no moment at which it exists
    with wider permissions; SQLite gives its -wal and -shm files the database file's mode.
    """
    directory = path.parent
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        os.chmod(directory, 0o700)  # mkdir's mode is narrowed by the umask, never widened
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
    finally:
        os.close(fd)
    if mode & 0o077:
        log.warning("database file readable by others path=%s mode=%o", path, mode)


def create_store_engine(target: DatabaseTarget) -> Engine:
    """An engine for `target`; for a SQLite file, the file exists (mode 0600) afterwards."""
    with translated_errors(target, "open"):
        if target.sqlite_path is not None:
            _create_private_file(target.sqlite_path)
        options: dict[str, Any] = {"json_serializer": encode_json}
        if target.in_memory:
            # One connection shared by everybody, or each would see its own empty database.
            options |= {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        elif target.sqlite_path is None:
            options["pool_pre_ping"] = True
        engine = create_engine(target.url, **options)
        if target.url.get_backend_name() == "sqlite":
            _configure_sqlite(engine, wal=not target.in_memory)
        with engine.connect() as connection:  # fail here, with a clear message, not later
            connection.exec_driver_sql("SELECT 1")
        return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling stays out of the way: SQLAlchemy's `begin`
        # event below decides how a transaction starts, so DDL is transactional too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    log.warning("SQLite refused WAL mode journal_mode=%s", mode)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for followup's migrations, without any alembic.ini."""
    from alembic.config import Config  # noqa: PLC0415 - only when migrating (see SCHEMA_HEAD)

    config = Config()
    # ConfigParser interpolation: a % in the install path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, target: DatabaseTarget, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest), in one transaction.

    Does nothing when the database is already there; refuses a database whose revision this
    followup does not know (it was written by a newer version).
    """
    if revision == "head":
        with translated_errors(target, "open"), engine.connect() as connection:
            if _current_revisions(connection) == {SCHEMA_HEAD}:
                return
    # Only when migrating (see SCHEMA_HEAD).
    from alembic import command  # noqa: PLC0415
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    with translated_errors(target, "migrate"), engine.begin() as connection:
        config = alembic_config(connection)
        script = ScriptDirectory.from_config(config)
        current = set(MigrationContext.configure(connection).get_current_heads())
        unknown = sorted(rev for rev in current if _unknown_revision(script, rev))
        if unknown:
            raise StoreError(
                f"the database at {target.shown} has schema revision {', '.join(unknown)}, "
                "which this followup does not know: it was written by a newer version; "
                "upgrade followup"
            )
        if revision == "head" and current == set(script.get_heads()):
            return
        log.info("migrating database path=%s from=%s to=%s", target.shown, current, revision)
        command.upgrade(config, revision)


def _current_revisions(connection: Connection) -> set[str]:
    """The revisions Alembic recorded in the database, read with plain SQL."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return {
        str(row[0]) for row in connection.execute(text("SELECT version_num FROM alembic_version"))
    }


def _unknown_revision(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util import CommandError  # noqa: PLC0415 - only when migrating

    try:
        return script.get_revision(revision) is None
    except CommandError:
        return True
