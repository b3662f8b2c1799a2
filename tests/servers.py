"""Real mail servers for the test suite: a private Dovecot (IMAP) and an in-process SMTP sink.

`PrivateDovecot` writes its own dovecot.conf into a temporary directory and runs
`dovecot -F -c CONF` on 127.0.0.1, so the test suite owns the process and never
touches the system service. Each user has a passwd-file of its own, which Dovecot
opens at that user's first login, so adding a user never needs a restart (one shared
file is re-read at most once a second: a user added just after a login would be
refused). It works as root (Dovecot's processes and the mail files then belong to
`nobody`: Dovecot refuses uid 0 for mail and for login processes) and as an ordinary
user (everything runs as that user). Version 2.3 only: 2.4 changed the settings.

`SmtpSink` is aiosmtpd's threaded `Controller` with a handler that keeps every
envelope it receives and can be told to refuse or drop the next message.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import datetime as dt
import grp
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient

logger = logging.getLogger(__name__)

DOVECOT_MISSING = "Dovecot is not installed: run scripts/test, it installs dovecot-imapd."
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds; a healthy start takes well under one
STOP_TIMEOUT = 5.0
# Names end up in a passwd-file's name and line, and in a home directory path.
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


class DovecotMissingError(RuntimeError):
    """No dovecot binary on this machine."""


class ServerStartError(RuntimeError):
    """A private server did not come up; the message carries the tail of its log."""


def find_dovecot() -> str:
    """The dovecot binary (it lives in /usr/sbin, often outside a normal user's PATH)."""
    found = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise DovecotMissingError(DOVECOT_MISSING)
    return found


def dovecot_version(binary: str) -> tuple[int, ...]:
    """(2, 3, 19, 1) from `dovecot --version` ("2.3.19.1 (9b53102964)")."""
    output = subprocess.run(
        [binary, "--version"], check=True, capture_output=True, text=True
    ).stdout
    match = re.match(r"\s*(\d+(?:\.\d+)*)", output)
    if match is None:
        raise ServerStartError(f"cannot read the version of {binary}: {output!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _port_is_bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Dovecot binds with SO_REUSEADDR too, so TIME_WAIT leftovers do not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class SelfSignedCert:
    """A throw-away certificate for localhost and 127.0.0.1, made with the openssl CLI."""

    cert_path: Path
    key_path: Path

    @classmethod
    def create(cls, directory: Path) -> SelfSignedCert:
        cert_path, key_path = directory / "cert.pem", directory / "key.pem"
        openssl = shutil.which("openssl")
        if openssl is None:
            raise ServerStartError("the openssl command is needed to make a test certificate")
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "3", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(key_path), "-out", str(cert_path)],
            check=True, capture_output=True,
        )  # fmt: skip
        return cls(cert_path, key_path)

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts exactly this certificate (hostname checked)."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox on a private Dovecot: what a followup config needs to reach it."""

    username: str
    password: str
    host: str
    port: int
    tls_port: int | None
    server: PrivateDovecot = field(repr=False, compare=False)

    @property
    def address(self) -> str:
        return self.username

    def client(self, *, tls: bool = False) -> IMAPClient:
        return self.server.client(self.username, tls=tls)

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Sequence[str | bytes] = (),
        date: dt.datetime | None = None,
    ) -> int:
        return self.server.append(self.username, folder, raw, flags=flags, date=date)


@dataclass(frozen=True)
class _RunAs:
    """Who owns the mail files and runs Dovecot's unprivileged processes."""

    user: str
    group: str
    uid: int
    gid: int

    @classmethod
    def for_this_process(cls) -> _RunAs:
        uid = os.geteuid()
        # Dovecot refuses uid 0 for mail and for login processes; nobody exists everywhere.
        entry = pwd.getpwnam("nobody") if uid == 0 else pwd.getpwuid(uid)
        return cls(entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name, entry.pw_uid, entry.pw_gid)


_LIVE: set[PrivateDovecot] = set()
_LIVE_LOCK = threading.Lock()


@atexit.register
def _stop_every_dovecot() -> None:
    # The fixtures' finalizers normally stop the server; this covers interrupted runs.
    with _LIVE_LOCK:
        servers = list(_LIVE)
    for server in servers:
        server.stop()


def _temp_parent() -> str | None:
    # Dovecot's unix sockets live under base_dir and sun_path is only ~108 bytes.
    return None if len(tempfile.gettempdir()) < 40 else "/tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_abandoned_dovecots() -> list[int]:
    """Kill the private Dovecots of earlier test runs whose Python process died.

    atexit and the fixtures cannot run when the test process is killed; its Dovecot
    then lingers. Each server directory records the test process that owns it and
    Dovecot's master pid; a master is killed (by its pid, as its own process group)
    only when its owner is gone and /proc confirms it runs that directory's config.
    Returns the pids killed.
    """
    killed = []
    parent = Path(_temp_parent() or tempfile.gettempdir())
    for directory in parent.glob("followup-dovecot-*"):
        try:
            owner_pid = int((directory / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _pid_alive(owner_pid):
            continue
        with contextlib.suppress(OSError, ValueError):
            master_pid = int((directory / "base" / "master.pid").read_text())
            cmdline = Path(f"/proc/{master_pid}/cmdline").read_bytes()
            if str(directory / "dovecot.conf").encode() in cmdline.split(b"\0"):
                os.killpg(master_pid, signal.SIGKILL)
                killed.append(master_pid)
        shutil.rmtree(directory, ignore_errors=True)
    return killed


class PrivateDovecot:
    """A Dovecot IMAP server of our own on 127.0.0.1, configured and owned by the test suite."""

    host = LOOPBACK

    def __init__(
        self,
        *,
        tls: bool = True,
        directory: Path | None = None,
        mail_format: Literal["maildir", "sdbox", "mdbox"] = "maildir",
    ) -> None:
        self.binary = find_dovecot()
        # Maildir is what the tests drop files into; sdbox and mdbox are Dovecot's own formats
        # (what larger installations use), for the benchmarks.
        self.mail_format = mail_format
        self.version = dovecot_version(self.binary)
        if self.version >= (2, 4):
            # 2.4 renamed and restructured most of the settings written below.
            raise ServerStartError(
                f"tests/servers.py writes a Dovecot 2.3 configuration, but {self.binary} is "
                f"version {'.'.join(map(str, self.version))}; install Dovecot 2.3 or teach "
                "PrivateDovecot._config the 2.4 syntax."
            )
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="followup-dovecot-", dir=_temp_parent()))
        self.directory = directory
        self.run_as = _RunAs.for_this_process()
        self.port = free_port()
        self.cert = SelfSignedCert.create(directory) if tls else None
        self.tls_port = free_port() if tls else None
        self.conf_path = directory / "dovecot.conf"
        self.log_path = directory / "dovecot.log"
        self.stderr_path = directory / "dovecot.stderr"
        self.passwd_dir = directory / "passwd"
        self.homes = directory / "home"
        self._users: dict[str, str] = {}
        self._users_lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._prepare_directory()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start Dovecot and return once it greets on the plain IMAP port."""
        if self.is_running:
            return
        deadline = time.monotonic() + START_TIMEOUT
        # After kill() or a quick restart, orphaned children may hold the port a moment longer.
        ports = [self.port] + ([self.tls_port] if self.tls_port is not None else [])
        while not all(_port_is_bindable(self.host, port) for port in ports):
            if time.monotonic() > deadline:
                raise ServerStartError(f"port {self.port} of the private Dovecot stays busy")
            time.sleep(0.02)
        with self.stderr_path.open("ab") as stderr:
            self._process = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                # Its own process group, so stop() and kill() reach every child by its group id.
                start_new_session=True,
            )
        with _LIVE_LOCK:
            _LIVE.add(self)
        try:
            self._wait_for_greeting(deadline)
        except BaseException:
            self.kill()
            raise
        logger.info("dovecot started pid=%s port=%s", self._process.pid, self.port)

    def stop(self) -> None:
        """SIGTERM our own master process, wait for it, SIGKILL whatever is left of its group."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                logger.warning("dovecot ignored SIGTERM pid=%s", process.pid)
        self._kill_group(process)

    def kill(self) -> None:
        """Kill the server abruptly (SIGKILL to its whole process group), as a crash would."""
        process = self._process
        if process is None:
            return
        self._kill_group(process)

    def restart(self, *, hard: bool = False) -> None:
        """Stop and start again on the same ports, with the same users and mailboxes.

        A graceful stop costs Dovecot about a second; `hard` kills it instead (a crash).
        """
        if hard:
            self.kill()
        else:
            self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> PrivateDovecot:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _kill_group(self, process: subprocess.Popen[bytes]) -> None:
        # The group id is the master's pid; it cannot be reused while any member lives.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
        self._process = None
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def _wait_for_greeting(self, deadline: float) -> None:
        assert self._process is not None
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerStartError(
                    f"dovecot exited with status {self._process.returncode} while starting\n"
                    + self.log_tail()
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1.0) as conn:
                    greeting = conn.makefile("rb").readline()
                if greeting.startswith(b"* OK"):
                    return
                last_error = RuntimeError(f"unexpected greeting {greeting!r}")
            except OSError as exc:
                last_error = exc
            time.sleep(0.02)
        raise ServerStartError(
            f"dovecot did not greet on {self.host}:{self.port} within {START_TIMEOUT:.0f}s "
            f"({last_error})\n" + self.log_tail()
        )

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of Dovecot's log and of its stderr, for error messages."""
        parts = []
        for path in (self.log_path, self.stderr_path):
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()[-lines:]
                if text:
                    parts.append(f"--- {path}\n" + "\n".join(text))
        return "\n".join(parts) or "(dovecot wrote no log)"

    # -- users and mailboxes -----------------------------------------------------------------

    def add_user(self, name: str, password: str) -> ImapAccount:
        """Create a login; a running Dovecot sees it at the next login (no restart)."""
        if not _USER_NAME.fullmatch(name):
            raise ValueError(f"unsupported test user name {name!r}")
        if not password or any(ch in password for ch in ":\n\r"):
            raise ValueError("a test password must be non-empty, without ':' or line breaks")
        with self._users_lock:
            if name in self._users:
                raise ValueError(f"user {name!r} exists already")
            self._users[name] = password
            # Written aside and renamed, so Dovecot never reads half a file.
            staged = self.passwd_dir / f".{name}.new"
            staged.write_text(f"{name}:{{PLAIN}}{password}\n")
            staged.chmod(0o644)
            staged.replace(self.passwd_dir / name)
        return self.account(name)

    def account(self, name: str) -> ImapAccount:
        return ImapAccount(
            username=name,
            password=self._users[name],
            host=self.host,
            port=self.port,
            tls_port=self.tls_port,
            server=self,
        )

    def home(self, name: str) -> Path:
        return self.homes / name

    def maildir(self, name: str) -> Path:
        return self.home(name) / "Maildir"

    def client(self, user: str, *, tls: bool = False, timeout: float = 10.0) -> IMAPClient:
        """An IMAPClient logged in as `user` (plain IMAP, or implicit TLS on the TLS port)."""
        if tls:
            if self.cert is None or self.tls_port is None:
                raise ValueError("this Dovecot was started without TLS")
            client = IMAPClient(
                self.host, self.tls_port, ssl=True,
                ssl_context=self.cert.client_context(), timeout=timeout,
            )  # fmt: skip
        else:
            client = IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
        try:
            client.login(user, self._users[user])
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    def append(
        self,
        user: str,
        folder: str,
        raw: bytes,
        *,
        flags: Sequence[str | bytes] = (),
        date: dt.datetime | None = None,
    ) -> int:
        """APPEND `raw` to `folder` of `user` and return its UID (from UIDPLUS' APPENDUID)."""
        client = self.client(user)
        try:
            response: bytes = client.append(folder, raw, flags=tuple(flags), msg_time=date)
        finally:
            client.logout()
        match = _APPENDUID.search(response)
        if match is None:
            raise RuntimeError(f"APPEND to {folder} gave no APPENDUID: {response!r}")
        return int(match.group(1))

    def reset(self, user: str) -> None:
        """Empty the user's mailbox: back to an empty INBOX plus the auto-created folders.

        While the server runs this goes through IMAP (deleting files under a live
        Dovecot would corrupt its indexes); while stopped it deletes the home directory.
        """
        if not self.is_running:
            shutil.rmtree(self.home(user), ignore_errors=True)
            return
        client = self.client(user)
        try:
            names = [name for _flags, _delim, name in client.list_folders()]
            # Children before parents, so a parent is never deleted while it has children.
            for name in sorted(names, key=len, reverse=True):
                if name.upper() == "INBOX":
                    continue
                client.delete_folder(name)
            client.select_folder("INBOX")
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()
            client.close_folder()
        finally:
            client.logout()

    # -- configuration -----------------------------------------------------------------------

    def _prepare_directory(self) -> None:
        run_as = self.run_as
        for sub in ("base", "state", "home", "passwd"):
            (self.directory / sub).mkdir(exist_ok=True)
        (self.directory / "owner.pid").write_text(f"{os.getpid()}\n")
        if os.geteuid() == 0:
            # Login processes and mail processes run as `nobody` and must reach their paths.
            self.directory.chmod(0o755)
            os.chown(self.homes, run_as.uid, run_as.gid)
        self.conf_path.write_text(self._config())

    def _config(self) -> str:
        run_as = self.run_as
        tls_lines = (
            [
                "ssl = yes",
                f"ssl_cert = <{self.cert.cert_path}",
                f"ssl_key = <{self.cert.key_path}",
                "ssl_min_protocol = TLSv1.2",
            ]
            if self.cert is not None
            else ["ssl = no"]
        )
        return "\n".join(
            [
                "# Written by tests/servers.py for one test session; not the system config.",
                "protocols = imap",
                f"listen = {self.host}",
                f"base_dir = {self.directory / 'base'}",
                f"state_dir = {self.directory / 'state'}",
                f"log_path = {self.log_path}",
                f"instance_name = followup-test-{self.port}",
                *tls_lines,
                # Plain LOGIN is fine: the server only listens on loopback.
                "disable_plaintext_auth = no",
                "auth_mechanisms = plain login",
                "auth_verbose = yes",
                "login_trusted_networks = 127.0.0.0/8",
                "auth_failure_delay = 0",
                # Never root, even when we are: login processes refuse it, and the
                # auth process must not be able to open the auth-penalty socket below.
                f"default_internal_user = {run_as.user}",
                f"default_internal_group = {run_as.group}",
                f"default_login_user = {run_as.user}",
                f"first_valid_uid = {run_as.uid}",
                f"last_valid_uid = {run_as.uid}",
                f"first_valid_gid = {run_as.gid}",
                f"last_valid_gid = {run_as.gid}",
                (
                    "mail_location = maildir:~/Maildir"
                    if self.mail_format == "maildir"
                    else f"mail_location = {self.mail_format}:~/{self.mail_format}"
                ),
                # Tests kill processes, not machines: page cache survives, so skip the fsyncs.
                "mail_fsync = never",
                "passdb {",
                "  driver = passwd-file",
                f"  args = scheme=PLAIN username_format=%u {self.passwd_dir}/%u",
                "}",
                "userdb {",
                "  driver = static",
                f"  args = uid={run_as.uid} gid={run_as.gid} home={self.homes}/%u",
                "}",
                "service imap-login {",
                "  inet_listener imap {",
                f"    address = {self.host}",
                f"    port = {self.port}",
                "  }",
                "  inet_listener imaps {",
                f"    address = {self.host}",
                f"    port = {self.tls_port or 0}",
                "  }",
                # chroot needs root; without it the login process works the same here.
                "  chroot =",
                "}",
                "service anvil {",
                "  chroot =",
                # Mode 0 keeps auth out of anvil, which turns off the per-IP penalty that
                # delays every login from 127.0.0.1 by up to 15 s after a failed one.
                "  unix_listener anvil-auth-penalty {",
                "    mode = 0",
                "  }",
                "}",
                "namespace inbox {",
                "  inbox = yes",
                "  separator = /",
                "  mailbox Sent {",
                "    special_use = \\Sent",
                "    auto = subscribe",
                "  }",
                "  mailbox Drafts {",
                "    special_use = \\Drafts",
                "    auto = subscribe",
                "  }",
                "  mailbox Trash {",
                "    special_use = \\Trash",
                "    auto = subscribe",
                "  }",
                "}",
                "",
            ]
        )


# -- SMTP --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMessage:
    """One envelope the sink accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    login: str | None  # the AUTH user, None when the client did not authenticate


@dataclass(frozen=True)
class _Fault:
    code: int  # 0 means: drop the connection instead of answering
    text: str
    deliver: bool  # keep the message although the client never hears it was accepted
    kill: Callable[[], int] | None = None  # SIGKILL this process id before answering
    stall: float = 0.0  # keep the message, then wait this long before answering 250


class _SinkHandler:
    """aiosmtpd handler: checks AUTH, applies a pending fault, keeps the message."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # aiosmtpd's own auth_required warns without TLS; loopback tests enforce it here.
        if self._sink.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self._sink._take_fault()
        login_data = session.auth_data
        login = (
            login_data.login.decode("utf-8", "replace")
            if isinstance(login_data, LoginPassword)
            else None
        )
        raw = envelope.original_content or b""
        message = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape"),
            login=login,
        )
        if fault is None or (fault.code == 0 and fault.deliver) or fault.stall:
            self._sink._keep(message)
        if fault is None:
            return "250 2.0.0 OK: queued"
        if fault.stall:
            await asyncio.sleep(fault.stall)
            return "250 2.0.0 OK: queued (late)"
        if fault.kill is not None:
            os.kill(fault.kill(), signal.SIGKILL)
        if fault.code == 0:
            if isinstance(server.transport, asyncio.Transport):
                server.transport.abort()
            # Never written: the transport is gone.
            return "451 4.3.0 connection dropped"
        return f"{fault.code} {fault.text}"


class SmtpSink:
    """An SMTP server in a thread of this process that keeps what it receives.

    AUTH PLAIN/LOGIN is offered without TLS (loopback only) and, with `require_auth`,
    MAIL FROM is refused until the client authenticated as `username`/`password`.
    """

    host = LOOPBACK

    def __init__(
        self,
        *,
        username: str = "sender@followup.test",
        password: str = "sink-secret",
        require_auth: bool = True,
        cert: SelfSignedCert | None = None,
    ) -> None:
        self.username = username
        self.password = password
        self.require_auth = require_auth
        self.cert = cert
        self.port = free_port()
        self._messages: list[ReceivedMessage] = []
        self._faults: list[_Fault] = []
        self._changed = threading.Condition()
        kwargs: dict[str, Any] = {}
        if cert is not None:
            kwargs["tls_context"] = cert.server_context()
        self._controller = Controller(
            _SinkHandler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="sink.followup.test",  # skips a slow getfqdn()
            authenticator=self._authenticate,
            auth_require_tls=False,
            **kwargs,
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._changed:
            return list(self._messages)

    def clear(self) -> None:
        """Forget the messages received and any pending fault."""
        with self._changed:
            self._messages.clear()
            self._faults.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Block until at least `count` messages arrived; TimeoutError after `timeout` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(
                    f"the SMTP sink holds {len(self._messages)} message(s), expected {count}"
                )
            return list(self._messages)

    def fail_next(self, code: int = 451, text: str = "4.3.0 Try again later") -> None:
        """Answer the next DATA with `code` (4xx or 5xx) and keep nothing."""
        if not 400 <= code <= 599:
            raise ValueError("a failure code is 4xx or 5xx")
        with self._changed:
            self._faults.append(_Fault(code, text, deliver=False))

    def drop_next(self, *, deliver: bool = True) -> None:
        """Close the connection at the end of the next DATA without answering.

        With `deliver` the message is kept, as when a server accepts a message but
        the connection breaks before the client reads the 250: the case at-most-once
        sending must reconcile.
        """
        with self._changed:
            self._faults.append(_Fault(0, "", deliver=deliver))

    def stall_next(self, seconds: float) -> None:
        """Keep the next message but answer its DATA only after `seconds`: a client with a
        shorter timeout never learns that it was accepted."""
        with self._changed:
            self._faults.append(_Fault(0, "", deliver=True, stall=seconds))

    def kill_during_next_data(self, pid: Callable[[], int], *, deliver: bool = True) -> None:
        """When the next message's data has arrived, SIGKILL the process `pid()` names (the
        sender) before answering, then drop the connection: a sender dying during DATA."""
        with self._changed:
            self._faults.append(_Fault(0, "", deliver=deliver, kill=pid))

    def _take_fault(self) -> _Fault | None:
        with self._changed:
            return self._faults.pop(0) if self._faults else None

    def _keep(self, message: ReceivedMessage) -> None:
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        accepted = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.username.encode()
            and auth_data.password == self.password.encode()
        )
        if not accepted:
            # handled=False makes aiosmtpd answer 535 itself.
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)
