"""IMAP access for one account: connect, log in, find folders, read what understanding needs.

The only module that talks IMAP. Every library error is translated here into followup's
exception tree (`ServerUnreachable`, `ConnectionLost`, `LoginRefused`, `MailServerError`),
with the account named and the next step said.

Facts this code relies on (see DESIGN.md): imapclient 4.1 cannot `fetch("1:*")`, so UIDs are
always explicit lists from `UID SEARCH`; a UID means something only with its folder's
UIDVALIDITY; `SEARCH SINCE` matches whole days in the server's zone, so callers widen it.
"""

from __future__ import annotations

import imaplib
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timezone
from typing import Any, Literal, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.response_parser import parse_fetch_response

from tracker.config import AccountSettings, Secret
from tracker.errors import (
    ConnectionLost,
    LoginRefused,
    MailServerError,
    ServerUnreachable,
)
from tracker.mail.partial import (
    FetchedMessage,
    Node,
    UnreadableStructure,
    read_structure,
    rebuild,
    wanted_sections,
)
from tracker.understand.parse import PARTIAL_HEADER_FIELDS

log = logging.getLogger(__name__)

FolderRole = Literal["inbox", "sent", "all", "other"]
T = TypeVar("T")

# What is fetched of each message: its metadata, structure and the header fields the parser
# reads, then its text and calendar parts up to this many bytes each; never attachments.
DEFAULT_BODY_CAP = 64 * 1024
FETCH_BATCH = 250
META_ITEMS = (
    "FLAGS", "INTERNALDATE", "RFC822.SIZE", "BODYSTRUCTURE",
    f"BODY.PEEK[HEADER.FIELDS ({' '.join(f.upper() for f in PARTIAL_HEADER_FIELDS)})]",
)  # fmt: skip
WHOLE = "whole"  # the section name of "the message's first bytes" (the fallback)
_GMAIL_ITEMS = ("X-GM-MSGID", "X-GM-THRID", "X-GM-LABELS")
_SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX.Sent", "Gesendet")


@dataclass(frozen=True)
class Folder:
    """A folder followup reads, and what it is for."""

    name: str
    role: FolderRole


@dataclass(frozen=True)
class FolderStatus:
    """What SELECT says of a folder: enough to tell whether anything changed since last time."""

    uidvalidity: int
    uidnext: int | None
    exists: int
    highestmodseq: int | None


@dataclass(frozen=True)
class FolderChanges:
    """What QRESYNC says changed in a folder since a MODSEQ: new flags and expunged UIDs."""

    flags: dict[int, tuple[tuple[str, ...], tuple[str, ...]]]
    vanished: frozenset[int]


class ImapConnection:
    """One logged-in IMAP connection of one account. Use as a context manager."""

    def __init__(self, client: IMAPClient, account: AccountSettings) -> None:
        client.normalise_times = False  # keep INTERNALDATE's offset: aware datetimes
        self.client = client
        self.account = account
        self.capabilities = frozenset(
            c.decode("ascii", "replace").upper() for c in client.capabilities()
        )
        self.round_trips = 0
        self._condstore = False
        self.qresync = False  # QRESYNC enabled on this connection (set at the first SELECT)

    # lifetime

    @classmethod
    def connect(
        cls, account: AccountSettings, secret: Secret, *, timeout: float = 30.0
    ) -> ImapConnection:
        """Connect and log in as `account`; raises ServerUnreachable or LoginRefused."""
        endpoint = account.imap
        where = f"account {account.name!r}: the IMAP server {endpoint.host}:{endpoint.port}"
        try:
            client = IMAPClient(
                endpoint.host,
                port=endpoint.port,
                ssl=endpoint.security == "tls",
                ssl_context=ssl.create_default_context(),
                timeout=timeout,
            )
        except socket.gaierror as exc:
            raise ServerUnreachable(
                f"{where} cannot be found (DNS: {exc.strerror}); check imap.host."
            ) from None
        except ConnectionRefusedError:
            raise ServerUnreachable(
                f"{where} refused the connection; check imap.port and imap.security."
            ) from None
        except ssl.SSLError as exc:
            raise ServerUnreachable(_tls_problem(where, exc)) from None
        except TimeoutError:
            raise ServerUnreachable(f"{where} did not answer within {timeout:.0f} s.") from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ServerUnreachable(f"{where} could not be reached: {exc}.") from None
        try:
            if endpoint.security == "starttls":
                try:
                    client.starttls(ssl.create_default_context())
                except ssl.SSLError as exc:
                    raise ServerUnreachable(_tls_problem(where, exc)) from None
                except (IMAPClientError, imaplib.IMAP4.error) as exc:
                    raise ServerUnreachable(
                        f"{where} does not offer STARTTLS ({exc}); try security: tls."
                    ) from None
            _login(client, account, secret, where)
            connection = cls(client, account)
        except BaseException:
            _close_quietly(client)
            raise
        log.info("imap login account=%s host=%s", account.name, endpoint.host)
        return connection

    def close(self) -> None:
        _close_quietly(self.client)

    def __enter__(self) -> ImapConnection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # what the server offers

    @property
    def is_gmail(self) -> bool:
        return "X-GM-EXT-1" in self.capabilities

    @property
    def has_condstore(self) -> bool:
        return "CONDSTORE" in self.capabilities or "QRESYNC" in self.capabilities

    @property
    def has_qresync(self) -> bool:
        return "QRESYNC" in self.capabilities and "ENABLE" in self.capabilities

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities

    # folders

    def folders_to_sync(self) -> list[Folder]:
        """Gmail: All Mail alone (it holds sent and received mail). Elsewhere: the inbox, the
        Sent folder and the configured extra folders. Found by special-use flag first."""
        listing = self._call("LIST", self.client.list_folders)
        names = {str(name) for _flags, _delim, name in listing}
        by_flag = {
            flag.decode("ascii", "replace").lower(): str(name)
            for flags, _delim, name in listing
            for flag in flags
        }
        settings = self.account.folders
        if self.is_gmail and settings.inbox is None and settings.sent is None:
            all_mail = by_flag.get("\\all")
            if all_mail is None:
                raise MailServerError(
                    f"account {self.account.name!r}: Gmail's All Mail folder is hidden from "
                    "IMAP; show it in Gmail's settings (Labels → Show in IMAP)."
                )
            return [Folder(all_mail, "all"), *self._extra(names)]
        inbox = settings.inbox or "INBOX"
        sent = settings.sent or by_flag.get("\\sent") or _first_present(_SENT_NAMES, names)
        if inbox not in names and inbox.upper() != "INBOX":
            raise MailServerError(
                f"account {self.account.name!r}: the folder {inbox!r} (folders.inbox) does "
                "not exist on the server."
            )
        if sent is None or sent not in names:
            raise MailServerError(
                f"account {self.account.name!r}: no Sent folder found (none is flagged \\Sent "
                "and none has a usual name); name it in folders.sent."
            )
        return [Folder(inbox, "inbox"), Folder(sent, "sent"), *self._extra(names)]

    def _extra(self, names: set[str]) -> list[Folder]:
        missing = [name for name in self.account.folders.extra if name not in names]
        if missing:
            raise MailServerError(
                f"account {self.account.name!r}: the folder(s) {', '.join(missing)} "
                "(folders.extra) do not exist on the server."
            )
        return [Folder(name, "other") for name in self.account.folders.extra]

    def status(self, folder: str) -> FolderStatus:
        """STATUS of `folder` without opening it: the cheap "did anything change?" question.

        (Dovecot answers SELECT with CONDSTORE on in time that grows with the folder; STATUS
        costs the same at any size.)
        """
        items = ["UIDVALIDITY", "UIDNEXT", "MESSAGES"]
        if self.has_condstore:
            items.append("HIGHESTMODSEQ")
        reply = self._call("STATUS", lambda: self.client.folder_status(folder, items))
        return self._folder_status(reply, count=b"MESSAGES")

    def select(self, folder: str) -> FolderStatus:
        """Open `folder` read-only; with CONDSTORE on, SELECT also gives HIGHESTMODSEQ."""
        if self.has_condstore and not self._condstore:
            if "ENABLE" in self.capabilities:
                # QRESYNC implies CONDSTORE (RFC 7162 3.2.3) and adds VANISHED.
                wanted = "QRESYNC" if self.has_qresync else "CONDSTORE"
                enabled = self._call("ENABLE", lambda: self.client.enable(wanted))
                self.qresync = wanted == "QRESYNC" and b"QRESYNC" in {e.upper() for e in enabled}
            self._condstore = True
        reply = self._call("SELECT", lambda: self.client.select_folder(folder, readonly=True))
        # Expunges reported while another folder was selected are that folder's, not this one's.
        self.client._imap.untagged_responses.pop("VANISHED", None)
        return self._folder_status(reply, count=b"EXISTS")

    def _folder_status(self, reply: dict[bytes, Any], *, count: bytes) -> FolderStatus:
        modseq = reply.get(b"HIGHESTMODSEQ")
        uidnext = reply.get(b"UIDNEXT")
        return FolderStatus(
            uidvalidity=int(reply[b"UIDVALIDITY"]),
            uidnext=int(uidnext) if uidnext is not None else None,
            exists=int(reply.get(count, 0)),
            highestmodseq=int(modseq) if modseq is not None and self.has_condstore else None,
        )

    # reading

    def search_uids(self, *, from_uid: int = 1, since: date | None = None) -> list[int]:
        """The UIDs of the selected folder at or above `from_uid` (and SINCE `since`)."""
        criteria: list[Any] = ["UID", f"{from_uid}:*"]
        if since is not None:
            criteria += ["SINCE", since]
        uids = self._call("UID SEARCH", lambda: self.client.search(criteria))
        # "n:*" always matches the highest UID, even one below n: filter (RFC 3501 6.4.8).
        return sorted(uid for uid in uids if uid >= from_uid)

    def changed_since(self, modseq: int) -> list[int]:
        """UIDs whose flags or labels changed after `modseq` (CONDSTORE `SEARCH MODSEQ`)."""
        uids = self._call("UID SEARCH", lambda: self.client.search(["MODSEQ", str(modseq + 1)]))
        return sorted(uids)

    def changes_since(self, modseq: int, last_uid: int) -> FolderChanges:
        """QRESYNC (enabled): what happened to UIDs 1..`last_uid` of the selected folder after
        `modseq`, in one round trip: `UID FETCH 1:n (FLAGS) (CHANGEDSINCE m VANISHED)` answers
        with the flags of the changed messages and `VANISHED (EARLIER)` for the expunged ones
        (RFC 7162 3.2.6). imapclient has no helper for it (nor for VANISHED), so the command
        goes through imaplib, as imapclient's own `fetch` does.
        """
        items = "(FLAGS X-GM-LABELS)" if self.is_gmail else "(FLAGS)"
        imap = self.client._imap

        def run() -> FolderChanges:
            tag = imap._command(
                "UID", "FETCH", f"1:{last_uid}", items, f"(CHANGEDSINCE {modseq} VANISHED)"
            )
            typ, data = imap._command_complete("FETCH", tag)
            if typ != "OK":
                raise IMAPClientError(f"UID FETCH failed: {_text(Exception(data))}")
            _typ, fetched = imap._untagged_response(typ, data, "FETCH")
            vanished = imap.untagged_responses.pop("VANISHED", [])
            # Keyed by sequence number: an unsolicited FETCH without a UID is skipped, never
            # taken for the message whose UID equals its sequence number.
            parsed = parse_fetch_response([f for f in fetched if f is not None], False, False)
            return FolderChanges(
                flags={
                    d[b"UID"]: (_strings(d.get(b"FLAGS", ())), _strings(d.get(b"X-GM-LABELS", ())))
                    for d in parsed.values()
                    if isinstance(d.get(b"UID"), int) and d[b"UID"] <= last_uid and b"FLAGS" in d
                },
                vanished=frozenset(
                    uid for line in vanished for uid in vanished_uids(line) if uid <= last_uid
                ),
            )

        return self._call("UID FETCH", run)

    def fetch(
        self, uids: Sequence[int], *, body_cap: int = DEFAULT_BODY_CAP
    ) -> list[FetchedMessage]:
        """Fetch `uids` (an explicit list): what understanding reads of each, never more.

        First the metadata, the BODYSTRUCTURE and the header fields the parser reads; then the
        text and calendar parts, up to `body_cap` bytes each, one command per distinct set of
        sections (mail of one kind shares one: a batch takes two or three commands). Each
        message is rebuilt as a compact MIME message of those pieces (`tracker.mail.partial`).
        A message whose structure or header cannot be read this way is fetched as its first
        `body_cap` bytes instead, as a whole-message reader would see it.
        """
        if not uids:
            return []
        items = [*META_ITEMS, *(_GMAIL_ITEMS if self.is_gmail else ())]
        reply = self._fetch_items(uids, items)
        plans: dict[int, tuple[Node, bytes] | None] = {}
        groups: dict[tuple[str, ...], list[int]] = {}
        for uid in uids:
            data = reply.get(uid)
            if data is None:
                continue  # expunged between SEARCH and FETCH
            plans[uid] = plan = fetch_plan(data)
            sections = wanted_sections(plan[0]) if plan is not None else (WHOLE,)
            if sections:
                groups.setdefault(sections, []).append(uid)
        parts: dict[int, dict[bytes, Any]] = {}
        for sections, members in groups.items():
            answer = self._fetch_items(members, part_items(sections, body_cap))
            for uid, data in answer.items():
                parts.setdefault(uid, {}).update(data)
        fetched = []
        for uid, plan in plans.items():
            pieces = _sections(parts.get(uid, {}))
            raw = pieces.get(WHOLE, b"") if plan is None else rebuild(plan[1], plan[0], pieces)
            fetched.append(_fetched(uid, reply[uid], raw))
        return fetched

    def _fetch_items(
        self, uids: Sequence[int], items: Sequence[str]
    ) -> dict[int, dict[bytes, Any]]:
        return self._call("UID FETCH", lambda: self.client.fetch(list(uids), list(items)))

    def flags(self, uids: Sequence[int]) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
        """Flags and (Gmail) labels of `uids`."""
        if not uids:
            return {}
        items = ["FLAGS", *(("X-GM-LABELS",) if self.is_gmail else ())]
        reply = self._call("UID FETCH", lambda: self.client.fetch(list(uids), items))
        return {
            uid: (_strings(data.get(b"FLAGS", ())), _strings(data.get(b"X-GM-LABELS", ())))
            for uid, data in reply.items()
        }

    # the copy of what followup sent

    def sent_folder(self) -> Folder:
        """Where the account's sent mail is kept: All Mail on Gmail, else the Sent folder."""
        folders = self.folders_to_sync()
        return next(f for f in folders if f.role in {"all", "sent"})

    def holds_message_id(self, folder: str, message_id: str) -> bool:
        """True when `folder` holds a message with this Message-ID (`UID SEARCH HEADER`)."""
        self.select(folder)
        # Searching the bare id inside the header (servers match substrings) avoids how
        # servers differ on the angle brackets.
        bare = message_id.strip().strip("<>")
        uids = self._call("UID SEARCH", lambda: self.client.search(["HEADER", "Message-ID", bare]))
        return bool(uids)

    def append_sent(self, folder: str, raw: bytes, when: datetime) -> None:
        """Keep a copy of a sent message in `folder`, marked read."""
        self._call("APPEND", lambda: self.client.append(folder, raw, (b"\\Seen",), when))

    def wait_for_change(self, folder: str, timeout: float) -> bool:
        """Wait up to `timeout` seconds for `folder` to change; True when it did.

        With IDLE the server tells at once (callers re-issue it at least every 10 minutes,
        well inside the 29 the RFC allows); without IDLE this sleeps the timeout and says
        True, so the caller polls. A dropped connection raises ConnectionLost.
        """
        if not self.has_idle:
            time.sleep(timeout)
            return True
        self.select(folder)
        self._call("IDLE", self.client.idle)
        try:
            responses = self._call("IDLE", lambda: self.client.idle_check(timeout=timeout))
        finally:
            self._call("DONE", self.client.idle_done)
        if any(isinstance(r, tuple) and len(r) >= 2 and r[1] == b"BYE" for r in responses):
            raise ConnectionLost(f"account {self.account.name!r}: the server ended the session.")
        return any(
            isinstance(r, tuple)
            and len(r) >= 2
            # With QRESYNC on, an expunge is told as "* VANISHED <uids>".
            and (r[1] in (b"EXISTS", b"EXPUNGE", b"FETCH") or r[0] == b"VANISHED")
            for r in responses
        )

    def _call(self, what: str, action: Callable[[], T]) -> T:
        """Run one IMAP command, translating the library's errors into ours."""
        self.round_trips += 1
        name = self.account.name
        try:
            return action()
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            raise ConnectionLost(
                f"account {name!r}: the IMAP connection was lost during {what} ({exc}); "
                "followup will reconnect."
            ) from None
        except (IMAPClientError, imaplib.IMAP4.error) as exc:
            raise MailServerError(
                f"account {name!r}: the IMAP server refused {what}: {_text(exc)}"
            ) from None


@contextmanager
def connected(
    account: AccountSettings, secret: Secret, *, timeout: float = 30.0
) -> Iterator[ImapConnection]:
    """`with connected(account, secret) as imap:` logs in and always logs out."""
    connection = ImapConnection.connect(account, secret, timeout=timeout)
    try:
        yield connection
    finally:
        connection.close()


def _login(client: IMAPClient, account: AccountSettings, secret: Secret, where: str) -> None:
    try:
        if account.uses_oauth2:
            client.oauth2_login(account.login, secret.reveal())
        else:
            client.login(account.login, secret.reveal())
    except LoginError as exc:
        hint = (
            "Gmail needs an app password or OAuth2 (see the README)"
            if account.provider == "gmail"
            else "check the username and the password source"
        )
        raise LoginRefused(
            f"{where} refused the login of {account.login!r} ({_text(exc)}); {hint}."
        ) from None
    except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
        raise ConnectionLost(f"{where} dropped the connection during login ({exc}).") from None


def _tls_problem(where: str, exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{where} presented a certificate that cannot be trusted ({exc.verify_message})."
    return (
        f"{where} failed the TLS handshake ({exc.reason or exc}); if the server expects "
        "STARTTLS (usually port 143), set imap.security: starttls."
    )


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except (IMAPClientError, imaplib.IMAP4.error, OSError, EOFError):
        with suppress(OSError):
            client.shutdown()


def _first_present(candidates: Sequence[str], names: set[str]) -> str | None:
    lowered = {name.lower(): name for name in names}
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def fetch_plan(data: Mapping[bytes, Any]) -> tuple[Node, bytes] | None:
    """From the first FETCH of a message: its structure and header fields, or None when
    either is unusable (the message is then fetched whole, up to the cap)."""
    header = next(
        (v for k, v in data.items() if k.startswith(b"BODY[HEADER") and isinstance(v, bytes)),
        b"",
    )
    structure = data.get(b"BODYSTRUCTURE")
    if not header.strip() or not isinstance(structure, tuple):
        return None
    try:
        return read_structure(structure), header
    except UnreadableStructure:
        return None


def part_items(sections: Sequence[str], body_cap: int) -> list[str]:
    """The FETCH items of the second command: each section's first `body_cap` bytes."""
    return [f"BODY.PEEK[{'' if s == WHOLE else s}]<0.{body_cap}>" for s in sections]


def vanished_uids(line: bytes | str) -> Iterator[int]:
    """The UIDs of one VANISHED response's data: `(EARLIER) 41,43:116` or `5` (RFC 7162 3.6).

    A range may name UIDs the client never saw (the server cannot know which it did); the
    caller keeps the ones it stores.
    """
    text = line.decode("ascii", "replace") if isinstance(line, bytes) else line
    text = text.strip()
    if text.upper().startswith("(EARLIER)"):
        text = text[len("(EARLIER)") :]
    for part in text.strip().split(","):
        low, _colon, high = part.strip().partition(":")
        if not low.isdigit() or (high and not high.isdigit()):
            continue
        first, last = sorted((int(low), int(high or low)))
        yield from range(first, last + 1)


def _sections(data: Mapping[bytes, Any]) -> dict[str, bytes]:
    """`BODY[1.2]<0>` → "1.2"; `BODY[]<0>` → WHOLE."""
    found = {}
    for key, value in data.items():
        if key.startswith(b"BODY[") and isinstance(value, bytes):
            section = key[5 : key.index(b"]")].decode("ascii", "replace")
            found[section or WHOLE] = value
    return found


def _fetched(uid: int, data: dict[bytes, Any], raw: bytes) -> FetchedMessage:
    internaldate = data.get(b"INTERNALDATE")
    msgid, thrid = data.get(b"X-GM-MSGID"), data.get(b"X-GM-THRID")
    return FetchedMessage(
        uid=uid,
        raw=raw,
        size=int(data.get(b"RFC822.SIZE", len(raw))),
        flags=_strings(data.get(b"FLAGS", ())),
        internaldate=_plain_offset(internaldate) if isinstance(internaldate, datetime) else None,
        gm_msgid=int(msgid) if msgid is not None else None,
        gm_thrid=int(thrid) if thrid is not None else None,
        labels=_strings(data.get(b"X-GM-LABELS", ())),
    )


def _plain_offset(moment: datetime) -> datetime:
    """The same moment with a stdlib `timezone` (imapclient's FixedOffset cannot be pickled)."""
    offset = moment.utcoffset()
    return moment.replace(tzinfo=UTC if offset is None else timezone(offset))


def _strings(values: Sequence[Any]) -> tuple[str, ...]:
    return tuple(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values)


def _text(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text
