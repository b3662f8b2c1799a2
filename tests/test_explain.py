"""`followup explain` on a thread synced from the private Dovecot: reasons, facts, timeline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.servers import ImapAccount

SAMPLE = Path(__file__).resolve().parents[1] / "tracker" / "samples" / "mailbox"


def followup(config: Path, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "EXPLAIN_PASSWORD": password, "COLUMNS": "300"},
    )


def test_explain_a_synced_hiring_thread(imap_account: ImapAccount, tmp_path: Path) -> None:
    # The sample mailbox's owner is alex@example.com; here that is an alias of the test user.
    for path in sorted(SAMPLE.glob("*.eml")):
        raw = path.read_bytes()
        folder = "Sent" if raw.startswith(b"From: Alex Morgan <alex@example.com>") else "INBOX"
        imap_account.append(folder, raw)
    config = tmp_path / "config.yaml"
    config.write_text(
        "accounts:\n"
        "  - name: main\n"
        f"    address: {imap_account.address}\n"
        "    aliases: [alex@example.com]\n"
        "    password_env: EXPLAIN_PASSWORD\n"
        f"    imap: {{host: 127.0.0.1, port: {imap_account.port}, security: none}}\n"
        "    smtp: {host: 127.0.0.1, port: 2525, security: none}\n"
        f"database: sqlite:///{tmp_path / 'state.db'}\n"
        "sync: {lookback_days: 3650}\n"
    )
    synced = followup(config, imap_account.password, "sync", "--json")
    assert synced.returncode == 0, synced.stderr
    assert sum(f["new"] for f in json.loads(synced.stdout)["accounts"][0]["folders"]) == 9

    scan = subprocess.run(
        [sys.executable, "-m", "tracker", "scan", str(SAMPLE), "--me", "alex@example.com",
         "--json"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    northwind = json.loads(scan.stdout)["threads"][0]

    result = followup(config, imap_account.password, "explain", northwind["thread_id"][:8])
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "a hiring thread" in text
    assert "interview invite" in text  # the reason, as detect wrote it
    assert "interview: 2026-11-03T14:00:00+01:00 (from <nw-invite-1@northwindlabs.com>)" in text
    assert "thank-you: 2026-11-04T09:05:12+01:00 (<alex-thanks-1@example.com>)" in text
    assert "'by the end of next week' → 2026-11-13 (from <nw-timeline-1@northwindlabs.com>)" in text
    assert "(automatic)" in text
    assert text.count("<") >= 5  # every message of the thread is listed with its id

    missing = followup(config, imap_account.password, "explain", "t-nope")
    assert missing.returncode == 2
    assert "no thread 't-nope'" in missing.stderr
