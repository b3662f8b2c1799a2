"""Approval tokens: an HMAC over the digest, the draft and the exact text the digest offered.

The key is 32 random bytes made at first use and kept in a file readable by its owner only
(0600), beside the database (or in the state directory when the database is not a SQLite
file). Tokens never leave followup: the digest shows short codes, the store keeps the tokens,
and an approval by reply counts only when the stored token still verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from tracker.config import default_database_path
from tracker.errors import StoreError
from tracker.store import Store

KEY_BYTES = 32


def key_path(store: Store, environ: Mapping[str, str]) -> Path:
    """Where the approval key lives: beside a SQLite database, else in the state directory."""
    sqlite = store.target.sqlite_path
    folder = sqlite.parent if sqlite is not None else default_database_path(environ).parent
    return folder / "approval.key"


def load_key(path: Path) -> bytes:
    """The key at `path`, made (0600, never group- or world-readable) when missing."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return _read(path)
    except OSError as exc:
        raise StoreError(f"cannot create the approval key {path}: {exc.strerror}") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secrets.token_bytes(KEY_BYTES))
    return _read(path)


def _read(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode & 0o777
        key = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StoreError(f"cannot read the approval key {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise StoreError(
            f"the approval key {path} is readable by others (mode {mode:o}); "
            f"run `chmod 600 {path}`"
        )
    if len(key) != KEY_BYTES:
        raise StoreError(f"the approval key {path} is damaged; delete it to make a new one "
                         "(digests sent so far can then no longer be answered)")  # fmt: skip
    return key


def make_token(key: bytes, digest_id: str, code: str, body_hash: str) -> str:
    """The token of draft `code` as digest `digest_id` offered it with text `body_hash`."""
    message = f"{digest_id}\x00{code}\x00{body_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def token_valid(key: bytes, token: str, digest_id: str, code: str, body_hash: str) -> bool:
    return hmac.compare_digest(token, make_token(key, digest_id, code, body_hash))
