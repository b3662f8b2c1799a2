"""Approval tokens and their key: made once, private, verified in constant time."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tracker.approvals.tokens import KEY_BYTES, load_key, make_token, token_valid
from tracker.errors import StoreError


def test_the_key_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "approval.key"
    key = load_key(path)
    assert len(key) == KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_key(path) == key  # the same key at the next start


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "approval.key"
    load_key(path)
    path.chmod(0o644)
    with pytest.raises(StoreError, match=r"readable by others.*chmod 600"):
        load_key(path)


def test_a_damaged_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "approval.key"
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(StoreError, match="damaged"):
        load_key(path)


def test_a_token_binds_digest_code_and_text() -> None:
    key = bytes(range(32))
    token = make_token(key, "D7K2QX", "K7Q2", "hash-a")
    assert token_valid(key, token, "D7K2QX", "K7Q2", "hash-a")
    assert not token_valid(key, token, "D8888X", "K7Q2", "hash-a")  # another digest
    assert not token_valid(key, token, "D7K2QX", "M3X9", "hash-a")  # another draft
    assert not token_valid(key, token, "D7K2QX", "K7Q2", "hash-b")  # other words
    assert not token_valid(bytes(32), token, "D7K2QX", "K7Q2", "hash-a")  # another key
