"""`followup run` end to end: the daemon as a subprocess with a fast simulated clock against
the private Dovecot and aiosmtpd, and its systemd notifications on a socket the test listens on.

Interview invite → thank-you in Sent → the recruiter states "by the end of next week" → time
passes → the digest arrives → the owner's approval is filed in Sent → the check-in arrives
exactly once → the recruiter answers → no second check-in, although the owner keeps approving
everything every digest offers → SIGTERM exits 0.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from functools import partial
from pathlib import Path

import pytest

from tests.mailflow import Setup
from tracker.clock import SIMULATED_CLOCK_VARIABLE, clock_from_environ
from tracker.daemon import MIN_INTERVAL_SECONDS, pass_interval_seconds

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
def daemon(
    setup: Setup,
    notify: Notifications,
    *,
    speed: float = SPEED,
    cli: bool = True,
    log: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[str]]:
    """`followup run`, or `python -m tracker.daemon` (no CLI imports); its stderr to `log`."""
    env = {
        **setup.env,
        "NOTIFY_SOCKET": str(notify.path),
        "FOLLOWUP_SIMULATED_CLOCK": f"{START.isoformat()} x{speed:g}",
        **(extra_env or {}),
    }
    entry = ["-m", "tracker", "--config", str(setup.config), "run"] if cli else [
        "-m", "tracker.daemon", "--config", str(setup.config)]  # fmt: skip
    with ExitStack() as stack:
        errors = stack.enter_context(log.open("w")) if log else subprocess.PIPE
        process = subprocess.Popen(
            [sys.executable, *entry],
            env=env, stdout=subprocess.PIPE, stderr=errors, text=True,
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


def _slow_passes(setup: Setup) -> None:
    """Scheduled passes an hour apart: what the daemon stores within seconds, IDLE brought."""
    text = setup.config.read_text()
    slow = text.replace("sync: {lookback_days: 3650}",
                        "sync: {lookback_days: 3650, interval_minutes: 60}")  # fmt: skip
    assert slow != text
    setup.config.write_text(slow)


def _new_message(setup: Setup, tag: str) -> str:
    """APPEND a recruiter's message to INBOX, as a delivery would; its Message-ID."""
    message_id = f"<{tag}@recruiting.example>"
    setup.account.append("INBOX", (
        f"From: Sam Porter <sam@recruiting.example>\r\nTo: {setup.account.address}\r\n"
        f"Subject: A quick question ({tag})\r\nDate: {format_datetime(START)}\r\n"
        f"Message-ID: {message_id}\r\n\r\nAre you free for a call on Thursday?\r\n"
    ).encode())  # fmt: skip
    return message_id


def _stored(database: Path, message_id: str) -> bool:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        row = connection.execute(
            "SELECT 1 FROM messages WHERE message_id = ?", (message_id,)
        ).fetchone()
    return row is not None


def _has(notify: Notifications, field: str, since: int = 0) -> bool:
    return any(field in datagram.split("\n") for datagram in notify.drain()[since:])


def _stop(process: subprocess.Popen[str], log: Path) -> str:
    """SIGTERM; the daemon must exit 0 within 10 s. Its log."""
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    assert time.monotonic() - began < 10
    assert process.returncode == 0, log.read_text()
    return log.read_text()


def test_idle_brings_new_mail_in_within_seconds(setup: Setup, tmp_path: Path) -> None:
    _slow_passes(setup)
    notify = Notifications(tmp_path / "notify.sock")
    log = tmp_path / "daemon.log"
    try:
        # systemd's watchdog wants a ping at least every second: one every half second.
        with daemon(setup, notify, speed=1, cli=False, log=log,
                    extra_env={"WATCHDOG_USEC": "1000000"}) as process:  # fmt: skip
            _wait_for(lambda: _has(notify, "READY=1"), "READY")
            _wait_for(lambda: "watching INBOX" in log.read_text(), "IDLE on INBOX")
            for n in range(2):  # the second proves IDLE was re-issued after the first
                message_id = _new_message(setup, f"idle-{n}")
                _wait_for(partial(_stored, tmp_path / "state.db", message_id),
                          f"{message_id} in the database", timeout=5)  # fmt: skip
            _wait_for(lambda: notify.drain().count("WATCHDOG=1") >= 4, "watchdog pings", 5)
            errors = _stop(process, log)
    finally:
        notify.drain()
        notify.close()
    assert any("READY=1" in d and "STATUS=synced 1 of 1 accounts" in d for d in notify.received)
    assert "STOPPING=1" in notify.received
    assert setup.account.password not in errors
    for line in errors.splitlines():
        assert re.fullmatch(rf"followup\[{process.pid}\]: (DEBUG|INFO|WARNING|ERROR) \S+: .+",
                            line), line  # fmt: skip


def test_sighup_refuses_a_broken_config_and_takes_a_good_one(
    setup: Setup, tmp_path: Path
) -> None:
    _slow_passes(setup)
    good = setup.config.read_text()
    notify = Notifications(tmp_path / "notify.sock")
    log = tmp_path / "daemon.log"
    try:
        with daemon(setup, notify, speed=1, cli=False, log=log) as process:
            _wait_for(lambda: _has(notify, "READY=1"), "READY")
            _wait_for(lambda: "watching INBOX" in log.read_text(), "IDLE on INBOX")
            broken = good.replace("{holidays: DE}", "{holidays: DE, max_checkins: 3}")
            assert broken != good
            setup.config.write_text(broken)
            mark = len(notify.drain())
            process.send_signal(signal.SIGHUP)
            _wait_for(lambda: "reload refused" in log.read_text(), "the refusal")
            assert _has(notify, "RELOADING=1", mark)
            assert "max_checkins" in log.read_text()
            # Still serving with the old configuration: IDLE still brings mail in.
            message_id = _new_message(setup, "after-refusal")
            _wait_for(lambda: _stored(tmp_path / "state.db", message_id),
                      "mail after the refusal", timeout=5)  # fmt: skip
            assert process.poll() is None

            setup.config.write_text(good + "log_level: debug\n")
            mark = len(notify.drain())
            process.send_signal(signal.SIGHUP)
            _wait_for(lambda: _has(notify, "READY=1", mark), "READY after the reload")
            after = notify.received[mark:]
            reloading = [i for i, d in enumerate(after) if "RELOADING=1" in d.split("\n")]
            ready = [i for i, d in enumerate(after) if "READY=1" in d.split("\n")]
            assert reloading and ready and reloading[0] < ready[0], after
            message_id = _new_message(setup, "after-reload")
            _wait_for(lambda: _stored(tmp_path / "state.db", message_id),
                      "mail after the reload", timeout=5)  # fmt: skip
            errors = _stop(process, log)
    finally:
        notify.drain()
        notify.close()
    assert "configuration reloaded" in errors
    assert ": DEBUG " in errors  # the new log level took effect
    assert setup.account.password not in errors  # even at DEBUG, with a new IMAP login


def test_a_wrong_password_is_logged_and_retried_not_fatal(setup: Setup, tmp_path: Path) -> None:
    notify = Notifications(tmp_path / "notify.sock")
    log = tmp_path / "daemon.log"
    setup.env["SEND_PASSWORD"] = "not-the-password"
    try:
        with daemon(setup, notify, cli=False, log=log) as process:
            _wait_for(lambda: _has(notify, "READY=1"), "READY")
            time.sleep(1.5)  # a few more passes at the simulated clock's pace
            assert process.poll() is None
            errors = _stop(process, log)
    finally:
        notify.drain()
        notify.close()
    assert "synced 0 of 1 accounts" in " ".join(notify.received)
    assert "account main failed; next try in" in errors
    assert "refused the login" in errors  # what went wrong, not only that something did
    assert "IDLE on account main failed" in errors
    assert "not-the-password" not in errors
    assert "Traceback" not in errors


def test_sigterm_abandons_a_pass_stuck_on_a_silent_server(setup: Setup, tmp_path: Path) -> None:
    # A server that accepts connections and never says a word: the first pass waits for its
    # greeting (30 s) when SIGTERM comes.
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    text = setup.config.read_text()
    stuck = text.replace(f"port: {setup.account.port},", f"port: {silent.getsockname()[1]},")
    assert stuck != text
    setup.config.write_text(stuck)
    notify = Notifications(tmp_path / "notify.sock")
    log = tmp_path / "daemon.log"
    try:
        with daemon(setup, notify, cli=False, log=log) as process:
            _wait_for(lambda: "followup started" in log.read_text(), "the start")
            time.sleep(1)
            errors = _stop(process, log)
    finally:
        notify.drain()
        notify.close()
        silent.close()
    assert "the pass in flight is abandoned" in errors
    assert "STOPPING=1" in notify.received
    assert not any("READY=1" in d for d in notify.received)  # no pass ever finished


def test_an_unreadable_simulated_clock_is_a_usage_error(setup: Setup) -> None:
    result = setup.run(env={SIMULATED_CLOCK_VARIABLE: "next tuesday x2"})
    assert result.returncode == 2, result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "tracker.daemon", "--config", str(setup.config)],
        env={**setup.env, SIMULATED_CLOCK_VARIABLE: "2026-11-16T08:00 x0"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert SIMULATED_CLOCK_VARIABLE in result.stderr and "Traceback" not in result.stderr


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout:g} s"
        time.sleep(0.1)


# --- the simulated clock and the intervals it gives (pure: a fake monotonic clock) -----------


class FakeMonotonic:
    def __init__(self) -> None:
        self.seconds = 5000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.mark.parametrize(
    ("value", "start", "speed"),
    [
        ("2026-11-16T08:00+01:00 x3600", datetime(2026, 11, 16, 8, 0, tzinfo=CET), 3600.0),
        ("2026-11-16T08:00+01:00 3600", datetime(2026, 11, 16, 8, 0, tzinfo=CET), 3600.0),
        ("  2026-11-16T08:00+01:00   x0.5 ", datetime(2026, 11, 16, 8, 0, tzinfo=CET), 0.5),
        ("2026-11-16T07:00", datetime(2026, 11, 16, 7, 0, tzinfo=UTC), 1.0),  # UTC, real pace
        ("2026-03-29T00:30:00+00:00 x14400", datetime(2026, 3, 29, 0, 30, tzinfo=UTC), 14400.0),
    ],
)
def test_the_simulated_clock_starts_where_told_and_runs_at_its_speed(
    value: str, start: datetime, speed: float
) -> None:
    real = FakeMonotonic()
    clock = clock_from_environ({SIMULATED_CLOCK_VARIABLE: value}, monotonic=real)
    assert clock.speed == speed
    assert clock.now() == start
    assert clock.now().utcoffset() == start.utcoffset()
    real.seconds += 2.5
    assert clock.now() == start + timedelta(seconds=2.5 * speed)
    real.seconds += 0.5
    assert clock.now() == start + timedelta(seconds=3 * speed)


@pytest.mark.parametrize(
    "value",
    [
        "next tuesday x2",
        "2026-11-16T08:00 x0",
        "2026-11-16T08:00 x-60",
        "2026-11-16T08:00 xnan",
        "2026-11-16T08:00 xinf",
        "2026-11-16T08:00 fast",
        "2026-11-16T08:00 x2 x3",
    ],
)
def test_a_simulated_clock_it_cannot_read_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match=SIMULATED_CLOCK_VARIABLE):
        clock_from_environ({SIMULATED_CLOCK_VARIABLE: value}, monotonic=FakeMonotonic())


def test_without_the_variable_the_clock_is_the_system_clock() -> None:
    for environ in ({}, {SIMULATED_CLOCK_VARIABLE: "  "}):
        clock = clock_from_environ(environ, monotonic=FakeMonotonic())
        assert clock.speed == 1.0
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("minutes", "speed", "seconds"),
    [
        (5, 1.0, 300.0),
        (5, 60.0, 5.0),
        (5, 3600.0, MIN_INTERVAL_SECONDS),  # never busier than every half second
        (60, 14400.0, 0.5),
        (1, 0.5, 120.0),
    ],
)
def test_the_pass_interval_is_the_configured_one_at_the_clocks_pace(
    minutes: float, speed: float, seconds: float
) -> None:
    assert pass_interval_seconds(minutes, speed) == seconds
