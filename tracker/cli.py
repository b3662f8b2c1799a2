"""The `followup` command: parses arguments, calls the piece that owns the job, prints."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import TaskID
from rich.table import Table

from tracker import config
from tracker import queue as queue_actions
from tracker.approvals.commands import snooze_length
from tracker.approvals.service import prepare as prepare_digest
from tracker.approvals.service import process_replies, send_digest
from tracker.clock import parse_now, system_clock
from tracker.daemon import run as run_daemon
from tracker.doctor import run_checks
from tracker.errors import FollowupError, UsageError
from tracker.explain import explain as explain_thread
from tracker.explain import find_thread
from tracker.explain import lines as explanation_lines
from tracker.policy import Calendar
from tracker.queue import PENDING
from tracker.scan import ScanResult, scan_document, scan_paths
from tracker.sending import SendOutcome, ServerOutbox, send_due
from tracker.store import QueueItem, ThreadInfo, open_store
from tracker.sync import AccountReport, Progress, sync_all
from tracker.systemd import UnitInstall, install_unit

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
    *,
    me: Annotated[
        list[str] | None,
        typer.Option("--me", help="Your address (repeat for aliases): mail from it is outgoing."),
    ] = None,
    holidays: Annotated[
        str,
        typer.Option("--holidays", help="Country whose public holidays business days skip."),
    ] = "US",
    zone: Annotated[
        str, typer.Option("--timezone", help="Your IANA time zone (for the send window).")
    ] = "UTC",
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Analyse mail files offline: no network, no writes."""

    def work() -> tuple[ScanResult, datetime, Calendar]:
        moment = _now(now)
        try:
            owner_zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"--timezone {zone!r} is not an IANA time zone name.") from None
        calendar = Calendar(owner_zone=owner_zone, country=holidays.upper() or None)
        return scan_paths(paths, me or ()), moment, calendar

    result, moment, calendar = _run(work)
    if not me:
        err.print("followup: no --me given, so every message counts as incoming.")
    if as_json:
        _print_json(scan_document(result, moment, calendar))
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
def run(ctx: typer.Context) -> None:
    """The daemon, in the foreground (systemd runs this): sync, decide, digest and send."""
    code = _run(lambda: run_daemon(_globals(ctx).config_path, os.environ))
    raise typer.Exit(code)


@app.command()
def sync(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="One pass, then exit (what sync always does).")
    ] = False,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sync every account once, decide every thread again and read your digest replies.

    The approval queue follows what was decided: drafts are made, regenerated or cancelled.
    """
    del once  # a single pass is all `sync` does; the daemon (`followup run`) repeats it
    started = time.monotonic()

    def work() -> list[AccountReport]:
        moment = _now(now)
        settings = config.load_settings(_globals(ctx).config_path, environ=os.environ)
        with open_store(settings.database) as store, _sync_progress() as progress:
            reports = sync_all(settings, store, os.environ, now=moment, progress=progress)
            for outcome in process_replies(settings, store, os.environ, moment):
                for line in (*outcome.done, *outcome.problems):
                    err.print(f"digest reply: {line}", markup=False)
            return reports

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
    now: NowOption = None,
) -> None:
    """Why a thread is a hiring thread: facts, next step, drafts and history.

    Each fact is shown with the message it came from, then every message in order and the log
    of what followup decided and sent.
    """

    def work() -> list[str]:
        moment = _now(now)
        settings = config.load_settings(_globals(ctx).config_path, environ=os.environ)
        with open_store(settings.database) as store:
            return list(explanation_lines(explain_thread(settings, store, thread, moment)))

    for line in _run(work):
        out.print(line, markup=False, highlight=False)


@app.command()
def demo() -> None:
    """The whole pipeline on a bundled sample mailbox: no account, no network.

    A simulated clock, a local mailbox and an SMTP server on 127.0.0.1.
    """
    # Imported here: the demo's SMTP server (aiosmtpd) would otherwise sit in the daemon's memory.
    from tracker.demo import run_demo  # noqa: PLC0415

    _run(lambda: run_demo(out))


# --- threads and the approval queue ------------------------------------------------------------


def _settings(ctx: typer.Context) -> config.Settings:
    return config.load_settings(_globals(ctx).config_path, environ=os.environ)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %H:%M %z") if moment is not None else "-"


@app.command()
def threads(ctx: typer.Context, now: NowOption = None, as_json: JsonOption = False) -> None:
    """The tracked hiring threads and their state, as the last analysis left them."""

    def work() -> list[ThreadInfo]:
        _now(now)
        settings = _settings(ctx)
        with open_store(settings.database) as store:
            return [
                info
                for account in settings.accounts
                if account.name in {a.name for a in store.accounts()}
                for info in store.threads(account.name, hiring_only=True)
            ]

    found = _run(work)
    if as_json:
        _print_json({"threads": [_thread_json(info) for info in found]})
        return
    if not found:
        out.print("No hiring threads yet (run `followup sync` first).", markup=False)
        return
    table = Table("thread", "company", "role", "interview", "state", "next step", box=None)
    for info in found:
        facts, step = info.facts, info.step
        state = "stopped" if info.stopped_at else info.outcome
        table.add_row(
            info.thread_key[:12],
            str(facts.get("company") or "?"),
            str(facts.get("role") or "?"),
            str(facts.get("interview_at") or "-")[:16],
            state,
            f"{step.get('kind', '-')} {str(step.get('due') or '')[:16]}: {step.get('reason', '')}",
        )
    out.print(table)


def _thread_json(info: ThreadInfo) -> dict[str, object]:
    return {
        "account": info.account,
        "thread_id": info.thread_key,
        "subject": info.subject,
        "last_message_at": info.last_message_at.isoformat() if info.last_message_at else None,
        "outcome": info.outcome,
        "stopped": info.stopped_at is not None,
        **{key: value for key, value in info.facts.items() if key != "outcome"},
        "next_step": dict(info.step) or None,
        "analysed_at": info.analysed_at.isoformat() if info.analysed_at else None,
    }


@app.command()
def queue(
    ctx: typer.Context,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also drafts that were sent, skipped or cancelled.")
    ] = False,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Drafts waiting for your approval (and their text)."""

    def work() -> list[QueueItem]:
        _now(now)
        settings = _settings(ctx)
        with open_store(settings.database) as store:
            return store.queue_items(states=None if show_all else (*PENDING, "unknown", "failed"))

    items = _run(work)
    if as_json:
        _print_json({"items": [_item_json(item) for item in items]})
        return
    if not items:
        out.print("Nothing waiting for approval.", markup=False)
        return
    for item in items:
        what = "thank-you" if item.kind == "thank_you" else f"check-in {item.ordinal}"
        out.print(f"[bold]{item.code}[/] {item.state:<9} {what} to {item.to_address}, due "
                  f"{_when(item.due)}", markup=True)  # fmt: skip
        out.print(f"  why: {item.reason}", markup=False)
        if item.note:
            out.print(f"  note: {item.note}", markup=False)
        out.print(f"  Subject: {item.subject}", markup=False)
        for line in item.body.splitlines():
            out.print(f"  | {line}", markup=False)
        out.print()


def _item_json(item: QueueItem) -> dict[str, object]:
    return {
        "id": item.code,
        "account": item.account,
        "thread_id": item.thread_key,
        "kind": item.kind,
        "ordinal": item.ordinal,
        "state": item.state,
        "due": item.due.isoformat(),
        "reason": item.reason,
        "to": {"name": item.to_name, "email": item.to_address},
        "subject": item.subject,
        "in_reply_to": item.in_reply_to,
        "body": item.body,
        "body_hash": item.body_hash,
        "approved": item.approved,
        "edited": item.edited,
        "message_id": item.message_id,
        "sent_at": item.sent_at.isoformat() if item.sent_at else None,
        "note": item.note,
    }


CodesArgument = Annotated[list[str], typer.Argument(help="Draft ids, as `followup queue` shows.")]


@app.command()
def approve(ctx: typer.Context, codes: CodesArgument, now: NowOption = None) -> None:
    """Approve drafts: their exact current text is what will be sent, when due."""

    def work() -> list[QueueItem]:
        moment = _now(now)
        with open_store(_settings(ctx).database) as store:
            return [queue_actions.approve(store, code, moment) for code in codes]

    for item in _run(work):
        out.print(f"{item.code}: approved; sent from {_when(item.due)} by `followup send` "
                  "or the daemon", markup=False)  # fmt: skip


@app.command()
def skip(ctx: typer.Context, codes: CodesArgument) -> None:
    """Skip drafts: they are never sent."""

    def work() -> list[QueueItem]:
        with open_store(_settings(ctx).database) as store:
            return [queue_actions.skip(store, code) for code in codes]

    for item in _run(work):
        out.print(f"{item.code}: skipped", markup=False)


@app.command()
def snooze(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The draft id.")],
    duration: Annotated[str, typer.Option("--for", help="How long: 12h, 3d, 2w.")] = "3d",
    now: NowOption = None,
) -> None:
    """Put a draft aside; it comes back to the queue afterwards and needs an approval."""

    def work() -> QueueItem:
        moment = _now(now)
        length = snooze_length(duration)
        if length is None:
            raise UsageError(f"--for {duration!r}: write hours, days or weeks like 12h, 3d, 2w "
                             "(at most 90 days).")  # fmt: skip
        with open_store(_settings(ctx).database) as store:
            return queue_actions.snooze(store, code, length, moment)

    item = _run(work)
    out.print(f"{item.code}: snoozed until {_when(item.snoozed_until)}", markup=False)


@app.command()
def edit(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The draft id.")],
    now: NowOption = None,
) -> None:
    """Change a draft's text in $EDITOR; the edited text is what you then approve."""

    def work() -> QueueItem | None:
        moment = _now(now)
        with open_store(_settings(ctx).database) as store:
            item = queue_actions.find_item(store, code)
            text = _edit_text(item.body)
            if text == item.body:
                return None
            return queue_actions.edit(store, item.code, text, moment)

    item = _run(work)
    if item is None:
        out.print("Unchanged.", markup=False)
    else:
        out.print(f"{item.code}: edited; approve it with `followup approve {item.code}`",
                  markup=False)  # fmt: skip


def _edit_text(text: str) -> str:
    """`text` after the owner edited it in $VISUAL or $EDITOR (vi when neither is set)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="followup-edit-") as folder:
        path = Path(folder) / "draft.txt"
        path.write_text(text, encoding="utf-8")
        try:
            # The owner's own editor setting, run as the owner: that is the point.
            finished = subprocess.run([*shlex.split(editor), str(path)], check=False)  # noqa: S603
        except OSError as exc:
            raise UsageError(
                f"cannot start the editor {editor!r} ($VISUAL/$EDITOR): {exc}"
            ) from None
        if finished.returncode != 0:
            raise UsageError(f"the editor {editor!r} exited with {finished.returncode}; the "
                             "draft is left as it was")  # fmt: skip
        return path.read_text(encoding="utf-8")


@app.command()
def stop(
    ctx: typer.Context,
    thread: Annotated[str, typer.Argument(help="A thread id (or a unique prefix of one).")],
) -> None:
    """Never check in on this thread again (its waiting drafts are cancelled)."""

    def work() -> tuple[str, list[QueueItem]]:
        settings = _settings(ctx)
        with open_store(settings.database) as store:
            account, key = find_thread(settings, store, thread)
            return key, queue_actions.stop(store, account.name, key)

    key, cancelled = _run(work)
    out.print(f"{key}: stopped" + (f"; cancelled {', '.join(i.code for i in cancelled)}"
                                   if cancelled else ""), markup=False)  # fmt: skip


@app.command()
def send(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="One pass, then exit (what send always does).")
    ] = False,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send the approved drafts that are due (after a last look at the mailbox)."""
    del once  # a single pass; the daemon repeats it

    def work() -> list[SendOutcome]:
        moment = _now(now)
        settings = _settings(ctx)
        with open_store(settings.database) as store:
            # Approvals given by replying to the digest count too: read them first. A reply
            # from the other side read by this sync cancels drafts: say so.
            for report in sync_all(settings, store, os.environ, now=moment):
                for change in report.queue_changes:
                    if " cancelled:" in change or " expired:" in change:
                        out.print(change, markup=False)
            process_replies(settings, store, os.environ, moment)
            outboxes: list[ServerOutbox] = []

            def outbox_for(account: config.AccountSettings) -> ServerOutbox:
                outboxes.append(ServerOutbox(settings, store, account, os.environ))
                return outboxes[-1]

            try:
                return send_due(settings, store, outbox_for, now=moment, environ=os.environ)
            finally:
                for outbox in outboxes:
                    outbox.close()

    outcomes = _run(work)
    if as_json:
        _print_json({"outcomes": [o.__dict__ for o in outcomes]})
    else:
        if not outcomes:
            out.print("Nothing to send.", markup=False)
        for outcome in outcomes:
            out.print(f"{outcome.code or '-'} {outcome.state}: {outcome.message}", markup=False)
    if any(o.state in {"error", "failed", "unknown"} for o in outcomes):
        raise typer.Exit(1)


@app.command()
def digest(
    ctx: typer.Context,
    preview: Annotated[bool, typer.Option("--preview", help="Print the next digest.")] = False,
    send_now: Annotated[bool, typer.Option("--send", help="Send the digest now.")] = False,
    html: Annotated[bool, typer.Option("--html", help="With --preview: the HTML part.")] = False,
    now: NowOption = None,
) -> None:
    """The daily digest of drafts waiting for you: preview it, or send it now."""
    if preview == send_now:
        _run(lambda: _fail(UsageError("give exactly one of --preview and --send")))

    def work() -> str:
        moment = _now(now)
        settings = _settings(ctx)
        with open_store(settings.database) as store:
            if preview:
                prepared = prepare_digest(settings, store, moment)
                body = prepared.html if html else prepared.text
                return f"Subject: {prepared.subject}\n\n{body}"
            record = send_digest(settings, store, os.environ, moment)
            if record is None:
                return "Nothing to decide or know: no digest sent."
            return f"digest {record.digest_id} sent to {record.to_address}"

    out.print(_run(work), markup=False, highlight=False)


def _fail(error: FollowupError) -> None:
    raise error


@app.command("install-service")
def install_service(
    ctx: typer.Context,
    user: Annotated[bool, typer.Option("--user", help="For `systemctl --user`.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace a unit that differs.")] = False,
) -> None:
    """Write the systemd unit for this installation and print the next commands."""

    def work() -> UnitInstall:
        found = shutil.which("followup")
        executable = Path(found) if found else Path(sys.argv[0]).resolve()
        return install_unit(user, executable, _globals(ctx).config_path.resolve(),
                            environ=os.environ, force=force)  # fmt: skip

    result = _run(work)
    out.print(f"wrote {result.path}", markup=False)
    for command in result.next_commands:
        out.print(f"  {command}", markup=False)


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
