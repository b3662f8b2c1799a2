"""parse_message over a corpus of third-party test messages: never raises, stays sane.

The corpus lives outside the project (`../shared/realworld-mail`, or the folder named by
FOLLOWUP_REALWORLD_MAIL) and is not copied into it; without it these tests are skipped.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker.understand.parse import Message, parse_message
from tracker.understand.quoting import split_quoted

from .test_parse import assert_well_typed

CORPUS = Path(
    os.environ.get("FOLLOWUP_REALWORLD_MAIL")
    or Path(__file__).resolve().parents[2] / "shared" / "realworld-mail"
)
FILES = sorted(CORPUS.glob("*.eml")) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(
    not FILES,
    reason=f"real-world mail corpus not found at {CORPUS} (set FOLLOWUP_REALWORLD_MAIL); CI has it",
)


def parse(name: str) -> Message:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} is not in the corpus at {CORPUS}")
    return parse_message(path.read_bytes(), ["me@example.com"])


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_message_parses_sanely(path: Path) -> None:
    message = parse_message(path.read_bytes(), ["me@example.com"])
    assert_well_typed(message)
    # Bad input is handled by the parser itself, never by the last-resort guard.
    assert not (message.unparseable or "").startswith("internal error"), message.unparseable
    # The parts of the text come from the text.
    assert split_quoted(message.text).new_text == message.new_text
    if message.unparseable is None:
        assert message.sender is not None or any("from:" in d for d in message.defects)
        assert message.date is not None or any(d.startswith("date:") for d in message.defects)
        assert message.message_id_synthesised == any(
            d.startswith("message-id:") for d in message.defects
        )


def test_most_of_the_corpus_is_understood() -> None:
    messages = [parse_message(path.read_bytes()) for path in FILES]
    unparseable = [m for m in messages if m.unparseable]
    assert len(unparseable) <= 2, [m.unparseable for m in unparseable]
    # The rest are attachment-only, empty-bodied or digest test messages.
    with_text = [m for m in messages if m.text.strip()]
    assert len(with_text) >= 0.85 * len(messages)


def test_japanese_iso_2022_jp_subject_and_body() -> None:
    message = parse("mikel-mail__multi_charset_japanese_iso_2022.eml")
    assert message.subject == "まみむめも"
    assert message.to[0].name == "みける"
    assert message.text == "すみません。"


def test_japanese_shift_jis_body_and_date_offset() -> None:
    message = parse("mikel-mail__multi_charset_japanese_shift_jis.eml")
    assert message.text.startswith("あいうえお")
    assert message.date == datetime(2014, 5, 28, 8, 18, 19, tzinfo=UTC)
    assert message.date is not None
    assert message.date.utcoffset() == timedelta(hours=9)


def test_korean_ks_c_5601_body() -> None:
    assert parse("mikel-mail__multi_charset_ks_c_5601-1987.eml").text == "스티해"


def test_rfc6532_utf8_headers() -> None:
    message = parse("mikel-mail__rfc6532_utf8_headers.eml")
    assert message.subject == "Säying Hello"
    assert message.sender is not None and message.sender.name == "Jöhn Doe"


def test_encoded_display_name_with_comma() -> None:
    message = parse("flanker__encoded-header.eml")
    assert message.sender is not None
    assert (message.sender.name, message.sender.email) == ("Foo, Bar", "foo.bar@example.com")


@pytest.mark.parametrize(
    ("name", "signal"),
    [
        ("flanker__bounce_office365.eml", "sender is postmaster"),
        ("flanker__bounce_office365.eml", "multipart/report (delivery-status)"),
        ("flanker__bounce_gmail-invalid-address.eml", "empty Return-Path"),
        ("mikel-mail__multipart_report_emails_report_422.eml", "Auto-Submitted: auto-generated"),
        ("mimekit__messages_delivery-status.txt.eml", "Precedence: junk"),
    ],
)
def test_bounces_carry_auto_reply_signals(name: str, signal: str) -> None:
    assert any(reason.startswith(signal) for reason in parse(name).auto_reply)


def test_bounce_text_from_preamble_not_from_returned_message() -> None:
    message = parse("mimekit__messages_delivery-status.txt.eml")
    assert "err.nosuchuser" in message.text
    assert "unsubscribe" not in message.text


def test_ordinary_personal_reply_has_no_auto_reply_signal() -> None:
    assert parse("talon__standard_replies_gmail.eml").auto_reply == ()


@pytest.mark.parametrize(
    "name",
    [
        "android",
        "aol",
        "apple_mail",
        "apple_mail_2",
        "comcast",
        "gmail",
        "hotmail",
        "iphone",
        "outlook",
        "sparrow",
        "thunderbird",
        "yahoo",
    ],
)
def test_talon_standard_replies_new_text(name: str) -> None:
    message = parse(f"talon__standard_replies_{name}.eml")
    assert message.new_text == "Hello"
    assert message.quoted_text != ""


def test_iphone_and_sparrow_signatures() -> None:
    assert parse("talon__standard_replies_iphone.eml").signature == "Sent from my iPhone"
    assert parse("talon__standard_replies_sparrow.eml").signature.startswith("-- \nxxx")


def test_exchange_invitation_with_custom_vtimezone() -> None:
    message = parse("phpmimeparser__m0020.eml")
    (event,) = message.calendar
    assert event.method == "REQUEST"
    assert event.sequence == 5
    assert event.organizer is not None and event.organizer.email == "newsletter@finntack.com"
    assert [a.email for a in event.attendees] == ["clement.wong@finntack.com"]
    assert event.start is not None and event.start.utcoffset() is not None
    assert event.start.astimezone(UTC) == datetime(2014, 3, 28, 9, 3, tzinfo=UTC)


def test_obsolete_header_syntax_is_repaired() -> None:
    message = parse("mime4j__testmsgs_obsolete.msg.eml")
    assert message.unparseable is None
    assert message.subject.startswith("The obsolete syntax allow spaces before the colon")


@pytest.mark.parametrize(
    "name",
    [
        "mikel-mail__error_emails_bad_date_header.eml",
        "mikel-mail__error_emails_bad_date_header2.eml",
    ],
)
def test_bad_dates_become_none_with_a_defect(name: str) -> None:
    message = parse(name)
    assert message.date is None
    assert any(defect.startswith("date:") for defect in message.defects)
