"""MIME building of an approved draft: the header set, encodings, and a parse round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tracker.drafts import Draft
from tracker.mail.compose import compose, make_message_id
from tracker.understand.parse import Address, parse_message

OWNER = Address("Alex Morgan", "alex@example.com")
CET = timezone(timedelta(hours=1))
WHEN = datetime(2026, 11, 20, 10, 30, tzinfo=CET)
BODY = "Hi Dana,\n\nI wanted to check in on where things stand.\n\nBest regards,\nAlex Morgan\n"


def make_draft(**changes: object) -> Draft:
    fields: dict[str, object] = {
        "kind": "checkin",
        "ordinal": 1,
        "to": Address("Dana Whitfield", "dana.whitfield@northwindlabs.com"),
        "subject": "Re: Interview: Senior Data Engineer at Northwind Labs",
        "in_reply_to": "<nw-timeline-1@northwindlabs.com>",
        "references": ("<nw-invite-1@northwindlabs.com>", "<nw-timeline-1@northwindlabs.com>"),
        "body": BODY,
    }
    fields.update(changes)
    return Draft(**fields)  # type: ignore[arg-type]


def raw_header(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


def test_header_set_is_what_a_personal_client_writes() -> None:
    message_id = make_message_id(OWNER.email)
    raw = compose(make_draft(), OWNER, message_id, WHEN).as_bytes()
    names = [line.split(":", 1)[0].lower() for line in raw_header(raw).split("\r\n")]
    names = [name for name in names if not name.startswith((" ", "\t"))]
    assert sorted(names) == sorted(
        [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "in-reply-to",
            "references",
            "mime-version",
            "content-type",
            "content-transfer-encoding",
        ]
    )
    header = raw_header(raw)
    assert "Date: Fri, 20 Nov 2026 10:30:00 +0100\r\n" in header
    assert f"Message-ID: {message_id}\r\n" in header
    assert "In-Reply-To: <nw-timeline-1@northwindlabs.com>\r\n" in header
    assert "From: Alex Morgan <alex@example.com>\r\n" in header
    assert 'Content-Type: text/plain; charset="utf-8"' in header
    assert "Content-Transfer-Encoding: 7bit" in header
    # The body of an ASCII draft with short lines travels as written.
    assert raw.split(b"\r\n\r\n", 1)[1] == BODY.replace("\n", "\r\n").encode()


def test_round_trip_through_parse_message() -> None:
    draft = make_draft()
    message_id = make_message_id(OWNER.email)
    parsed = parse_message(compose(draft, OWNER, message_id, WHEN).as_bytes(), [OWNER.email])
    assert parsed.unparseable is None
    assert parsed.defects == ()
    assert parsed.direction == "outgoing"
    assert parsed.message_id == message_id
    assert parsed.in_reply_to == (draft.in_reply_to,)
    assert parsed.references == draft.references
    assert parsed.subject == draft.subject
    assert parsed.sender == OWNER
    assert parsed.to == (draft.to,)
    assert parsed.date == WHEN
    assert parsed.date is not None and parsed.date.utcoffset() == timedelta(hours=1)
    assert parsed.text == BODY.rstrip("\n")


def test_non_ascii_names_subject_and_body() -> None:
    draft = make_draft(
        to=Address("Zoë Ångström-Núñez", "zoe@example.org"),
        subject="Re: Entretien – Ingénieure données (Zürich) 面接",
        body="Bonjour Zoë,\n\n"
        + "Merci pour l'échange sur la migration vers le streaming. " * 4
        + "\n\nCordialement,\nJörg Müller\n",
    )
    sender = Address("Jörg Müller", "joerg@example.com")
    message = compose(draft, sender, make_message_id(sender.email), WHEN)
    raw = message.as_bytes()
    assert raw.isascii()  # RFC 2047 words and quoted-printable: 7-bit safe
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n"))
    assert "Content-Transfer-Encoding: quoted-printable" in raw_header(raw)
    assert "=?utf-8?" in raw_header(raw)
    assert message.get_content() == draft.body
    parsed = parse_message(raw, [sender.email])
    assert parsed.subject == draft.subject
    assert parsed.sender == sender
    assert parsed.to == (draft.to,)
    assert "Merci pour l'échange" in parsed.text


def test_text_that_looks_like_an_encoded_word_stays_text() -> None:
    draft = make_draft(subject="Re: =?utf-8?q?not_encoded?= really")
    parsed = parse_message(compose(draft, OWNER, make_message_id(OWNER.email), WHEN).as_bytes())
    assert parsed.subject == draft.subject


def test_long_message_ids_are_folded_between_ids_never_encoded() -> None:
    long_ids = tuple(f"<{letter * 70}@mail.northwindlabs.com>" for letter in "abcdefgh")
    draft = make_draft(in_reply_to=long_ids[-1], references=long_ids)
    raw = compose(draft, OWNER, make_message_id(OWNER.email), WHEN).as_bytes()
    header = raw_header(raw)
    assert "=?" not in header
    for message_id in long_ids:
        assert message_id in header
    parsed = parse_message(raw)
    assert parsed.references == long_ids
    assert parsed.in_reply_to == (long_ids[-1],)


def test_no_parent_means_no_threading_headers() -> None:
    raw = compose(
        make_draft(in_reply_to="", references=()), OWNER, make_message_id(OWNER.email), WHEN
    ).as_bytes()
    header = raw_header(raw).lower()
    assert "in-reply-to:" not in header
    assert "references:" not in header


def test_utc_date_keeps_its_zero_offset() -> None:
    raw = compose(
        make_draft(), OWNER, make_message_id(OWNER.email), datetime(2026, 11, 20, 9, tzinfo=UTC)
    ).as_bytes()
    assert "Date: Fri, 20 Nov 2026 09:00:00 +0000\r\n" in raw_header(raw)


def test_a_non_ascii_address_is_written_for_smtputf8() -> None:
    draft = make_draft(to=Address("Zoë", "zoë@exämple.org"))
    parsed = parse_message(compose(draft, OWNER, make_message_id(OWNER.email), WHEN).as_bytes())
    assert parsed.to == (draft.to,)
    assert parsed.subject == draft.subject


def test_refusals() -> None:
    message_id = make_message_id(OWNER.email)
    with pytest.raises(ValueError, match="time zone"):
        compose(make_draft(), OWNER, message_id, datetime(2026, 11, 20, 10))
    with pytest.raises(ValueError, match="Message-ID"):
        compose(make_draft(), OWNER, "no brackets@example.com", WHEN)
    with pytest.raises(ValueError, match="Message-ID"):
        compose(make_draft(references=("<a b@example.com>",)), OWNER, message_id, WHEN)


def test_make_message_id() -> None:
    first, second = make_message_id("alex@example.com"), make_message_id("Alex@Example.COM")
    assert first.startswith("<") and first.endswith("@example.com>")
    assert second.endswith("@example.com>")
    assert first != second
    assert make_message_id("jörg@bücher.example").endswith("@xn--bcher-kva.example>")
    for unusable in ("alex", "alex@", "alex@exa mple.com"):
        with pytest.raises(ValueError, match="no usable domain"):
            make_message_id(unusable)
