"""A `Draft` → the MIME message that goes out: headers, threading, encoding. No I/O.

The message is text/plain in UTF-8 and carries only what a personal mail client writes:
From, To, Subject, Date, Message-ID, In-Reply-To, References, MIME-Version and the content
headers. Nothing names the program that built it (no X-Mailer, no User-Agent).

The body is 7bit when it is ASCII with short lines, otherwise quoted-printable: that stays
within 7-bit transport (no reliance on the server's 8BITMIME) and keeps lines at most 78
characters, while the text itself is unchanged (an approval binds to its exact words).
"""

from __future__ import annotations

import re
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import make_msgid

from tracker.drafts import Draft, is_deliverable_address, is_usable_message_id
from tracker.understand.parse import Address

# CRLF line ends, lines of 78; header values set raw are written exactly as given, so the
# Message-IDs in In-Reply-To and References are never turned into encoded words (which
# would break threading) when one is longer than a line.
_POLICY = policy.SMTP.clone(refold_source="none")
# An address with non-ASCII characters can only travel with SMTPUTF8 (RFC 6531).
_POLICY_UTF8 = _POLICY.clone(utf8=True)

_MAX_LINE = 78
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DOMAIN = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)


def make_message_id(sender_address: str) -> str:
    """A new Message-ID on the sender's own domain: "<...@example.com>".

    Raises ValueError when the address has no usable domain.
    """
    _, at, domain = sender_address.strip().strip("<>").rpartition("@")
    domain = domain.strip().lower() if at else ""
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"the address {sender_address!r} has no usable domain") from exc
    if not domain or _DOMAIN.fullmatch(domain) is None:
        raise ValueError(f"the address {sender_address!r} has no usable domain")
    return make_msgid(domain=domain)


def _one_line(text: str) -> str:
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
    return " ".join(_CONTROL.sub(" ", text).split())


def _mailbox(address: Address) -> HeaderAddress:
    if not is_deliverable_address(address.email):
        raise ValueError(f"{address.email!r} is not an address a message can be sent to")
    local, _, domain = address.email.partition("@")
    # Given in parts, a non-ASCII local part is accepted (written under SMTPUTF8).
    return HeaderAddress(display_name=_one_line(address.name), username=local, domain=domain)


def _fold_ids(name: str, ids: tuple[str, ...]) -> str:
    """`ids` separated by spaces, folded between ids to keep lines short where possible."""
    lines = [ids[0]]
    used = len(name) + 2 + len(ids[0])
    for message_id in ids[1:]:
        if used + 1 + len(message_id) > _MAX_LINE:
            lines.append(f" {message_id}")
            used = 1 + len(message_id)
        else:
            lines[-1] += f" {message_id}"
            used += 1 + len(message_id)
    return "\n".join(lines)


def _subject_value(subject: str) -> str | None:
    """The Subject as RFC 2047 encoded words when it needs them, else None (set it plainly).

    Non-ASCII text, and ASCII that looks like an encoded word ("=?"), are encoded whole, so
    a reader decodes exactly the text given.
    """
    if subject.isascii() and "=?" not in subject:
        return None
    header = Header(subject, charset="utf-8", maxlinelen=_MAX_LINE, header_name="Subject")
    return header.encode(linesep="\n")


def compose(draft: Draft, sender: Address, message_id: str, date: datetime) -> EmailMessage:
    """The message that sends `draft` from `sender`, dated `date` (aware; its offset kept).

    Raises ValueError for a naive `date`, a Message-ID that cannot go into a header, or an
    address that is not one.
    """
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("the Date of a message needs a time zone")
    for found in (
        message_id,
        *((draft.in_reply_to,) if draft.in_reply_to else ()),
        *draft.references,
    ):
        if not is_usable_message_id(found):
            raise ValueError(f"{found!r} cannot be written as a Message-ID")
    needs_utf8 = not (sender.email.isascii() and draft.to.email.isascii())
    message = EmailMessage(policy=_POLICY_UTF8 if needs_utf8 else _POLICY)
    message["From"] = _mailbox(sender)
    message["To"] = _mailbox(draft.to)
    subject = _one_line(draft.subject)
    encoded = None if needs_utf8 else _subject_value(subject)
    if encoded is None:
        message["Subject"] = subject
    else:
        message.set_raw("Subject", encoded)
    message["Date"] = date
    message.set_raw("Message-ID", message_id)
    if draft.in_reply_to:
        message.set_raw("In-Reply-To", draft.in_reply_to)
    if draft.references:
        message.set_raw("References", _fold_ids("References", draft.references))
    long_lines = any(len(line) > _MAX_LINE for line in draft.body.splitlines())
    plain = draft.body.isascii() and not long_lines
    message.set_content(
        draft.body, subtype="plain", charset="utf-8", cte="7bit" if plain else "quoted-printable"
    )
    return message
