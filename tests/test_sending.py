"""The approval queue and at-most-once sending, end to end: `followup` as a subprocess against
the private Dovecot and a real aiosmtpd sink (the `setup` fixture is in tests/mailflow.py)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from email import message_from_bytes
from pathlib import Path

import pytest

from tests.mailflow import BEFORE, DUE, LATER, Setup, approved_checkin, state_of


def test_an_approved_checkin_is_sent_once_when_due(setup: Setup) -> None:
    item = approved_checkin(setup)
    assert "Nothing to send" in setup.ok("send", "--now", BEFORE)  # approved, not due yet
    assert setup.sink.messages == []

    sent = setup.ok("send", "--now", DUE)
    assert "sent" in sent
    [received] = setup.sink.wait_for(1)
    assert received.rcpt_tos == ("dana.whitfield@northwindlabs.com",)
    message = message_from_bytes(received.data)
    assert message["In-Reply-To"] == "<nw-timeline-1@northwindlabs.com>"
    assert message["Subject"] == "Re: Interview: Senior Data Engineer at Northwind Labs"
    wire = message.get_payload(decode=True)
    assert isinstance(wire, bytes)
    assert wire.decode().replace("\r\n", "\n") == item["body"]  # CRLF on the wire
    after = state_of(setup, item["id"])
    assert after["state"] == "sent"
    assert after["message_id"] == message["Message-ID"]
    assert setup.sent_copies(after["message_id"]) == 1  # the copy kept in Sent

    # Replayed: nothing more goes out, whatever the clock says.
    setup.ok("send", "--now", LATER)
    setup.ok("sync", "--now", LATER)
    setup.ok("send", "--now", LATER)
    assert len(setup.sink.messages) == 1
    # The sent check-in is seen in Sent and counted: the next step is the second one.
    threads = json.loads(setup.ok("threads", "--json"))["threads"]
    [northwind] = [t for t in threads if t["company"] == "Northwind Labs"]
    assert northwind["checkins_sent"] == 1
    assert northwind["next_step"]["kind"] == "checkin"
    assert northwind["next_step"]["ordinal"] == 2
    # a week after the first went out
    assert northwind["next_step"]["due"].startswith("2026-11-24T09:31")
    explained = setup.ok("explain", northwind["thread_id"])
    assert f"draft {item['id']}" in explained and "sent" in explained


def test_a_reply_between_approval_and_send_cancels_the_send(setup: Setup) -> None:
    item = approved_checkin(setup)
    setup.account.append(
        "INBOX",
        b"From: Dana Whitfield <dana.whitfield@northwindlabs.com>\r\n"
        b"To: Alex Morgan <alex@example.com>\r\n"
        b"Subject: Re: Interview: Senior Data Engineer at Northwind Labs\r\n"
        b"Date: Mon, 16 Nov 2026 15:10:00 +0100\r\n"
        b"Message-ID: <nw-update-1@northwindlabs.com>\r\n"
        b"In-Reply-To: <nw-timeline-1@northwindlabs.com>\r\n"
        b"References: <nw-invite-1@northwindlabs.com> <nw-timeline-1@northwindlabs.com>\r\n"
        b"\r\n"
        b"Hi Alex,\r\n\r\nA quick update: the panel meets again on Thursday, and I will\r\n"
        b"write to you by Friday the 20th with the decision.\r\n\r\nBest,\r\nDana\r\n",
    )
    result = setup.run("send", "--now", DUE)
    assert result.returncode == 0, result.stderr
    assert "cancelled" in result.stdout
    assert setup.sink.messages == []
    after = state_of(setup, item["id"])
    assert after["state"] == "cancelled"
    assert "20" in after["note"] or "2026-11-20" in after["note"]
    # The new promise gives the next check-in its moment: after Fri 20th + a business day.
    threads = json.loads(setup.ok("threads", "--json"))["threads"]
    [northwind] = [t for t in threads if t["company"] == "Northwind Labs"]
    assert northwind["next_step"]["due"].startswith("2026-11-24T09:30")


def test_stop_cancels_and_nothing_is_drafted_again(setup: Setup) -> None:
    item = approved_checkin(setup)
    stopped = setup.ok("stop", item["thread_id"][:10])
    assert "stopped" in stopped and item["id"] in stopped
    setup.ok("send", "--now", DUE)
    setup.ok("sync", "--now", LATER)
    assert setup.sink.messages == []
    assert [i["state"] for i in setup.items()] == ["cancelled"]


def test_edit_changes_the_text_that_is_approved_and_sent(setup: Setup, tmp_path: Path) -> None:
    item = approved_checkin(setup)
    editor = tmp_path / "editor.sh"
    editor.write_text(
        "#!/bin/sh\nprintf 'Hi Dana,\\n\\nAny news? Thank you!\\n\\nAlex\\n' > \"$1\"\n"
    )
    editor.chmod(0o755)
    setup.env["EDITOR"] = str(editor)
    setup.ok("edit", item["id"], "--now", BEFORE)
    edited = state_of(setup, item["id"])
    assert edited["state"] == "proposed"  # the approval was of other words
    assert not edited["approved"]
    setup.ok("send", "--now", DUE)
    assert setup.sink.messages == []  # not approved: nothing goes
    setup.ok("approve", item["id"], "--now", DUE)
    setup.ok("send", "--now", DUE)
    [received] = setup.sink.wait_for(1)
    body = message_from_bytes(received.data).get_payload(decode=True)
    assert isinstance(body, bytes)
    assert body.replace(b"\r\n", b"\n") == b"Hi Dana,\n\nAny news? Thank you!\n\nAlex\n"


def test_a_wrong_code_is_a_clear_usage_error(setup: Setup) -> None:
    approved_checkin(setup)
    result = setup.run("approve", "ZZZZ")
    assert result.returncode == 2
    assert "no draft 'ZZZZ'" in result.stderr


# --- fault injection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crash_at", "delivered", "final"),
    [
        ("before_sending", 1, "sent"),  # nothing had happened: the restart sends it
        ("after_sending", 0, "unknown"),  # `sending` committed, nothing handed over
        ("after_data", 1, "unknown"),  # 250 received, the copy in Sent never saved
    ],
)
def test_killed_at_each_step_never_sends_twice(
    setup: Setup, crash_at: str, delivered: int, final: str
) -> None:
    item = approved_checkin(setup)
    crashed = setup.run("send", "--now", DUE, env={"FOLLOWUP_CRASH_AT": crash_at})
    assert crashed.returncode == -signal.SIGKILL
    restarted = setup.run("send", "--now", DUE)
    assert restarted.returncode in {0, 1}, restarted.stderr
    again = setup.run("send", "--now", LATER)
    assert again.returncode in {0, 1}
    assert len(setup.sink.messages) == delivered
    assert state_of(setup, item["id"])["state"] == final


def test_killed_during_data_ends_unknown_and_is_not_resent(setup: Setup) -> None:
    item = approved_checkin(setup)
    process: list[subprocess.Popen[str]] = []
    setup.sink.kill_during_next_data(lambda: process[0].pid, deliver=True)
    process.append(
        subprocess.Popen(
            [sys.executable, "-m", "tracker", "--config", str(setup.config), "send", "--now", DUE],
            env=setup.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    )
    process[0].communicate(timeout=120)
    assert process[0].returncode == -signal.SIGKILL
    assert state_of(setup, item["id"])["state"] == "sending"
    setup.run("send", "--now", DUE)
    setup.run("send", "--now", LATER)
    assert len(setup.sink.messages) == 1
    after = state_of(setup, item["id"])
    assert after["state"] == "unknown"
    assert "approve it again only if it did not go" in after["note"]
    listed = setup.ok("queue")
    assert item["id"] in listed and "unknown" in listed


def test_smtp_4xx_keeps_it_approved_and_it_goes_later(setup: Setup) -> None:
    item = approved_checkin(setup)
    setup.sink.fail_next(451, "4.3.0 Try again later")
    result = setup.run("send", "--now", DUE)
    assert "451" in result.stdout
    after = state_of(setup, item["id"])
    assert after["state"] == "approved"
    assert "451" in after["note"]
    assert setup.sink.messages == []
    setup.ok("send", "--now", LATER)
    assert len(setup.sink.wait_for(1)) == 1
    assert state_of(setup, item["id"])["state"] == "sent"


def test_smtp_5xx_fails_clearly_and_is_not_retried(setup: Setup) -> None:
    item = approved_checkin(setup)
    setup.sink.fail_next(550, "5.1.1 Mailbox unavailable")
    result = setup.run("send", "--now", DUE)
    assert result.returncode == 1
    assert "550" in result.stdout
    setup.run("send", "--now", LATER)
    assert setup.sink.messages == []
    after = state_of(setup, item["id"])
    assert after["state"] == "failed"
    assert "5.1.1" in after["note"]


@pytest.mark.parametrize("deliver", [True, False])
def test_a_dropped_connection_after_data_is_unknown(setup: Setup, deliver: bool) -> None:
    item = approved_checkin(setup)
    setup.sink.drop_next(deliver=deliver)
    result = setup.run("send", "--now", DUE)
    assert result.returncode == 1
    assert "may or may not have been delivered" in result.stdout
    setup.run("send", "--now", LATER)
    assert len(setup.sink.messages) == int(deliver)
    assert state_of(setup, item["id"])["state"] == "unknown"


def test_a_timeout_waiting_for_the_final_answer_is_unknown(setup: Setup) -> None:
    item = approved_checkin(setup)
    setup.sink.stall_next(6.0)  # the account's SMTP timeout is 3 s
    result = setup.run("send", "--now", DUE)
    assert result.returncode == 1
    assert "may or may not have been delivered" in result.stdout
    setup.run("send", "--now", LATER)
    assert len(setup.sink.wait_for(1, timeout=10)) == 1
    assert state_of(setup, item["id"])["state"] == "unknown"
