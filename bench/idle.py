"""Benchmark of `followup run` idling on a synced mailbox: memory, CPU, and reply latency.

Fills a private Dovecot with N generated messages (bench/sync.py's generator), syncs them
once, then starts the daemon and lets it idle for `--minutes`, measuring from /proc:

  - its resident memory (VmRSS at the end of the idle period, VmHWM peak) against a
    baseline: a bare Python process that imports the daemon's modules (measured in the same
    run); and VmRSS again after the replies below were synced and analysed;
  - its CPU use over the idle period (utime + stime ticks / wall time);
  - the delay from an APPEND of a reply into INBOX to its row in the database, with IDLE,
    over five APPENDs (median and max).

    .venv/bin/python bench/idle.py                      # 10,000 messages, 5 minutes
    .venv/bin/python bench/idle.py --n 2000 --minutes 0.5
    .venv/bin/python bench/idle.py --entry module       # `python -m tracker.daemon`

`--entry cli` (the default) runs `followup run`, as the systemd unit does; `--entry module` runs
`python -m tracker.daemon`. Both run the same daemon without the CLI's imports (typer, rich, ...):
the console script hands `[--config PATH] run` straight to tracker.daemon (tracker/__main__.py).

Targets (issue 7): RSS <= 80 MB, CPU < 1 %, delay < 5 s.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sync import fill_maildir, followup_sync, write_config  # noqa: E402
from tests.servers import PrivateDovecot  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of `pid` in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def cpu_seconds(pid: int) -> float:
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICKS  # utime, stime


ENTRIES = {"cli": "followup run", "module": "python -m tracker.daemon"}


def _events(log: Path) -> list[str]:
    """The first words of each log message ("pass done", "watching INBOX", ...)."""
    return [" ".join(line.split(": ", 2)[-1].split()[:2]) for line in log.read_text().splitlines()]


def baseline_mb(entry: str) -> float:
    """RSS of a Python that imports what the daemon imports, doing nothing."""
    modules = "tracker.__main__, tracker.daemon" if entry == "cli" else "tracker.daemon"
    probe = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "-c",
         f"import {modules}, time; print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert probe.stdout is not None
    probe.stdout.readline()
    rss, _ = memory_mb(probe.pid)
    probe.kill()
    probe.wait()
    return rss


def stored(database: Path, message_id: str) -> bool:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT 1 FROM messages WHERE message_id = ?", (message_id,)
        ).fetchone()
    return row is not None


def reply(n: int, user: str) -> bytes:
    return (
        f"From: Dana <dana@company1.example>\r\nTo: {user}\r\nSubject: Re: topic 1\r\n"
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
        f"Message-ID: <idle-reply-{n}@bench.example>\r\n"
        "References: <bench-root-1@bench.example>\r\n\r\nThanks, more soon.\r\n"
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="messages in the mailbox")
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to idle")
    parser.add_argument("--entry", choices=["cli", "module"], default="cli",
                        help="`followup run` (as systemd runs it) or `python -m tracker.daemon`")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="followup-idle-") as tmp, PrivateDovecot() as server:
        server.start()
        user, password = "bench@followup.test", "bench-password"
        server.add_user(user, password)
        fill_maildir(server, user, password, args.n)
        config = Path(tmp) / "config.yaml"
        database = Path(tmp) / "state.db"
        write_config(config, server, user, database)
        # The daemon's INFO lines tell when IDLE is set up (bench/sync.py writes WARNING).
        config.write_text(config.read_text().replace("log_level: WARNING", "log_level: INFO"))
        synced_s = followup_sync(config, password).elapsed_s
        print(f"mailbox: {args.n} messages, first sync {synced_s:.1f} s")
        base = baseline_mb(args.entry)

        command = (
            [str(ROOT / ".venv" / "bin" / "followup"), "--config", str(config), "run"]
            if args.entry == "cli"
            else [str(ROOT / ".venv" / "bin" / "python"), "-m", "tracker.daemon",
                  "--config", str(config)]
        )  # fmt: skip
        log = Path(tmp) / "daemon.log"
        with log.open("w") as errors:
            daemon = subprocess.Popen(
                command, env={**os.environ, "BENCH_PASSWORD": password}, stderr=errors
            )
        try:
            started = time.monotonic()
            while not {"watching INBOX", "pass done"} <= set(_events(log)):  # IDLE is on
                if daemon.poll() is not None or time.monotonic() - started > 120:
                    raise SystemExit(f"the daemon did not start (exit {daemon.poll()}):\n"
                                     f"{log.read_text()}")
                time.sleep(0.2)
            time.sleep(5)  # the catch-up pass the IDLE watcher asks for when it connects
            cpu_before, wall_before = cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(args.minutes * 60)
            cpu = (cpu_seconds(daemon.pid) - cpu_before) / (time.monotonic() - wall_before)
            rss, peak = memory_mb(daemon.pid)
            delays = []
            for n in range(5):
                message_id = f"<idle-reply-{n}@bench.example>"
                client = server.client(user)
                started = time.monotonic()
                client.append("INBOX", reply(n, user))
                client.logout()
                while not stored(database, message_id):
                    if time.monotonic() - started > 60:
                        raise SystemExit(f"{message_id} was not stored within 60 s")
                    time.sleep(0.05)
                delays.append(time.monotonic() - started)
                time.sleep(2)
            after_replies, _ = memory_mb(daemon.pid)
        finally:
            began = time.monotonic()
            daemon.terminate()
            code = daemon.wait(timeout=15)
            stop_s = time.monotonic() - began
        problems = [line for line in log.read_text().splitlines()
                    if ": ERROR " in line or ": WARNING " in line]  # fmt: skip

    print(f"entry:          {ENTRIES[args.entry]}")
    print(f"idle RSS:       {rss:6.1f} MB (peak {peak:.1f} MB; bare import baseline {base:.1f} MB,"
          f" ratio {rss / base:.2f})   target <= 80 MB")  # fmt: skip
    print(f"after replies:  {after_replies:6.1f} MB (the five replies below synced and analysed)")
    print(f"idle CPU:       {cpu * 100:6.2f} %  over {args.minutes:g} min   target < 1 %")
    print(f"reply → stored: median {statistics.median(delays):.2f} s, max {max(delays):.2f} s "
          "(IDLE)   target < 5 s")  # fmt: skip
    print(f"SIGTERM → exit: {stop_s:6.2f} s, exit code {code}   target < 10 s, 0")
    for line in problems:
        print(f"daemon log:     {line}")
    return 0 if code == 0 and not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
