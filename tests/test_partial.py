"""tracker.mail.partial: BODYSTRUCTURE → the sections to fetch → a compact MIME message.

Tables of structures as imapclient returns them (from Dovecot), then the rebuilt message read
by the parser beside the whole message it stands for."""

from __future__ import annotations

from typing import Any

import pytest

from tracker.mail.imap import fetch_plan
from tracker.mail.partial import (
    UnreadableStructure,
    read_structure,
    rebuild,
    wanted_sections,
)
from tracker.understand.parse import parse_message


def text(subtype: bytes, charset: bytes = b"utf-8", encoding: bytes = b"7bit", size: int = 10,
         disposition: Any = None) -> tuple[Any, ...]:  # fmt: skip
    return (b"text", subtype, (b"charset", charset), None, None, encoding, size, 1, None,
            disposition, None, None)  # fmt: skip


PDF = (b"application", b"pdf", (b"name", b"cv.pdf"), None, None, b"base64", 99_000, None,
       (b"attachment", (b"filename", b"cv.pdf")), None, None)  # fmt: skip
ICS = (b"text", b"calendar", (b"method", b"REQUEST", b"charset", b"utf-8"), None, None, b"7bit",
       500, 20, None, None, None, None)  # fmt: skip
ENCLOSED = (b"message", b"rfc822", None, None, None, b"7bit", 18, (None,) * 10, text(b"plain"),
            2, None, None, None, None)  # fmt: skip


def multipart(subtype: bytes, *children: Any) -> tuple[Any, ...]:
    return ([*children], subtype, (b"boundary", b"b-" + subtype), None, None, None)


@pytest.mark.parametrize(
    ("structure", "sections"),
    [
        (text(b"plain"), ("1",)),
        (text(b"html"), ("1",)),
        (PDF, ()),
        (multipart(b"alternative", text(b"plain"), text(b"html")), ("1",)),
        (multipart(b"alternative", text(b"html"), ICS), ("1", "2")),
        (multipart(b"alternative", text(b"plain"), text(b"html"), ICS), ("1", "3")),
        (multipart(b"mixed", text(b"plain"), PDF), ("1",)),
        (
            multipart(b"mixed", multipart(b"alternative", text(b"plain"), text(b"html")), PDF),
            ("1.1",),
        ),
        (multipart(b"mixed", text(b"plain"), ENCLOSED), ("1",)),
        (
            multipart(b"mixed", text(b"plain"), text(b"plain", disposition=(b"attachment", None))),
            ("1",),
        ),
        (
            multipart(
                b"mixed",
                PDF,
                (
                    b"application",
                    b"octet-stream",
                    (b"name", b"invite.ics"),
                    None,
                    None,
                    b"base64",
                    900,
                    None,
                    None,
                    None,
                    None,
                ),
            ),
            ("2",),
        ),
    ],
)
def test_the_sections_fetched_are_the_ones_the_parser_reads(
    structure: Any, sections: tuple[str, ...]
) -> None:
    assert wanted_sections(read_structure(structure)) == sections


@pytest.mark.parametrize(
    "structure",
    [
        (b"", b"", None, None, None, b"7bit", 10, 1),  # "Content-Type: text" without a subtype
        ENCLOSED,  # the whole message is an enclosed message
        ([text(b"plain", size=0)], b"mixed", (b"boundary", b"x"), None),  # boundary never seen
        ([text(b"plain")], b"mixed", None, None),  # no boundary parameter
        (b"text",),
        "nonsense",
    ],
)
def test_structures_that_need_the_whole_message(structure: Any) -> None:
    with pytest.raises(UnreadableStructure):
        read_structure(structure)


def test_a_message_without_header_fields_is_fetched_whole() -> None:
    # Garbage without a header: Dovecot sends an empty header and a text/plain structure.
    assert (
        fetch_plan({b"BODYSTRUCTURE": text(b"plain"), b"BODY[HEADER.FIELDS (FROM)]": b"\r\n"})
        is None
    )
    assert (
        fetch_plan(
            {
                b"BODYSTRUCTURE": text(b"plain"),
                b"BODY[HEADER.FIELDS (FROM)]": b"From: a@b.example\r\n\r\n",
            }
        )
        is not None
    )


WHOLE = (
    b"From: Dana <dana@northwind.example>\r\nTo: me@followup.test\r\nSubject: Interview\r\n"
    b"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <i1@northwind.example>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n'
    b'--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n'
    b"--inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nThanks, Ren=E9e will call you.\r\n"
    b"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Thanks</p>\r\n--inner--\r\n"
    b"--outer\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n"
    b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:ev1\r\n"
    b"DTSTART:20261203T150000Z\r\nDTEND:20261203T160000Z\r\nSUMMARY:Interview\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    b'--outer\r\nContent-Type: application/pdf; name="cv.pdf"\r\n'
    b'Content-Disposition: attachment; filename="cv.pdf"\r\nContent-Transfer-Encoding: base64'
    b"\r\n\r\n" + b"QUJD" * 2000 + b"\r\n--outer--\r\n"
)
STRUCTURE = multipart(
    b"mixed",
    multipart(b"alternative", text(b"plain", b"iso-8859-1", b"quoted-printable"), text(b"html")),
    ICS,
    PDF,
)
HEADER = (
    b"From: Dana <dana@northwind.example>\r\nTo: me@followup.test\r\nSubject: Interview\r\n"
    b"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <i1@northwind.example>\r\n\r\n"
)


def test_the_rebuilt_message_reads_like_the_whole_one() -> None:
    node = read_structure(STRUCTURE)
    assert wanted_sections(node) == ("1.1", "2")
    parts = {
        "1.1": b"Thanks, Ren=E9e will call you.",
        "2": WHOLE.split(b"charset=utf-8\r\n\r\n")[2].split(b"\r\n--outer")[0],
    }
    raw = rebuild(HEADER, node, parts)
    assert b"QUJD" not in raw and len(raw) < 1000
    whole, partial = (
        parse_message(WHOLE, ["me@followup.test"]),
        parse_message(raw, ["me@followup.test"]),
    )
    for field in (
        "message_id",
        "subject",
        "sender",
        "to",
        "date",
        "direction",
        "text",
        "auto_reply",
    ):
        assert getattr(partial, field) == getattr(whole, field), field
    assert partial.text == "Thanks, Renée will call you."
    assert [e.uid for e in partial.calendar] == [e.uid for e in whole.calendar] == ["ev1"]


def test_a_message_of_only_an_attachment_keeps_its_header_and_type() -> None:
    raw = rebuild(HEADER, read_structure(multipart(b"report", PDF)), {})
    message = parse_message(raw)
    assert message.subject == "Interview" and message.unparseable is None and message.text == ""
    assert b"multipart/report" in raw
