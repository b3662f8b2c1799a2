"""`followup doctor` against the private Dovecot and a real SMTP server: ok, and what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import ImapAccount, SmtpSink, free_port


@pytest.fixture
def sink_for(imap_account: ImapAccount) -> Iterator[SmtpSink]:
    """An SMTP server that accepts the same login as the IMAP account, like a real provider."""
    sink = SmtpSink(username=imap_account.username, password=imap_account.password)
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def write_config(tmp_path: Path, account: ImapAccount, smtp_port: int) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        "accounts:\n"
        "  - name: main\n"
        f"    address: {account.address}\n"
        "    password_env: DOCTOR_PASSWORD\n"
        f"    imap: {{host: 127.0.0.1, port: {account.port}, security: none}}\n"
        f"    smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none}}\n"
        f"database: sqlite:///{tmp_path / 'state.db'}\n"
    )
    return path


def doctor(config: Path, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(config), "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DOCTOR_PASSWORD": password, "COLUMNS": "300"},
    )


def test_everything_ok(imap_account: ImapAccount, sink_for: SmtpSink, tmp_path: Path) -> None:
    result = doctor(write_config(tmp_path, imap_account, sink_for.port), imap_account.password)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("ok") for line in lines), result.stdout
    checks = [line.split()[2] for line in lines]
    assert checks[:2] == ["configuration", "database"]
    assert "IDLE, CONDSTORE, QRESYNC" in result.stdout
    assert "INBOX (inbox), Sent (sent)" in result.stdout
    assert any("SMTP login" in line for line in lines)
    assert imap_account.password not in result.stdout + result.stderr


def test_wrong_password_says_what_to_do(
    imap_account: ImapAccount, sink_for: SmtpSink, tmp_path: Path
) -> None:
    result = doctor(write_config(tmp_path, imap_account, sink_for.port), "wrong-password")
    assert result.returncode == 1
    assert "FAIL" in result.stdout
    assert "refused the login" in result.stdout
    assert "check the username and the password source" in result.stdout


def test_closed_smtp_port_is_reported(imap_account: ImapAccount, tmp_path: Path) -> None:
    result = doctor(write_config(tmp_path, imap_account, free_port()), imap_account.password)
    assert result.returncode == 1
    smtp_line = next(line for line in result.stdout.splitlines() if "SMTP login" in line)
    assert smtp_line.startswith("FAIL")
    assert "refused the connection; check smtp.port" in smtp_line


def test_broken_config_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: []\nsnyc: {}\n")
    result = doctor(config, "x")
    assert result.returncode == 2
    assert result.stdout.startswith("FAIL")
    assert "snyc" in result.stdout
