"""`followup doctor`: checks the configuration, the database and every account's servers,
one line each, ok or what to do."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from tracker.config import AccountSettings, Secret, load_settings, resolve_password
from tracker.errors import FollowupError
from tracker.mail.imap import ImapConnection
from tracker.mail.smtp import check_login
from tracker.store import open_store, redact_url

# A skew beyond this makes "due" times and digests land at the wrong moment.
CLOCK_TOLERANCE_S = 120
_BANNER_DATE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), .*?[+-]\d{4}")


@dataclass(frozen=True)
class Check:
    """The outcome of one check: what was checked, whether it passed, and the detail."""

    subject: str  # "config", "database" or an account name
    name: str
    ok: bool
    detail: str


def run_checks(config_path: Path, environ: Mapping[str, str], now: datetime) -> Iterator[Check]:
    """Every check, in order; later checks of an account are skipped when an earlier fails."""
    try:
        settings = load_settings(config_path, environ)
    except FollowupError as exc:
        yield Check("config", "configuration", False, str(exc))
        return
    yield Check("config", "configuration", True, str(config_path))
    try:
        with open_store(settings.database):
            pass
        yield Check("database", "database", True, redact_url(settings.database))
    except FollowupError as exc:
        yield Check("database", "database", False, str(exc))
    for account in settings.accounts:
        yield from _account_checks(account, environ, now)


def _account_checks(
    account: AccountSettings, environ: Mapping[str, str], now: datetime
) -> Iterator[Check]:
    name = account.name
    try:
        secret = resolve_password(account, environ)
    except FollowupError as exc:
        yield Check(name, "secret", False, str(exc))
        return
    yield Check(name, "secret", True, "obtained (not shown)")
    for role, host in (("IMAP", account.imap.host), ("SMTP", account.smtp.host)):
        try:
            socket.getaddrinfo(host, None)
            yield Check(name, f"{role} DNS", True, host)
        except socket.gaierror as exc:
            yield Check(name, f"{role} DNS", False, f"{host}: {exc.strerror}; check the host")
            return
    yield from _imap_checks(account, secret)
    yield from _smtp_checks(account, secret, now)


def _imap_checks(account: AccountSettings, secret: Secret) -> Iterator[Check]:
    name = account.name
    endpoint = f"{account.imap.host}:{account.imap.port} ({account.imap.security})"
    try:
        with ImapConnection.connect(account, secret, timeout=20) as imap:
            yield Check(name, "IMAP login", True, f"{endpoint} as {account.login}")
            wanted = ("IDLE", "CONDSTORE", "QRESYNC", "X-GM-EXT-1")
            offered = [c for c in wanted if c in imap.capabilities]
            missing = [c for c in ("IDLE", "CONDSTORE") if c not in imap.capabilities]
            detail = ", ".join(offered) or "none of IDLE, CONDSTORE, QRESYNC"
            if missing:
                detail += f" (without {', '.join(missing)} followup polls, which is slower)"
            yield Check(name, "IMAP capabilities", True, detail)
            folders = imap.folders_to_sync()
            yield Check(name, "folders", True, ", ".join(f"{f.name} ({f.role})" for f in folders))
    except FollowupError as exc:
        yield Check(name, "IMAP", False, str(exc))


def _smtp_checks(account: AccountSettings, secret: Secret, now: datetime) -> Iterator[Check]:
    name = account.name
    endpoint = f"{account.smtp.host}:{account.smtp.port} ({account.smtp.security})"
    try:
        banner = asyncio.run(check_login(account, secret, timeout=20))
    except FollowupError as exc:
        yield Check(name, "SMTP login", False, str(exc))
        return
    yield Check(name, "SMTP login", True, f"{endpoint} as {account.login}")
    server_time = _banner_time(banner)
    if server_time is None:
        yield Check(name, "clock", True, "the server does not state its time; skew not checked")
        return
    skew = (now - server_time).total_seconds()
    ok = abs(skew) <= CLOCK_TOLERANCE_S
    detail = f"{skew:+.0f} s against {account.smtp.host}"
    yield Check(name, "clock", ok, detail if ok else f"{detail}; set the clock (NTP)")


def _banner_time(banner: str) -> datetime | None:
    match = _BANNER_DATE.search(banner)
    if match is None:
        return None
    try:
        moment = parsedate_to_datetime(match.group(0))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None
