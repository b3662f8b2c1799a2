"""Offline mail sources: .eml files, folders of them, mbox files and Maildirs, as raw messages.

Each raw message comes with where it was found and its folder role (inbox or sent), inferred
from the Maildir folder name, a Google Takeout `X-Gmail-Labels` header, or the sender against
the owner's addresses. A file that cannot be read is yielded with its error, never dropped
silently and never fatal to the rest.
"""

from __future__ import annotations

import logging
import mailbox
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from pathlib import Path
from typing import Literal

from tracker.errors import UsageError

log = logging.getLogger(__name__)

FolderRole = Literal["inbox", "sent"]

# A message file starts with a header line ("Name: value") or an mbox "From " line; anything
# else in a folder (README, SOURCES.md, images) is not mail.
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:")
_MBOX_SUFFIXES = {".mbox", ".mbx"}
_SENT_FOLDER = re.compile(
    r"(^|[./\\])(sent|sent items|sent mail|sent messages|gesendet|envoy)", re.IGNORECASE
)
_SNIFF_BYTES = 512


@dataclass(frozen=True)
class RawMessage:
    """One message's bytes and where they came from."""

    raw: bytes
    origin: str  # a file path, "mbox-path#n" or "maildir-path/folder/key"
    folder_role: FolderRole
    read_error: str | None = None  # set when the bytes could not be read; raw is then b""


def read_sources(
    paths: Iterable[Path], owner_addresses: Iterable[str] = ()
) -> Iterator[RawMessage]:
    """Yield every message found under `paths`, in a stable order.

    Raises UsageError for a path that does not exist; everything else is yielded or logged.
    """
    owners = frozenset(address.strip().lower() for address in owner_addresses)
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder to scan.")
        yield from _read_path(path, owners)


def _read_path(path: Path, owners: frozenset[str]) -> Iterator[RawMessage]:
    if path.is_dir():
        if _is_maildir(path):
            yield from _read_maildir(path, owners)
            return
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_dir():
                yield from _read_path(child, owners)
            elif child.is_file():
                yield from _read_file(child, owners, explicit=False)
        return
    yield from _read_file(path, owners, explicit=True)


def _read_file(path: Path, owners: frozenset[str], *, explicit: bool) -> Iterator[RawMessage]:
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        yield _unreadable(str(path), exc)
        return
    suffix = path.suffix.lower()
    # An .eml file is one message even when it starts with an mbox "From " line; a file of
    # another name that starts with one is an mbox.
    if suffix in _MBOX_SUFFIXES or (suffix != ".eml" and head.startswith(b"From ")):
        yield from _read_mbox(path, owners)
        return
    if suffix != ".eml" and not _HEADER_LINE.match(head):
        if explicit:
            raise UsageError(f"{path}: not a mail file (.eml), mbox file or Maildir.")
        log.info("skipped path=%s reason=not-mail", path)
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield _unreadable(str(path), exc)
        return
    yield RawMessage(raw, str(path), _role(raw, owners, folder_hint=str(path.parent)))


def _read_mbox(path: Path, owners: frozenset[str]) -> Iterator[RawMessage]:
    try:
        box = mailbox.mbox(path, create=False)
        keys = box.keys()
    except (OSError, mailbox.Error) as exc:
        yield _unreadable(str(path), exc)
        return
    try:
        for index, key in enumerate(keys):
            origin = f"{path}#{index}"
            try:
                raw = box.get_bytes(key)
            except (OSError, mailbox.Error, KeyError) as exc:
                yield _unreadable(origin, exc)
                continue
            yield RawMessage(raw, origin, _role(raw, owners, folder_hint=""))
    finally:
        box.close()


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new"))


def _read_maildir(path: Path, owners: frozenset[str]) -> Iterator[RawMessage]:
    """A Maildir and its Maildir++ subfolders (".Sent", ".Archive", ...)."""
    folders: list[tuple[str, Path]] = [("", path)]
    folders += sorted(
        (child.name, child)
        for child in path.iterdir()
        if child.name.startswith(".") and child.is_dir() and _is_maildir(child)
    )
    for name, folder in folders:
        box = mailbox.Maildir(folder, factory=None, create=False)
        try:
            keys = sorted(box.keys())
        except OSError as exc:
            yield _unreadable(str(folder), exc)
            continue
        for key in keys:
            origin = os.path.join(str(folder), key)
            try:
                raw = box.get_bytes(key)
            except (OSError, KeyError) as exc:
                yield _unreadable(origin, exc)
                continue
            yield RawMessage(raw, origin, _role(raw, owners, folder_hint=name))


def _role(raw: bytes, owners: frozenset[str], folder_hint: str) -> FolderRole:
    if folder_hint and _SENT_FOLDER.search(folder_hint):
        return "sent"
    header_end = raw.find(b"\n\n")
    head = raw if header_end < 0 else raw[: header_end + 1]
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head)
        labels = str(headers.get("X-Gmail-Labels", ""))
        senders = getaddresses([str(value) for value in headers.get_all("From", [])])
    except (ValueError, TypeError, IndexError, LookupError):
        # Broken headers: the parser will say what is wrong; the role falls back to inbox.
        return "inbox"
    if any(label.strip().lower() == "sent" for label in labels.split(",")):
        return "sent"
    if owners and any(address.lower() in owners for _, address in senders):
        return "sent"
    return "inbox"


def _unreadable(origin: str, exc: BaseException) -> RawMessage:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    log.warning("unreadable origin=%s reason=%s", origin, reason)
    return RawMessage(b"", origin, "inbox", read_error=f"cannot read {origin}: {reason}")
