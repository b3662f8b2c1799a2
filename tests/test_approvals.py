"""The digest and approval by reply, end to end against the private Dovecot and aiosmtpd.

The digest arrives at the SMTP sink; the owner's reply is APPENDed to Sent as a mail client
would file it; `followup send` reads it, approves, and sends the check-in once. Forged, replayed,
foreign and stale approvals do nothing and are reported.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime

from tests.mailflow import BEFORE, DUE, LATER, Setup, state_of

CET = timezone(timedelta(hours=1))
DANA = "dana.whitfield@northwindlabs.com"


def sent_digest(setup: Setup, now: str = BEFORE) -> EmailMessage:
    setup.ok("sync", "--now", now)
    result = setup.ok("digest", "--send", "--now", now)
    assert "sent to" in result
    digests = [m for m in setup.sink.messages if "followup" in parsed(m.data)["Subject"]]
    return parsed(digests[-1].data)


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def reply(setup: Setup, digest: EmailMessage, body: str, *, message_id: str,
          when: datetime | None = None, sender: str | None = None) -> bytes:  # fmt: skip
    moment = when or datetime(2026, 11, 16, 10, 5, tzinfo=CET)
    return (
        f"From: Alex <{sender or setup.account.address}>\r\n"
        f"To: {setup.account.address}\r\n"
        f"Subject: Re: {digest['Subject']}\r\n"
        f"Date: {format_datetime(moment)}\r\n"
        f"Message-ID: {message_id}\r\n"
        f"In-Reply-To: {digest['Message-ID']}\r\n"
        f"References: {digest['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n{body}\r\n\r\nOn Mon, 16 Nov 2026 at 10:00, followup wrote:\r\n"
        "> approve K7Q2\r\n> skip K7Q2\r\n"
    ).encode()


def checkins_delivered(setup: Setup) -> list[EmailMessage]:
    return [parsed(m.data) for m in setup.sink.messages if m.rcpt_tos == (DANA,)]


def waiting_code(setup: Setup) -> str:
    [item] = [i for i in setup.items() if i["state"] in {"proposed", "queued"}]
    return str(item["id"])


def test_digest_reply_in_sent_approves_and_the_checkin_goes_once(setup: Setup) -> None:
    setup.ok("sync", "--now", BEFORE)
    code = waiting_code(setup)
    digest = sent_digest(setup)
    text = digest.get_body(("plain",))
    assert text is not None
    assert code in text.get_content()
    assert digest["To"] == setup.account.address

    raw = reply(setup, digest, f"Approve {code}\r\n\r\nThanks!", message_id="<r1@followup.test>")
    setup.account.append("Sent", raw)
    setup.ok("send", "--now", DUE)
    assert len(checkins_delivered(setup)) == 1
    assert state_of(setup, code)["state"] == "sent"
    confirmations = [
        parsed(m.data) for m in setup.sink.messages
        if parsed(m.data)["In-Reply-To"] == "<r1@followup.test>"
    ]  # fmt: skip
    assert len(confirmations) == 1
    assert f"approved {code}" in confirmations[0].get_content()

    # The confirmation filed in Sent (as Gmail does) is not read back as a reply: no loop.
    setup.account.append("Sent", confirmations[0].as_bytes())
    setup.ok("sync", "--now", LATER)
    setup.ok("sync", "--now", LATER)
    to_owner = [m for m in setup.sink.messages if m.rcpt_tos == (setup.account.address,)]
    assert len([m for m in to_owner if "In-Reply-To" in parsed(m.data)]) == 1
    assert "is not a command" not in setup.ok("digest", "--preview", "--now", LATER)

    # Replayed: the same reply again (another copy), and a new reply naming the same code.
    setup.account.append("Sent", raw)
    setup.account.append(
        "Sent", reply(setup, digest, f"approve {code}", message_id="<r2@followup.test>")
    )
    setup.ok("send", "--now", LATER)
    assert len(checkins_delivered(setup)) == 1


def test_a_forged_reply_in_the_inbox_approves_nothing(setup: Setup) -> None:
    setup.ok("sync", "--now", BEFORE)
    code = waiting_code(setup)
    digest = sent_digest(setup)
    forged = reply(setup, digest, f"approve {code}", message_id="<forged@evil.example>")
    setup.account.append("INBOX", forged)  # From: the owner, but never sent by the owner
    setup.ok("send", "--now", DUE)
    assert checkins_delivered(setup) == []
    assert state_of(setup, code)["state"] in {"proposed", "queued"}
    # Reported in the next digest once the grace for a late Sent copy is over.
    setup.ok("sync", "--now", LATER)
    preview = setup.ok("digest", "--preview", "--now", LATER)
    assert "outside your Sent folder" in preview


def test_codes_not_offered_expired_or_for_changed_text_do_nothing(setup: Setup) -> None:
    setup.ok("sync", "--now", BEFORE)
    code = waiting_code(setup)
    digest = sent_digest(setup)
    # A code that digest never offered.
    setup.account.append("Sent", reply(setup, digest, "approve ZZ99",
                                       message_id="<r-other@followup.test>"))  # fmt: skip
    setup.ok("sync", "--now", BEFORE)
    assert state_of(setup, code)["state"] in {"proposed", "queued"}
    # The draft's words changed since the digest (edited on the command line).
    editor = setup.config.parent / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'Hi Dana, any news?\\n' > \"$1\"\n")
    editor.chmod(0o755)
    setup.env["EDITOR"] = str(editor)
    setup.ok("edit", code, "--now", BEFORE)
    setup.account.append("Sent", reply(setup, digest, f"approve {code}",
                                       message_id="<r-stale@followup.test>"))  # fmt: skip
    setup.ok("send", "--now", DUE)
    assert checkins_delivered(setup) == []
    assert state_of(setup, code)["state"] in {"proposed", "queued"}
    preview = setup.ok("digest", "--preview", "--now", DUE)
    assert "ZZ99 was not offered" in preview
    assert "changed since this digest" in preview


def test_an_expired_code_does_nothing(setup: Setup) -> None:
    setup.ok("sync", "--now", BEFORE)
    code = waiting_code(setup)
    digest = sent_digest(setup)
    late = datetime(2026, 11, 24, 9, 0, tzinfo=CET)  # the token lives 7 days
    setup.account.append("Sent", reply(setup, digest, f"approve {code}", when=late,
                                       message_id="<r-late@followup.test>"))  # fmt: skip
    setup.ok("send", "--now", "2026-11-24T10:00+01:00")
    assert checkins_delivered(setup) == []
    assert "expired" in setup.ok("digest", "--preview", "--now", "2026-11-24T10:00+01:00")


def test_edit_by_reply_changes_the_text_that_is_sent(setup: Setup) -> None:
    setup.ok("sync", "--now", BEFORE)
    code = waiting_code(setup)
    digest = sent_digest(setup)
    body = (
        f"edit {code}\r\nHi Dana,\r\n\r\nIs there any news on the role? Thank you!\r\n\r\n"
        "Alex\r\nend"
    )
    setup.account.append("Sent", reply(setup, digest, body, message_id="<r-edit@followup.test>"))
    setup.ok("send", "--now", DUE)
    [sent] = checkins_delivered(setup)
    text = sent.get_payload(decode=True)
    assert isinstance(text, bytes)
    assert text.replace(b"\r\n", b"\n") == (
        b"Hi Dana,\n\nIs there any news on the role? Thank you!\n\nAlex\n"
    )
    assert state_of(setup, code)["state"] == "sent"


def test_a_reply_started_from_a_mailto_link_counts_by_the_digest_mark(setup: Setup) -> None:
    """Most mail apps drop In-Reply-To from a mailto: link; the digest's [Dxxxxx] mark in the
    subject, a copy in Sent and the owner's address still make it count."""
    setup.ok("sync", "--now", BEFORE)
    code = waiting_code(setup)
    digest = sent_digest(setup)
    raw = (
        f"From: {setup.account.address}\r\nTo: {setup.account.address}\r\n"
        f"Subject: Re: {digest['Subject']}\r\n"
        "Date: Mon, 16 Nov 2026 10:06:00 +0100\r\nMessage-ID: <mailto-1@followup.test>\r\n"
        f"\r\napprove {code}\r\n"
    ).encode()
    setup.account.append("Sent", raw)
    setup.ok("send", "--now", DUE)
    assert len(checkins_delivered(setup)) == 1


def test_a_code_from_an_older_digest_does_nothing(setup: Setup) -> None:
    setup.ok("sync", "--now", BEFORE)
    code = waiting_code(setup)
    older = sent_digest(setup)
    newer = sent_digest(setup, "2026-11-17T08:30+01:00")  # the next morning's digest
    assert newer["Message-ID"] != older["Message-ID"]
    setup.account.append("Sent", reply(setup, older, f"approve {code}",
                                       message_id="<r-old@followup.test>"))  # fmt: skip
    setup.ok("send", "--now", DUE)
    assert checkins_delivered(setup) == []
    assert state_of(setup, code)["state"] in {"proposed", "queued"}
    assert "replaced it" in setup.ok("digest", "--preview", "--now", DUE)
