"""`followup scan` end to end, as a script would run it: JSON on stdout, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tracker.understand.parse import parse_message

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tracker" / "samples" / "mailbox"
REALWORLD = Path(
    os.environ.get("FOLLOWUP_REALWORLD_MAIL", ROOT.parent / "shared" / "realworld-mail")
)
CONTRACT_KEYS = {
    "thread_id", "message_ids", "is_interview", "score", "reasons", "company", "role",
    "contacts", "interview_at", "thankyou_message_id", "thankyou_at",
    "replied_after_thankyou", "auto_reply_message_ids", "stated_timeline", "outcome",
    "checkins_sent", "next_step",
}  # fmt: skip


def followup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "FOLLOWUP_CONFIG": "/nonexistent/config.yaml"},
    )


def scan_json(*args: str) -> dict[str, Any]:
    result = followup("scan", *args, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # stdout holds the JSON document and nothing else
    assert isinstance(document, dict)
    return document


def test_sample_mailbox_threads_and_message_ids() -> None:
    document = scan_json(str(SAMPLE), "--me", "alex@example.com", "--now", "2026-11-20T09:00Z")
    threads = document["threads"]
    assert [t["message_ids"] for t in threads] == [
        [
            "<nw-invite-1@northwindlabs.com>",
            "<alex-confirm-1@example.com>",
            "<alex-thanks-1@example.com>",
            "<ooo-priya-1@northwindlabs.com>",
            "<nw-timeline-1@northwindlabs.com>",
        ],
        ["<gh-acme-1@us.greenhouse-mail.io>", "<gh-acme-2@us.greenhouse-mail.io>"],
        ["<cw-2026-45@careerweekly.example>"],
        ["<sam-1@example.net>"],
    ]
    assert len({t["thread_id"] for t in threads}) == 4
    for thread in threads:
        assert thread.keys() >= CONTRACT_KEYS
    northwind, acme = threads[:2]
    assert northwind["auto_reply_message_ids"] == ["<ooo-priya-1@northwindlabs.com>"]
    assert {c["email"] for c in northwind["contacts"]} == {"dana.whitfield@northwindlabs.com"}
    assert [t["is_interview"] for t in threads] == [True, True, False, False]
    assert northwind["interview_at"] == "2026-11-03T14:00:00+01:00"
    assert northwind["thankyou_message_id"] == "<alex-thanks-1@example.com>"
    assert northwind["replied_after_thankyou"] is True
    assert northwind["stated_timeline"] == {"text": "by the end of next week", "due": "2026-11-13"}
    assert (northwind["outcome"], acme["outcome"]) == ("open", "rejected")
    assert acme["interview_at"] == "2026-11-06T10:00:00-08:00"
    assert all(0 <= t["score"] <= 1 and t["reasons"] for t in threads)
    assert document["unparseable"] == []


def test_thread_ids_do_not_change_between_runs(tmp_path: Path) -> None:
    first = scan_json(str(SAMPLE), "--me", "alex@example.com")
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("01-northwind-invite.eml", "02-northwind-confirm.eml"):
        (partial / name).write_bytes((SAMPLE / name).read_bytes())
    second = scan_json(str(partial), "--me", "alex@example.com")
    assert second["threads"][0]["thread_id"] == first["threads"][0]["thread_id"]


def test_missing_path_exits_2_naming_it(tmp_path: Path) -> None:
    result = followup("scan", str(tmp_path / "nope"), "--json")
    assert result.returncode == 2
    assert "nope" in result.stderr
    assert result.stdout == ""


def test_bad_now_exits_2() -> None:
    result = followup("scan", str(SAMPLE), "--now", "next tuesday")
    assert result.returncode == 2
    assert "--now" in result.stderr


def test_unparseable_message_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "good.eml").write_bytes((SAMPLE / "09-friend.eml").read_bytes())
    (tmp_path / "garbage.eml").write_bytes(b"\x00\x01\x02\xff" * 64)
    document = scan_json(str(tmp_path))
    assert [t["message_ids"] for t in document["threads"]] == [["<sam-1@example.net>"]]
    assert [u["origin"] for u in document["unparseable"]] == [str(tmp_path / "garbage.eml")]


def test_scan_survives_every_realworld_message() -> None:
    if not REALWORLD.is_dir():
        pytest.skip(f"the third-party corpus is not at {REALWORLD} (CI has it)")
    files = sorted(REALWORLD.glob("*.eml"))
    document = scan_json(str(REALWORLD), "--me", "alex@example.com")
    assert document["messages_read"] == len(files)
    in_threads = [m for t in document["threads"] for m in t["message_ids"]]
    # Every file is accounted for: threaded once per Message-ID (copies count once), or
    # listed as unparseable with its reason.
    parsed = [parse_message(path.read_bytes(), ["alex@example.com"]) for path in files]
    expected = {m.message_id for m in parsed if m.unparseable is None}
    assert sorted(in_threads) == sorted(expected)
    assert len(document["unparseable"]) == sum(m.unparseable is not None for m in parsed)
    assert all(u["reason"] for u in document["unparseable"])
