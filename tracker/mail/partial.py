"""Reading part of a message: which sections of its BODYSTRUCTURE understanding needs, and
the fetched pieces put back together as a compact MIME message the parser reads as usual.

Pure functions of what the server sent. The sections chosen mirror what the parser reads
(`tracker.understand.parse`): inline text/plain and text/html parts (in a
multipart/alternative, the plain one when there is one), calendar parts wherever they are;
never attachments, never attached messages. The rebuilt message keeps the tree's shape with
only those leaves, each under headers rebuilt from the structure (type and parameters,
transfer encoding, disposition), so the parser decodes them exactly as in the whole message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# A leaf of the structure: its section number ("1", "1.2") and what its headers would say.
_CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})
_TEXT_TYPES = frozenset({"text/plain", "text/html"})
_TOKEN = re.compile(rb"^[!#$%&'*+.0-9A-Z^_`a-z|~-]+$")


@dataclass(frozen=True)
class FetchedMessage:
    """One message as the server gave it: what understanding reads of it (the header fields,
    text and calendar parts, rebuilt as one MIME message) and its metadata."""

    uid: int
    raw: bytes
    size: int
    flags: tuple[str, ...]
    internaldate: datetime | None
    gm_msgid: int | None = None
    gm_thrid: int | None = None
    labels: tuple[str, ...] = ()


class UnreadableStructure(ValueError):
    """The BODYSTRUCTURE has a shape this module does not know: fetch the message whole."""


@dataclass(frozen=True)
class Leaf:
    section: str
    content_type: str  # "text/plain", lower case
    params: tuple[tuple[bytes, bytes], ...]
    encoding: bytes
    disposition: bytes | None  # "attachment", "inline", lower case
    disposition_params: tuple[tuple[bytes, bytes], ...]
    size: int = 0  # octets, as the server counts them


@dataclass(frozen=True)
class Multipart:
    subtype: str  # "mixed", "alternative", lower case
    params: tuple[tuple[bytes, bytes], ...]
    children: tuple[Leaf | Multipart, ...]


Node = Leaf | Multipart


def read_structure(body: Sequence[Any], section: str = "") -> Node:
    """imapclient's BODYSTRUCTURE (nested tuples and lists) → a tree of `Leaf` and `Multipart`.

    Raises UnreadableStructure when the shape is not one RFC 3501 describes.
    """
    try:
        if body and isinstance(body[0], list):
            children = tuple(
                read_structure(child, f"{section}.{n}" if section else str(n))
                for n, child in enumerate(body[0], start=1)
            )
            params = _pairs(body[2] if len(body) > 2 else None)
            if not any(key == b"boundary" for key, _ in params):
                # The server could not split it either: the parser's repairs need the bytes.
                raise UnreadableStructure("a multipart without a boundary")
            node = Multipart(_lower(body[1]), params, children)
            if not section and not any(leaf.size for leaf in _leaves(node)):
                # Parts that hold no byte: its boundary never appears, the parser reads it whole.
                raise UnreadableStructure("a multipart whose parts are empty")
            return node
        kind, subtype = _lower(body[0]), _lower(body[1])
        content_type = f"{kind}/{subtype}"
        if not kind or not subtype:
            raise UnreadableStructure(f"a content type without a subtype: {content_type!r}")
        if kind == "message" and not section:
            raise UnreadableStructure("a message that is only an enclosed message")
        # Extension data follows the basic fields: text/* has a line count after the size,
        # message/rfc822 an envelope, a body and a line count.
        extension = 7 + (1 if kind == "text" else 3 if content_type == "message/rfc822" else 0)
        disposition = body[extension + 1] if len(body) > extension + 1 else None
        disposition_type: bytes | None = None
        disposition_params: tuple[tuple[bytes, bytes], ...] = ()
        if isinstance(disposition, tuple) and disposition and isinstance(disposition[0], bytes):
            disposition_type = disposition[0].lower()
            disposition_params = _pairs(disposition[1] if len(disposition) > 1 else None)
        encoding = body[5] if isinstance(body[5], bytes) else b"7bit"
        return Leaf(
            section=section or "1",
            content_type=content_type,
            params=_pairs(body[2]),
            encoding=encoding,
            disposition=disposition_type,
            disposition_params=disposition_params,
            size=body[6] if isinstance(body[6], int) else 0,
        )
    except (IndexError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise UnreadableStructure(f"unreadable BODYSTRUCTURE: {type(exc).__name__}") from None


def wanted_leaves(node: Node) -> tuple[Leaf, ...]:
    """The leaves the parser reads: inline text, calendars; never attachments or messages."""
    if isinstance(node, Leaf):
        return (node,) if _wanted(node) else ()
    children = node.children
    if node.subtype == "alternative" and any(
        isinstance(c, Leaf) and c.content_type == "text/plain" and _wanted(c) for c in children
    ):
        # The parser prefers the plain alternative: the HTML one would never be read.
        children = tuple(
            c for c in children if not (isinstance(c, Leaf) and c.content_type == "text/html")
        )
    return tuple(leaf for child in children for leaf in wanted_leaves(child))


def wanted_sections(node: Node) -> tuple[str, ...]:
    return tuple(leaf.section for leaf in wanted_leaves(node))


def rebuild(header: bytes, node: Node, parts: Mapping[str, bytes]) -> bytes:
    """A MIME message of `header` (the fetched header fields, without the Content-* ones) and
    the fetched `parts` (section → bytes), shaped like `node` with only the wanted leaves."""
    head = header.rstrip(b"\r\n")
    head = head + b"\r\n" if head else b""
    pruned = _pruned(node, {leaf.section for leaf in wanted_leaves(node)})
    if pruned is None:
        # Nothing readable (an attachment alone, say): the header still says who and when,
        # and the type (a multipart/report, say) what kind of message it is.
        pruned = Multipart(node.subtype, node.params, ()) if isinstance(node, Multipart) else node
        parts = {}
    return head + _render(pruned, parts, b"MIME-Version: 1.0\r\n")


def _leaves(node: Node) -> tuple[Leaf, ...]:
    if isinstance(node, Leaf):
        return (node,)
    return tuple(leaf for child in node.children for leaf in _leaves(child))


def _wanted(leaf: Leaf) -> bool:
    if leaf.content_type in _CALENDAR_TYPES or _filename(leaf).endswith((b".ics", b".vcs")):
        return True
    return leaf.content_type in _TEXT_TYPES and leaf.disposition != b"attachment"


def _filename(leaf: Leaf) -> bytes:
    for params, name in ((leaf.disposition_params, b"filename"), (leaf.params, b"name")):
        for key, value in params:
            if key == name:
                return value.lower()
    return b""


def _pruned(node: Node, keep: set[str]) -> Node | None:
    if isinstance(node, Leaf):
        return node if node.section in keep else None
    children = tuple(p for c in node.children if (p := _pruned(c, keep)) is not None)
    return Multipart(node.subtype, node.params, children) if children else None


def _render(node: Node, parts: Mapping[str, bytes], extra: bytes = b"") -> bytes:
    if isinstance(node, Leaf):
        return extra + _node_headers(node, b"") + b"\r\n" + parts.get(node.section, b"")
    bodies = [_render(child, parts) for child in node.children]
    boundary = b"=_followup_part"
    while any(boundary in body for body in bodies):
        boundary += b"_"
    lines = [extra + _node_headers(node, boundary)]
    for body in bodies:
        lines.append(b"--" + boundary + b"\r\n" + body + b"\r\n")
    lines.append(b"--" + boundary + b"--\r\n")
    return lines[0] + b"\r\n" + b"".join(lines[1:])


def _node_headers(node: Node, boundary: bytes) -> bytes:
    if isinstance(node, Multipart):
        params = [(k, v) for k, v in node.params if k != b"boundary"] + [(b"boundary", boundary)]
        return b"Content-Type: multipart/" + node.subtype.encode() + _params(params) + b"\r\n"
    headers = b"Content-Type: " + node.content_type.encode() + _params(node.params) + b"\r\n"
    headers += b"Content-Transfer-Encoding: " + node.encoding + b"\r\n"
    if node.disposition is not None:
        headers += b"Content-Disposition: " + node.disposition + _params(node.disposition_params)
        headers += b"\r\n"
    return headers


def _params(pairs: Sequence[tuple[bytes, bytes]]) -> bytes:
    out = b""
    for key, value in pairs:
        if _TOKEN.match(value):
            out += b"; " + key + b"=" + value
        else:
            quoted = value.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\r", b"")
            out += b"; " + key + b'="' + quoted.replace(b"\n", b" ") + b'"'
    return out


def _pairs(value: Any) -> tuple[tuple[bytes, bytes], ...]:
    if not isinstance(value, tuple):
        return ()
    items = [v if isinstance(v, bytes) else b"" for v in value]
    return tuple((items[i].lower(), items[i + 1]) for i in range(0, len(items) - 1, 2))


def _lower(value: Any) -> str:
    if not isinstance(value, bytes):
        raise TypeError("not an atom")
    return value.decode("ascii").lower()
