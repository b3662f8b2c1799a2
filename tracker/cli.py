"""The `followup` command: parses arguments, calls the piece that owns the job, prints."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import TaskID
from rich.table import Table

from tracker import config
from tracker.clock import parse_now, system_clock
from tracker.doctor import run_checks
from tracker.errors import FollowupError, UsageError
from tracker.explain import explain as explain_thread
from tracker.explain import lines as explanation_lines
from tracker.scan import ScanResult, scan_document, scan_paths
from tracker.store import open_store
from tracker.sync import AccountReport, Progress, sync_all
from tracker.understand.facts import thread_facts

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="followup: polite, approved check-ins on your hiring threads.",
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(no_args_is_help=True, help="Check the configuration or print its schema.")
app.add_typer(config_app, name="config")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False)
T = TypeVar("T")
DEMO_OWNER = "alex@example.com"


@dataclass
class Globals:
    config_path: Path


def _globals(ctx: typer.Context) -> Globals:
    obj = ctx.find_root().obj
    assert isinstance(obj, Globals)
    return obj


@app.callback()
def _root(
    ctx: typer.Context,
    config_path: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="The YAML configuration (default: $FOLLOWUP_CONFIG, "
            "then ~/.config/followup/config.yaml).",
            readable=False,
        ),
    ] = None,
) -> None:
    ctx.obj = Globals(config_path=config_path or config.default_config_path(os.environ))


def _run(action: Callable[[], T]) -> T:
    """Run `action`, turning a FollowupError into its message and exit code (no traceback)."""
    try:
        return action()
    except FollowupError as exc:
        err.print(f"followup: {exc}", markup=False)
        raise typer.Exit(exc.exit_code) from None


def _print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _now(value: str | None) -> datetime:
    if value is None:
        return system_clock()
    try:
        return parse_now(value)
    except ValueError:
        raise UsageError(
            f"--now {value!r} is not an ISO 8601 moment (e.g. 2026-11-20T09:00+01:00)."
        ) from None


NowOption = Annotated[
    str | None,
    typer.Option("--now", help="Decide as if it were this ISO 8601 moment (replays any day)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


@app.command()
def scan(
    paths: Annotated[
        list[Path],
        typer.Argument(help=".eml files, folders of them, mbox files or Maildirs.", readable=False),
    ],
    me: Annotated[
        list[str] | None,
        typer.Option("--me", help="Your address (repeat for aliases): mail from it is outgoing."),
    ] = None,
    holidays: Annotated[
        str,
        typer.Option("--holidays", help="Country whose public holidays business days skip."),
    ] = "US",
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Analyse mail files offline: no network, no writes."""

    def work() -> tuple[ScanResult, datetime]:
        moment = _now(now)
        return scan_paths(paths, me or ()), moment

    result, moment = _run(work)
    if not me:
        err.print("followup: no --me given, so every message counts as incoming.")
    if as_json:
        _print_json(scan_document(result, moment, holidays.upper() or None))
        return
    _print_scan(result)


def _print_scan(result: ScanResult) -> None:
    table = Table(title=f"{len(result.threads)} threads in {result.messages_read} messages")
    table.add_column("thread")
    table.add_column("subject", overflow="fold")
    table.add_column("msgs", justify="right")
    table.add_column("last", no_wrap=True)
    for thread in result.threads:
        last = thread.messages[-1].date
        table.add_row(
            thread.thread_id,
            thread.messages[0].subject or "(no subject)",
            str(len(thread.messages)),
            last.strftime("%Y-%m-%d %H:%M") if last else "?",
        )
    out.print(table)
    for problem in result.unparseable:
        out.print(f"[yellow]unparseable[/] {problem.origin}: {problem.reason}", markup=True)


@app.command()
def sync(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="One pass, then exit (what sync always does).")
    ] = False,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sync every account once, then group threads."""
    del once  # a single pass is all `sync` does; the daemon (`followup run`) repeats it
    started = time.monotonic()

    def work() -> list[AccountReport]:
        moment = _now(now)
        settings = config.load_settings(_globals(ctx).config_path, environ=os.environ)
        with open_store(settings.database) as store, _sync_progress() as progress:
            return sync_all(settings, store, os.environ, now=moment, progress=progress)

    reports = _run(work)
    elapsed = round(time.monotonic() - started, 3)
    if as_json:
        _print_json({"accounts": [_account_json(r) for r in reports], "elapsed_s": elapsed})
    else:
        for report in reports:
            if report.error:
                out.print(f"[red]{report.name}[/]: {report.error}", markup=True)
                continue
            for folder in report.folders:
                line = (
                    f"{report.name} {folder.name}: {folder.messages} messages, "
                    f"{folder.new} new, {folder.changed} changed, {folder.vanished} vanished"
                )
                out.print(line if not folder.error else f"{line} ({folder.error})", markup=False)
    if any(r.error or any(f.error for f in r.folders) for r in reports):
        raise typer.Exit(1)


def _account_json(report: AccountReport) -> dict[str, object]:
    return {
        "name": report.name,
        "error": report.error,
        "folders": [
            {
                "name": f.name,
                "uidvalidity": f.uidvalidity,
                "messages": f.messages,
                "new": f.new,
                "changed": f.changed,
                "vanished": f.vanished,
                "error": f.error,
            }
            for f in report.folders
        ],
    }


@contextmanager
def _sync_progress() -> Iterator[Progress | None]:
    """A progress bar on a terminal (stderr), nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    with RichProgress(console=err, transient=True) as bar:
        tasks: dict[tuple[str, str], TaskID] = {}

        def update(account: str, folder: str, done: int, total: int) -> None:
            key = (account, folder)
            if key not in tasks:
                tasks[key] = bar.add_task(f"{account} {folder}", total=total)
            bar.update(tasks[key], completed=done, total=total)

        yield update


@app.command()
def doctor(ctx: typer.Context, now: NowOption = None) -> None:
    """Check the configuration, the database, and every account's IMAP and SMTP servers."""
    moment = _run(lambda: _now(now))
    failed = failed_config = False
    for check in run_checks(_globals(ctx).config_path, os.environ, moment):
        if not check.ok and check.subject == "config":
            failed_config = True
        failed |= not check.ok
        mark = "[green]ok  [/]" if check.ok else "[red]FAIL[/]"
        out.print(f"{mark} {check.subject:<10} {check.name:<18} ", markup=True, end="")
        out.print(check.detail, markup=False)
    if failed:
        raise typer.Exit(2 if failed_config else 1)


@app.command()
def explain(
    ctx: typer.Context,
    thread: Annotated[str, typer.Argument(help="A thread id (or a unique prefix of one).")],
) -> None:
    """Why a thread is a hiring thread, its facts with their messages, and its timeline."""

    def work() -> list[str]:
        settings = config.load_settings(_globals(ctx).config_path, environ=os.environ)
        with open_store(settings.database) as store:
            return list(explanation_lines(explain_thread(settings, store, thread)))

    for line in _run(work):
        out.print(line, markup=False, highlight=False)


@app.command()
def demo() -> None:
    """Run followup on its bundled sample mailbox: needs no account and no network."""
    sample = resources.files("tracker") / "samples" / "mailbox"
    with resources.as_file(sample) as folder:
        result = _run(lambda: scan_paths([folder], [DEMO_OWNER]))
    out.print(f"[bold]followup demo[/]: the bundled sample mailbox of {DEMO_OWNER}\n")
    _print_scan(result)
    for thread in result.threads:
        facts = thread_facts(thread, result.owner_addresses, "US")
        verdict = "[green]hiring thread[/]" if facts.is_interview else "[dim]not a hiring thread[/]"
        out.print(f"\n[bold]{thread.messages[0].subject or '(no subject)'}[/]: {verdict}")
        for message in thread.messages:
            arrow = "→ sent" if message.direction == "outgoing" else "← received"
            when = message.date.strftime("%a %d %b %H:%M") if message.date else "undated"
            sender = message.sender.email if message.sender else "?"
            flags = (
                " [dim](automatic)[/]" if message.message_id in facts.auto_reply_message_ids else ""
            )
            invite = " [cyan](calendar invitation)[/]" if message.calendar else ""
            out.print(f"  {when}  {arrow:<10} {sender}{flags}{invite}")
        out.print("  why: " + "; ".join(facts.reasons), markup=False)
        if not facts.is_interview:
            continue
        details = [
            f"company {facts.company or '?'}",
            f"interview {facts.interview_at:%a %d %b %H:%M}" if facts.interview_at else "",
            "thank-you sent" if facts.thankyou_message_id else "no thank-you yet",
            f"they promised {facts.stated_timeline.text!r}"
            + (f" (due {facts.stated_timeline.due:%a %d %b})" if facts.stated_timeline.due else "")
            if facts.stated_timeline
            else "",
            f"outcome {facts.outcome}",
        ]
        out.print("  facts: " + ", ".join(d for d in details if d), markup=False)


@config_app.command("check")
def config_check(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="The file to check (default: the --config file).", readable=False),
    ] = None,
) -> None:
    """Validate a configuration file and list every problem in it."""
    target = path or _globals(ctx).config_path
    _run(lambda: config.load_settings(target, environ=os.environ))
    err.print(f"{target}: ok", markup=False)


@config_app.command("schema")
def config_schema() -> None:
    """Print the JSON Schema of the configuration (for yaml-language-server and editors)."""
    _print_json(config.settings_schema())


def main() -> None:
    app()
