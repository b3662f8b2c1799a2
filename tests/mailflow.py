"""A mailbox on the private Dovecot holding the bundled sample, an SMTP sink that accepts the
account's login, a config for both, and `followup` run as a subprocess against them: the
`setup` fixture of the end-to-end tests of the queue, sending and approvals.

The sample mailbox's Northwind thread: interview Tue 3 Nov, thank-you 4 Nov, Dana says "by the
end of next week" on 5 Nov (due Fri 13 Nov) → the first check-in is due Tue 17 Nov 09:30 +01:00.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ImapAccount, SmtpSink

SAMPLE = Path(__file__).resolve().parents[1] / "tracker" / "samples" / "mailbox"
BEFORE = "2026-11-16T10:00+01:00"  # the draft exists (a day ahead), not yet due
DUE = "2026-11-17T09:31+01:00"  # due and inside the send window
LATER = "2026-11-17T11:00+01:00"


@dataclass
class Setup:
    account: ImapAccount
    sink: SmtpSink
    config: Path
    env: dict[str, str]

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tracker", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**self.env, **(env or {})},
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    def items(self) -> list[dict[str, Any]]:
        document = json.loads(self.ok("queue", "--all", "--json"))
        items: list[dict[str, Any]] = document["items"]
        return items

    def sent_copies(self, message_id: str) -> int:
        client = self.account.client()
        try:
            client.select_folder("Sent", readonly=True)
            return len(client.search(["HEADER", "Message-ID", message_id.strip("<>")]))
        finally:
            client.logout()


@pytest.fixture
def setup(imap_account: ImapAccount, tmp_path: Path) -> Iterator[Setup]:
    for path in sorted(SAMPLE.glob("*.eml")):
        raw = path.read_bytes()
        folder = "Sent" if raw.startswith(b"From: Alex Morgan <alex@example.com>") else "INBOX"
        imap_account.append(folder, raw)
    sink = SmtpSink(username=imap_account.username, password=imap_account.password)
    config = tmp_path / "config.yaml"
    config.write_text(
        "accounts:\n"
        "  - name: main\n"
        f"    address: {imap_account.address}\n"
        "    aliases: [alex@example.com]\n"
        "    password_env: SEND_PASSWORD\n"
        f"    imap: {{host: 127.0.0.1, port: {imap_account.port}, security: none}}\n"
        f"    smtp: {{host: 127.0.0.1, port: {sink.port}, security: none, "
        "timeout_seconds: 3}\n"
        "timezone: Europe/Berlin\n"
        f"database: sqlite:///{tmp_path / 'state.db'}\n"
        "sync: {lookback_days: 3650}\n"
        "policy: {holidays: DE}\n"
    )
    env = {**os.environ, "SEND_PASSWORD": imap_account.password, "COLUMNS": "300"}
    env.pop("FOLLOWUP_CRASH_AT", None)
    with sink:
        yield Setup(imap_account, sink, config, env)


def approved_checkin(setup: Setup) -> dict[str, Any]:
    setup.ok("sync", "--now", BEFORE)
    [item] = [i for i in setup.items() if i["state"] in {"proposed", "queued"}]
    assert item["kind"] == "checkin"
    assert item["ordinal"] == 1
    assert item["to"]["email"] == "dana.whitfield@northwindlabs.com"
    setup.ok("approve", item["id"], "--now", BEFORE)
    [approved] = [i for i in setup.items() if i["id"] == item["id"]]
    assert approved["state"] == "approved"
    return approved


def state_of(setup: Setup, code: str) -> dict[str, Any]:
    [item] = [i for i in setup.items() if i["id"] == code]
    return item
