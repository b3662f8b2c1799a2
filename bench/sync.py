"""Benchmark of `followup sync` against a private Dovecot filled with generated mail.

Measures, in one run on the same server and mailbox:

  (a) the raw floor: imapclient alone fetching the same fields for the same UIDs in the same
      batch sizes as followup;
  (b) `followup sync --once` from an empty database (a subprocess; its own elapsed_s);
  (c) a second `followup sync --once` that finds nothing new, and the no-change pass alone on
      an open connection, with its IMAP round trips;

and prints the ratio (b)/(a), the no-change times and the peak RSS of (b).

    .venv/bin/python bench/sync.py            # 10,000 messages
    .venv/bin/python bench/sync.py --n 50000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import PrivateDovecot  # noqa: E402
from tracker.config import Secret, Settings  # noqa: E402
from tracker.mail.imap import (  # noqa: E402
    DEFAULT_BODY_CAP,
    FETCH_BATCH,
    META_ITEMS,
    WHOLE,
    ImapConnection,
    fetch_plan,
    part_items,
)
from tracker.mail.partial import wanted_sections  # noqa: E402
from tracker.store import open_store  # noqa: E402
from tracker.sync import sync_account  # noqa: E402

NOW = datetime.now(UTC)
WORDS = [
    *("thanks", "interview", "schedule", "team", "role", "engineer", "update", "next"),
    *("steps", "week", "call", "project", "data", "platform", "meeting", "offer"),
    *("candidate", "time", "availability", "question"),
]


def generated_message(n: int, rnd: random.Random, owner: str) -> bytes:
    """One plausible message: mostly short text, some HTML, some with a large attachment."""
    outgoing = rnd.random() < 0.3
    sender = owner if outgoing else f"person{rnd.randrange(500)}@company{rnd.randrange(80)}.example"
    to = f"person{rnd.randrange(500)}@company{rnd.randrange(80)}.example" if outgoing else owner
    date = (NOW - timedelta(days=rnd.uniform(0, 170))).strftime("%a, %d %b %Y %H:%M:%S +0000")
    thread = rnd.randrange(max(1, n // 3) + 1)
    body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(40, 600)))
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: topic {thread}\r\nDate: {date}\r\n"
        f"Message-ID: <bench-{n}@bench.example>\r\nReferences: <bench-root-{thread}@bench.example>"
        "\r\nMIME-Version: 1.0\r\n"
    )
    kind = rnd.random()
    if kind < 0.75:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()
    if kind < 0.93:
        html = "".join(f"<p>{body[i : i + 200]}</p>" for i in range(0, len(body), 200))
        return (
            head + f"Content-Type: text/html; charset=utf-8\r\n\r\n<html>{html}</html>\r\n"
        ).encode()
    attachment = "QUJD" * rnd.randrange(10_000, 60_000)  # 40-240 KB of base64
    lines = "\r\n".join(attachment[i : i + 76] for i in range(0, len(attachment), 76))
    return (
        head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n--b\r\n"
        'Content-Type: application/pdf; name="cv.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + lines
        + "\r\n--b--\r\n"
    ).encode()


def fill_mailbox(server: PrivateDovecot, user: str, password: str, n: int) -> None:
    """Maildir: write n messages straight into it (APPEND of 50,000 would dominate). sdbox and
    mdbox (Dovecot's own formats) cannot be written from outside: MULTIAPPEND, 200 a command."""
    if server.mail_format == "maildir":
        fill_maildir(server, user, password, n)
        return
    client = server.client(user, timeout=300)
    rnd = random.Random(1)
    batch: list[bytes] = []
    for i in range(n):
        batch.append(generated_message(i, rnd, user))
        rnd.random()  # the Maildir writer's flag draw: the same mail in every format
        rnd.uniform(0, 170)  # and its received-date draw
        if len(batch) == 200 or i == n - 1:
            client.multiappend("INBOX", batch)
            batch = []
    client.logout()


def fill_maildir(server: PrivateDovecot, user: str, password: str, n: int) -> None:
    """Write n messages straight into the user's Maildir."""
    client = server.client(user)
    client.select_folder("INBOX")  # makes Dovecot create the Maildir
    client.logout()
    cur = server.maildir(user) / "cur"
    owner = cur.stat()
    rnd = random.Random(1)
    for i in range(n):
        raw = generated_message(i, rnd, user)
        path = cur / f"{1_700_000_000 + i}.M{i}P1.bench:2,{'S' if rnd.random() < 0.8 else ''}"
        path.write_bytes(raw)
        received = (NOW - timedelta(days=rnd.uniform(0, 170))).timestamp()
        os.utime(path, (received, received))
        os.chown(path, owner.st_uid, owner.st_gid)


def raw_floor(server: PrivateDovecot, user: str, since: datetime) -> tuple[float, int]:
    """(a): imapclient alone, the same SELECT, SEARCH and batched FETCH commands as followup:
    per batch of 250, metadata + BODYSTRUCTURE + header fields, then the text parts."""
    started = time.perf_counter()
    client = server.client(user)
    client.normalise_times = False
    client.enable("CONDSTORE")
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search(["UID", "1:*", "SINCE", (since - timedelta(days=1)).date()]))
    fetched = 0
    for start in range(0, len(uids), FETCH_BATCH):
        batch = uids[start : start + FETCH_BATCH]
        reply = client.fetch(batch, list(META_ITEMS))
        # The same second commands as followup: one per distinct set of wanted sections (the
        # choice is the pure planner's; no rebuilding, no parsing).
        groups: dict[tuple[str, ...], list[int]] = {}
        for uid, data in reply.items():
            plan = fetch_plan(data)
            sections = wanted_sections(plan[0]) if plan is not None else (WHOLE,)
            if sections:
                groups.setdefault(sections, []).append(uid)
        for sections, members in groups.items():
            client.fetch(members, part_items(sections, DEFAULT_BODY_CAP))
        fetched += len(reply)
    client.logout()
    return time.perf_counter() - started, fetched


def raw_no_change(server: PrivateDovecot, user: str, *, list_first: bool = False) -> float:
    """The floor of a no-change pass: the same STATUS and LIST commands, in the same order,
    imapclient alone, on a fresh connection. With `list_first`, LIST is sent first (as
    followup did until 2026-12-04): on Dovecot with Maildir each STATUS after it re-reads the
    folder."""
    client = server.client(user)
    started = time.perf_counter()
    if list_first:
        client.list_folders()
    for folder in ("INBOX", "Sent"):
        client.folder_status(folder, ["UIDVALIDITY", "UIDNEXT", "MESSAGES", "HIGHESTMODSEQ"])
    if not list_first:
        client.list_folders()
    elapsed = time.perf_counter() - started
    client.logout()
    return elapsed


def write_config(path: Path, server: PrivateDovecot, user: str, database: Path) -> None:
    path.write_text(
        "accounts:\n"
        "  - name: bench\n"
        f"    address: {user}\n"
        "    password_env: BENCH_PASSWORD\n"
        f"    imap: {{host: 127.0.0.1, port: {server.port}, security: none}}\n"
        "    smtp: {host: 127.0.0.1, port: 2525, security: none}\n"
        f"database: sqlite:///{database}\n"
        "log_level: WARNING\n"
    )


# `followup sync --once` exactly (tracker.cli:main, the console script's entry point), with
# the analysis pass timed from outside: (b) is reported with and without it.
_TIMED_CLI = """
import resource, sys, time
import tracker.sync
analyse = tracker.sync.analyse_account
spent = [0.0]
def timed(*args, **kwargs):
    if not spent[0]:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"sync_rss_kb={rss}", file=sys.stderr)
    started = time.perf_counter()
    try:
        return analyse(*args, **kwargs)
    finally:
        spent[0] += time.perf_counter() - started
tracker.sync.analyse_account = timed
from tracker.cli import main
try:
    main()
finally:
    print(f"analysis_s={spent[0]:.3f}", file=sys.stderr)
"""


@dataclass(frozen=True)
class FollowupRun:
    wall_s: float  # the subprocess, interpreter start-up included
    elapsed_s: float  # the command's own elapsed_s: sync, analysis, digest replies
    analysis_s: float  # of which the analysis pass
    sync_rss_mb: float  # the command's peak RSS when the analysis pass began
    document: dict[str, Any]

    @property
    def sync_s(self) -> float:
        return self.elapsed_s - self.analysis_s


def followup_sync(config: Path, password: str) -> FollowupRun:
    """Run `followup sync --once --json` in a subprocess and time its parts."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", _TIMED_CLI, "--config", str(config),
         "sync", "--once", "--json"],
        capture_output=True, text=True, check=True,
        env={**os.environ, "BENCH_PASSWORD": password},
    )  # fmt: skip
    wall = time.perf_counter() - started
    document = json.loads(result.stdout)
    [analysis] = re.findall(r"^analysis_s=([0-9.]+)$", result.stderr, re.MULTILINE)
    [rss] = re.findall(r"^sync_rss_kb=([0-9]+)$", result.stderr, re.MULTILINE)
    return FollowupRun(
        wall, float(document["elapsed_s"]), float(analysis), int(rss) / 1024, document
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="messages in the mailbox")
    parser.add_argument(
        "--format", choices=("maildir", "sdbox", "mdbox"), default="maildir",
        help="Dovecot's mailbox format (maildir: what the figures in bench/README.md used)",
    )  # fmt: skip
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="followup-bench-") as tmp,
        PrivateDovecot(mail_format=args.format) as server,
    ):
        server.start()
        user, password = "bench@followup.test", "bench-password"
        server.add_user(user, password)
        t0 = time.perf_counter()
        fill_mailbox(server, user, password, args.n)
        print(f"mailbox: {args.n} messages ({args.format}) written in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        since = NOW - timedelta(days=180)
        raw_floor(server, user, since)  # warm-up: Dovecot indexes the Maildir, caches fill

        floor_s, fetched = raw_floor(server, user, since)
        config = Path(tmp) / "config.yaml"
        database = Path(tmp) / "state.db"
        write_config(config, server, user, database)
        full = followup_sync(config, password)
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        [inbox] = [f for f in full.document["accounts"][0]["folders"] if f["name"] == "INBOX"]
        assert inbox["new"] == fetched, (inbox, fetched)

        quiet = followup_sync(config, password)
        settings = Settings.model_validate(
            {"accounts": [{"name": "bench", "address": user, "password_env": "X",
                           "imap": {"host": "127.0.0.1", "port": server.port, "security": "none"},
                           "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none"}}]}
        )  # fmt: skip
        # Each no-change figure is the best of three fresh connections: Dovecot's own cost
        # per session varies more than followup's.
        passes = []
        with open_store(f"sqlite:///{database}") as store:
            for _ in range(3):
                with ImapConnection.connect(settings.accounts[0], Secret(password)) as imap:
                    before = imap.round_trips
                    started = time.perf_counter()
                    report = sync_account(imap, store, now=NOW, lookback_days=180)
                    passes.append((time.perf_counter() - started) * 1000)
                    trips = imap.round_trips - before
                assert all(f.new == 0 for f in report.folders)
        pass_ms = min(passes)
        floor_quiet_ms = min(raw_no_change(server, user) for _ in range(3)) * 1000
        list_first_ms = min(raw_no_change(server, user, list_first=True) for _ in range(3)) * 1000

    print(f"(a) raw imapclient floor:       {floor_s:8.2f} s  ({fetched} messages fetched)")
    print(f"(b) followup sync, empty db:    {full.elapsed_s:8.2f} s  "
          f"(wall {full.wall_s:.2f} s with start-up)")  # fmt: skip
    print(f"    of which the sync:          {full.sync_s:8.2f} s")
    print(f"    and the analysis pass:      {full.analysis_s:8.2f} s")
    print(f"    ratio sync/(a):             {full.sync_s / floor_s:8.2f}")
    print(f"    ratio (b)/(a):              {full.elapsed_s / floor_s:8.2f}  (analysis included)")
    print(f"    peak RSS of (b):            {peak_rss_mb:8.1f} MB")
    print(f"    peak RSS before analysis:   {full.sync_rss_mb:8.1f} MB  (the sync's own process)")
    print(f"(c) no-change sync --once:      {quiet.elapsed_s * 1000:8.1f} ms "
          f"(analysis {quiet.analysis_s * 1000:.1f} ms; wall {quiet.wall_s:.2f} s)")  # fmt: skip
    print(f"    no-change pass, open conn.: {pass_ms:8.1f} ms, {trips} IMAP round trips "
          f"for {len(report.folders)} folders")  # fmt: skip
    print(f"    the same commands, raw:     {floor_quiet_ms:8.1f} ms "
          f"(followup's own cost: {pass_ms - floor_quiet_ms:.1f} ms)")  # fmt: skip
    print(f"    raw, LIST before STATUS:    {list_first_ms:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
