"""`followup run`: the daemon. One asyncio process; apscheduler wakes it.

Every `sync.interval_minutes` (and whenever IDLE says the inbox changed) one *pass* runs, in a
worker thread, one at a time (requests during a pass are coalesced): every account is synced
and analysed (the approval queue follows), the owner's replies to digests are read, approved
drafts that are due are sent, and the digest goes out once its daily moment has passed. All of
that is decided from the database, so nothing important lives only in the scheduler: a restart
picks up where the last pass left.

An account whose sync fails is retried with exponential backoff and jitter (capped, reset on
success) while the others go on; its failure is in the event log and the next digest. A bug in a
pass is logged with its traceback and the daemon carries on. SIGTERM/SIGINT stop it within 10 s
(a pass in flight is given a few seconds, then abandoned: the send path is at-most-once
whatever happens); SIGHUP reloads the configuration (an invalid one is refused and the old one
kept). systemd hears READY, STATUS, RELOADING, STOPPING and WATCHDOG through `Notifier`.

Memory: the daemon idles for days between passes, so what a busy pass (a first sync, a day's
mail) made glibc's malloc hold is handed back to the system after every pass (`malloc_trim`),
and the threads share two malloc arenas instead of one each (`M_ARENA_MAX`); both only on glibc,
and an explicit `MALLOC_ARENA_MAX` wins.

For tests and demos only, `$FOLLOWUP_SIMULATED_CLOCK` ("2026-11-16T08:00+01:00 x3600": a start
and simulated seconds per real second) replaces the system clock; the daemon's waits shrink by
the same factor. `python -m tracker.daemon --config PATH` runs the daemon without the CLI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import logging
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker.approvals.service import digest_due, process_replies, send_digest
from tracker.clock import RunningClock, clock_from_environ
from tracker.config import (
    AccountSettings,
    Settings,
    default_config_path,
    load_settings,
    resolve_password,
)
from tracker.errors import FollowupError, UsageError
from tracker.mail.imap import ImapConnection
from tracker.queue import PENDING
from tracker.sending import ServerOutbox, send_due
from tracker.store import Store, open_store
from tracker.sync import sync_all
from tracker.systemd import Notifier

log = logging.getLogger(__name__)
T = TypeVar("T")

STOP_GRACE_SECONDS = 6.0  # a pass in flight gets this long after SIGTERM: exit within 10 s
IDLE_SECONDS = 600.0  # IDLE is re-issued every 10 minutes (RFC 2177 allows 29)
BACKOFF_FIRST_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 15 * 60.0
MIN_INTERVAL_SECONDS = 0.5
MALLOC_ARENAS = 2  # glibc's default allows 8 per core, and each thread may take one of its own
_M_ARENA_MAX = -8  # mallopt's parameter, from glibc's malloc.h


@dataclass
class Backoff:
    """When an account may be tried again after failures (exponential, with jitter)."""

    failures: int = 0
    not_before: float = 0.0  # time.monotonic()

    def failed(self, now: float, chance: random.Random) -> float:
        self.failures += 1
        delay = min(BACKOFF_FIRST_SECONDS * float(2 ** (self.failures - 1)), BACKOFF_CAP_SECONDS)
        delay *= chance.uniform(0.8, 1.2)  # jitter: accounts that failed together spread out
        self.not_before = now + delay
        return delay


@dataclass
class Daemon:
    config_path: Path
    environ: Mapping[str, str]
    clock: RunningClock
    notifier: Notifier
    settings: Settings
    store: Store
    backoff: dict[str, Backoff] = field(default_factory=dict)
    chance: random.Random = field(default_factory=random.Random)  # jitter only, not secrets
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: bool = False
    _ready: bool = False
    _watchers: list[IdleWatcher] = field(default_factory=list)
    _scheduler: AsyncIOScheduler | None = None

    # --- the loop -----------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stop)
        loop.add_signal_handler(signal.SIGINT, self.stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        limit_malloc_arenas(self.environ)  # before the first thread (the IDLE watchers)
        # The jobs are coroutines so that apscheduler runs them on the event loop itself: a plain
        # function would run in its thread pool, where setting an asyncio.Event does not wake the
        # loop, and a watchdog ping from there would not prove that the loop is alive.
        scheduler = self._scheduler = AsyncIOScheduler(event_loop=loop)
        interval = self._pass_interval(self.settings)
        scheduler.add_job(self._scheduled_pass, IntervalTrigger(seconds=interval), id="pass")
        if self.notifier.watchdog_interval is not None:
            scheduler.add_job(self._watchdog,
                              IntervalTrigger(seconds=self.notifier.watchdog_interval))  # fmt: skip
        scheduler.start()
        self._start_watchers(loop)
        log.info("followup started accounts=%d interval_s=%.1f",
                 len(self.settings.accounts), interval)  # fmt: skip
        self._wake.set()  # the first pass right away
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    break
                work = _in_daemon_thread(self.one_pass)
                done = await self._until_stopped_or(work)
                if not done:
                    break
                release_free_memory()
        finally:
            scheduler.shutdown(wait=False)
            self._stop_watchers()
            self.store.close()
        log.info("followup stopped")
        return 0

    async def _until_stopped_or(self, work: asyncio.Future[str]) -> bool:
        """Wait for the pass; when a stop comes meanwhile, give it a little time, then go."""
        while not work.done():
            await asyncio.wait({work}, timeout=0.2)
            if self._stopping and not work.done():
                try:
                    await asyncio.wait_for(asyncio.shield(work), STOP_GRACE_SECONDS)
                except TimeoutError:
                    log.warning("stopping: the pass in flight is abandoned")
                    return False
        status = work.result()
        if not self._ready:
            self.notifier.ready(status)
            self._ready = True
        else:
            self.notifier.status(status)
        return not self._stopping

    def _pass_interval(self, settings: Settings) -> float:
        return pass_interval_seconds(settings.sync.interval_minutes, self.clock.speed)

    def request_pass(self) -> None:
        """Ask for a pass soon; one already asked for or running absorbs it. Loop thread only:
        other threads go through `loop.call_soon_threadsafe(daemon.request_pass)`."""
        self._wake.set()

    async def _scheduled_pass(self) -> None:
        self.request_pass()

    async def _watchdog(self) -> None:
        self.notifier.watchdog()

    def stop(self) -> None:
        if not self._stopping:
            log.info("stopping on a signal")
            self._stopping = True
            self.notifier.stopping()
            self._stop_watchers()
            self._wake.set()

    def reload(self) -> None:
        self.notifier.reloading()
        try:
            settings = load_settings(self.config_path, environ=self.environ)
        except FollowupError as exc:
            log.error("reload refused, the running configuration is kept: %s", exc)
            self.notifier.ready("reload refused: the configuration has errors")
            return
        if settings.database != self.settings.database:
            log.warning("a new database takes effect only after a restart")
        if self._scheduler is not None and (
            settings.sync.interval_minutes != self.settings.sync.interval_minutes
        ):
            self._scheduler.reschedule_job(
                "pass", trigger=IntervalTrigger(seconds=self._pass_interval(settings))
            )
        self.settings = settings
        configure_logging(settings.log_level)
        self._stop_watchers()
        self._start_watchers(asyncio.get_running_loop())
        log.info("configuration reloaded accounts=%d", len(settings.accounts))
        self.notifier.ready("configuration reloaded")
        self.request_pass()

    # --- one pass (in a worker thread) ---------------------------------------------------------

    def one_pass(self) -> str:
        """Sync, analyse, read approvals, send, digest. Never raises."""
        settings = self.settings
        now = self.clock.now()
        started = time.monotonic()
        active = [a for a in settings.accounts if self._may_try(a, started)]
        synced = 0
        if active:
            scoped = settings.model_copy(update={"accounts": tuple(active)})
            with _step("sync"):
                for report in sync_all(scoped, self.store, self.environ, now=now):
                    self._note_outcome(report.name, report.error)
                    synced += report.error is None
        # Each step on its own: one that fails (a bad message, a server down) must not keep
        # the others from running, pass after pass.
        with _step("reading approvals"):
            process_replies(settings, self.store, self.environ, now)
        if not self._stopping:
            outboxes = OutboxFactory(settings, self.store, self.environ)
            with _step("sending"):
                try:
                    send_due(settings, self.store, outboxes, now=now, environ=self.environ,
                             stopping=lambda: self._stopping)  # fmt: skip
                finally:
                    outboxes.close()
        with _step("digest"):
            if not self._stopping and digest_due(settings, self.store, now):
                send_digest(settings, self.store, self.environ, now)
        queued = len(self.store.queue_items(states=PENDING))
        status = f"synced {synced} of {len(settings.accounts)} accounts, {queued} drafts waiting"
        log.info("pass done in %.1f s: %s", time.monotonic() - started, status)
        return status

    def _may_try(self, account: AccountSettings, now: float) -> bool:
        state = self.backoff.get(account.name)
        return state is None or now >= state.not_before

    def _note_outcome(self, account: str, error: str | None) -> None:
        if error is None:
            self.backoff.pop(account, None)
            return
        delay = self.backoff.setdefault(account, Backoff()).failed(time.monotonic(), self.chance)
        log.error("account %s failed; next try in %.0f s: %s", account, delay, error)

    # --- IDLE watchers ----------------------------------------------------------------------

    def _start_watchers(self, loop: asyncio.AbstractEventLoop) -> None:
        for account in self.settings.accounts:
            watcher = IdleWatcher(account, self.environ, lambda: loop.call_soon_threadsafe(
                self.request_pass))  # fmt: skip
            watcher.start()
            self._watchers.append(watcher)

    def _stop_watchers(self) -> None:
        for watcher in self._watchers:
            watcher.stop()
        self._watchers.clear()


@contextlib.contextmanager
def _step(name: str) -> Iterator[None]:
    """Log a failed step of a pass and carry on: nothing a pass meets may stop the daemon."""
    try:
        yield
    except FollowupError as exc:
        log.error("%s failed: %s", name, exc)
    except Exception:  # a bug (promise 6): logged with its traceback, the daemon goes on
        log.exception("%s failed with an unexpected error", name)


def _in_daemon_thread(work: Callable[[], T]) -> asyncio.Future[T]:
    """Run `work` in a daemon thread, its outcome in a future of the running loop.

    Not the loop's default executor: asyncio.run and the interpreter's exit both join its
    threads, so a pass abandoned at SIGTERM (stuck on a server that stopped answering) would
    keep the process alive past systemd's stop timeout.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(settle: Callable[[], object]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: the pass was abandoned
            loop.call_soon_threadsafe(lambda: None if future.done() else settle())

    def target() -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the loop, which re-raises it where awaited
            error = exc  # `exc` itself is unbound once the except block ends
            deliver(lambda: future.set_exception(error))
        else:
            deliver(lambda: future.set_result(result))

    threading.Thread(target=target, name="pass", daemon=True).start()
    return future


@dataclass
class OutboxFactory:
    """Opens a ServerOutbox per account for one send pass and closes them afterwards."""

    settings: Settings
    store: Store
    environ: Mapping[str, str]
    opened: list[ServerOutbox] = field(default_factory=list)

    def __call__(self, account: AccountSettings) -> ServerOutbox:
        self.opened.append(ServerOutbox(self.settings, self.store, account, self.environ))
        return self.opened[-1]

    def close(self) -> None:
        for outbox in self.opened:
            with contextlib.suppress(Exception):  # a connection that broke is gone anyway
                outbox.close()
        self.opened.clear()


class IdleWatcher:
    """A thread that IDLEs on one account's inbox (All Mail on Gmail) and calls `changed`
    when something arrives; reconnects with backoff on any error; stops on `stop()`."""

    def __init__(
        self, account: AccountSettings, environ: Mapping[str, str], changed: Callable[[], object]
    ) -> None:
        self.account = account
        self.environ = environ
        self.changed = changed
        self._stop = threading.Event()
        self._connection: ImapConnection | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"idle-{account.name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(OSError):  # breaks a blocking IDLE at once
                connection.client.shutdown()

    def _run(self) -> None:
        backoff = Backoff()
        chance = random.Random()  # noqa: S311 - jitter, not a secret
        while not self._stop.is_set():
            try:
                secret = resolve_password(self.account, self.environ)
                self._connection = ImapConnection.connect(self.account, secret)
                folder = self._connection.folders_to_sync()[0].name
                backoff = Backoff()
                log.info("watching %s account=%s idle=%s",
                         folder, self.account.name, self._connection.has_idle)  # fmt: skip
                # What arrived while nobody watched (before the first IDLE, during a reconnect)
                # is fetched now, not at the next scheduled pass; a pass running absorbs it.
                self.changed()
                while not self._stop.is_set():
                    if self._connection.wait_for_change(folder, IDLE_SECONDS):
                        log.debug("IDLE: %s changed account=%s", folder, self.account.name)
                        self.changed()
            except Exception as exc:  # any failure: reconnect later (stop() lands here too)
                if self._stop.is_set():
                    break
                delay = backoff.failed(time.monotonic(), chance)
                log.warning("IDLE on account %s failed (%s); again in %.0f s",
                            self.account.name, exc, delay)  # fmt: skip
                self._stop.wait(delay)
            finally:
                if self._connection is not None:
                    with contextlib.suppress(Exception):  # closing a broken connection
                        self._connection.close()
                    self._connection = None


def _glibc() -> ctypes.CDLL | None:
    """The C library, when it is glibc (it has `mallopt` and `malloc_trim`); None elsewhere."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_malloc_arenas(environ: Mapping[str, str]) -> None:
    """Let the daemon's threads share MALLOC_ARENAS malloc arenas, unless the environment
    chose a number (`MALLOC_ARENA_MAX`, or `arena_max` in `GLIBC_TUNABLES`)."""
    if "MALLOC_ARENA_MAX" in environ or "arena_max" in environ.get("GLIBC_TUNABLES", ""):
        return
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS)


def release_free_memory() -> None:
    """Give the system back the memory malloc holds but no longer uses (glibc only)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def pass_interval_seconds(interval_minutes: float, speed: float) -> float:
    """Real seconds between scheduled passes: `sync.interval_minutes` of the (simulated) clock,
    never less than MIN_INTERVAL_SECONDS however fast a simulated clock runs."""
    return max(interval_minutes * 60 / speed, MIN_INTERVAL_SECONDS)


def configure_logging(level: str) -> None:
    """One line an event on stderr (journald adds the time), at the configured level."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="followup[%(process)d]: %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # Even at DEBUG: imapclient would log every IMAP line, the owner's mail included, and
    # apscheduler two lines for every scheduled wake-up.
    logging.getLogger("imapclient").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a line per plugin at INFO


def run(config_path: Path, environ: Mapping[str, str]) -> int:
    """`followup run`: load the configuration, then serve until a signal. The exit code.

    Raises FollowupError (ConfigError for a bad configuration) before serving starts.
    """
    settings = load_settings(config_path, environ=environ)
    try:
        clock = clock_from_environ(environ)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    configure_logging(settings.log_level)
    if clock.speed != 1.0:
        log.warning("simulated clock: %s, x%g", clock.now().isoformat(), clock.speed)
    store = open_store(settings.database)

    async def main() -> int:
        daemon = Daemon(config_path, environ, clock, Notifier.from_environ(environ), settings,
                        store)  # fmt: skip
        return await daemon.run()

    return asyncio.run(main())


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tracker.daemon [--config PATH]`: the daemon without the CLI's imports."""
    parser = argparse.ArgumentParser(prog="python -m tracker.daemon", description=main.__doc__)
    parser.add_argument("--config", type=Path, help="default: $FOLLOWUP_CONFIG, then ~/.config")
    args = parser.parse_args(argv)
    config_path: Path = args.config or default_config_path(os.environ)
    try:
        return run(config_path, os.environ)
    except FollowupError as exc:
        print(f"followup: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    # Run as the imported module, not as `__main__`: its loggers then say `tracker.daemon`.
    from tracker.daemon import main as main_of_the_module

    raise SystemExit(main_of_the_module())
