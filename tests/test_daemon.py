"""`followup run` end to end: the daemon as a subprocess with a fast simulated clock against
the private Dovecot and aiosmtpd, and its systemd notifications on a socket the test listens on.

Interview invite → thank-you in Sent → the recruiter states "by the end of next week" → time
passes → the digest arrives → the owner's approval is filed in Sent → the check-in arrives
exactly once → the recruiter answers → no second check-in, although the owner keeps approving
everything every digest offers → SIGTERM exits 0.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from tests.mailflow import Setup
from tracker.clock import clock_from_environ

CET = timezone(timedelta(hours=1))
START = datetime(2026, 11, 16, 7, 0, tzinfo=CET)
SPEED = 14400.0  # four simulated hours a second
DANA = "dana.whitfield@northwindlabs.com"


class Notifications:
    """An AF_UNIX datagram socket standing in for systemd's notify socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(str(path))
        self.socket.settimeout(0.05)
        self.received: list[str] = []

    def drain(self) -> list[str]:
        while True:
            try:
                self.received.append(self.socket.recv(4096).decode())
            except TimeoutError:
                return self.received

    def close(self) -> None:
        self.socket.close()


@contextmanager
def daemon(setup: Setup, notify: Notifications) -> Iterator[subprocess.Popen[str]]:
    env = {
        **setup.env,
        "NOTIFY_SOCKET": str(notify.path),
        "FOLLOWUP_SIMULATED_CLOCK": f"{START.isoformat()} x{SPEED:g}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--config", str(setup.config), "run"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_daemon_walks_a_hiring_thread_to_one_checkin(setup: Setup, tmp_path: Path) -> None:
    notify = Notifications(tmp_path / "notify.sock")
    began = time.monotonic()

    def simulated_now() -> datetime:
        return START + timedelta(seconds=(time.monotonic() - began) * SPEED)

    answered: set[str] = set()
    replied_dana = False
    try:
        with daemon(setup, notify) as process:
            deadline = time.monotonic() + 100
            # Run until Wed 25 Nov: past Tue 24 Nov, when a second check-in would have been due
            # had Dana not answered.
            while simulated_now() < datetime(2026, 11, 25, 12, 0, tzinfo=CET):
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "the daemon is too slow"
                for received in setup.sink.messages:
                    message = parsed(received.data)
                    if received.rcpt_tos == (setup.account.address,) and str(
                        message["Subject"]
                    ).startswith("followup:") and message["Message-ID"] not in answered:
                        # The owner approves everything every digest offers, from their phone.
                        answered.add(message["Message-ID"])
                        setup.account.append("Sent", (
                            f"From: {setup.account.address}\r\nTo: {setup.account.address}\r\n"
                            f"Subject: Re: {message['Subject']}\r\n"
                            f"Date: {format_datetime(simulated_now())}\r\n"
                            f"Message-ID: <approve-{len(answered)}@followup.test>\r\n"
                            f"In-Reply-To: {message['Message-ID']}\r\n\r\napprove all\r\n"
                        ).encode())  # fmt: skip
                checkins = [m for m in setup.sink.messages if m.rcpt_tos == (DANA,)]
                if checkins and not replied_dana:
                    sent = parsed(checkins[0].data)
                    setup.account.append("INBOX", (
                        f"From: Dana Whitfield <{DANA}>\r\nTo: {setup.account.address}\r\n"
                        f"Subject: {sent['Subject']}\r\n"
                        f"Date: {format_datetime(simulated_now() + timedelta(hours=1))}\r\n"
                        "Message-ID: <nw-answer-1@northwindlabs.com>\r\n"
                        f"In-Reply-To: {sent['Message-ID']}\r\n"
                        f"References: {sent['References']} {sent['Message-ID']}\r\n\r\n"
                        "Hi Alex,\r\n\r\nThanks for checking in! We are still deciding; I will "
                        "get back to you\r\nby Friday the 27th.\r\n\r\nBest,\r\nDana\r\n"
                    ).encode())  # fmt: skip
                    replied_dana = True
                time.sleep(0.2)

            checkins = [m for m in setup.sink.messages if m.rcpt_tos == (DANA,)]
            assert len(checkins) == 1, [parsed(m.data)["Subject"] for m in checkins]
            first = parsed(checkins[0].data)
            assert first["In-Reply-To"] == "<nw-timeline-1@northwindlabs.com>"
            assert answered, "no digest arrived"

            notify.drain()
            process.send_signal(signal.SIGTERM)
            _out, errors = process.communicate(timeout=10)
            assert process.returncode == 0, errors
    finally:
        datagrams = notify.drain()
        notify.close()
    assert any("READY=1" in datagram for datagram in datagrams), datagrams
    assert any(d.startswith("STATUS=") or "\nSTATUS=" in d for d in datagrams), datagrams
    assert any("STOPPING=1" in datagram for datagram in datagrams), datagrams
    assert "synced 1 of 1 accounts" in " ".join(datagrams)
    # The log is one line per event, never a secret.
    assert setup.account.password not in errors
    # What the daemon decided is in the database: the check-in sent, its next one after the 27th.
    items = setup.items()
    assert [i["state"] for i in items if i["kind"] == "checkin"].count("sent") == 1
    threads = json.loads(setup.ok("threads", "--json"))["threads"]
    [northwind] = [t for t in threads if t["company"] == "Northwind Labs"]
    assert northwind["replied_after_thankyou"]
    assert northwind["next_step"]["kind"] == "checkin", northwind["next_step"]
    assert northwind["stated_timeline"]["due"] == "2026-11-27"  # Dana's new date
    assert northwind["next_step"]["due"].startswith("2026-12-01T09:30")  # Fri 27th + grace


def test_sighup_with_a_broken_config_keeps_the_old_one(setup: Setup, tmp_path: Path) -> None:
    notify = Notifications(tmp_path / "notify.sock")
    good = setup.config.read_text()
    try:
        with daemon(setup, notify) as process:
            _wait_for(lambda: any("READY=1" in d for d in notify.drain()), "READY")
            broken = good.replace("{holidays: DE}", "{holidays: DE, max_checkins: 3}")
            assert broken != good
            setup.config.write_text(broken)
            process.send_signal(signal.SIGHUP)
            _wait_for(lambda: any("RELOADING=1" in d for d in notify.drain()), "RELOADING")
            time.sleep(1)
            assert process.poll() is None
            setup.config.write_text(good)
            process.send_signal(signal.SIGHUP)
            _wait_for(lambda: any("configuration reloaded" in d for d in notify.drain()),
                      "reloaded")  # fmt: skip
            process.send_signal(signal.SIGTERM)
            _out, errors = process.communicate(timeout=10)
            assert process.returncode == 0
            assert "reload refused" in errors and "max_checkins" in errors
    finally:
        notify.close()


def test_a_wrong_password_is_logged_and_retried_not_fatal(setup: Setup, tmp_path: Path) -> None:
    notify = Notifications(tmp_path / "notify.sock")
    setup.env["SEND_PASSWORD"] = "not-the-password"
    try:
        with daemon(setup, notify) as process:
            _wait_for(lambda: any("READY=1" in d for d in notify.drain()), "READY")
            time.sleep(1.5)
            assert process.poll() is None
            process.send_signal(signal.SIGTERM)
            _out, errors = process.communicate(timeout=10)
            assert process.returncode == 0
            assert "account main failed; next try in" in errors
            assert "not-the-password" not in errors
    finally:
        notify.close()
    assert "synced 0 of 1 accounts" in " ".join(notify.received)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout:g} s"
        time.sleep(0.1)


def test_the_simulated_clock_runs_at_its_speed() -> None:
    clock = clock_from_environ({"FOLLOWUP_SIMULATED_CLOCK": "2026-11-16T08:00+01:00 x3600"})
    assert clock.speed == 3600
    first = clock.now()
    time.sleep(0.05)
    elapsed = clock.now() - first
    assert timedelta(seconds=100) < elapsed < timedelta(hours=2)
    assert first >= datetime(2026, 11, 16, 8, 0, tzinfo=CET)
    assert clock_from_environ({}).speed == 1.0
