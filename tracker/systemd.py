"""systemd integration: the daemon's sd_notify messages, and the unit `install-service` writes.

`Notifier` speaks the sd_notify(3) datagram protocol over `$NOTIFY_SOCKET` itself (a
few lines; no libsystemd binding needed) and never raises: a lost status message must
not stop the daemon. `render_unit` fills in the unit templates kept in `systemd/` at
the top of the repository (copied at the end of this module so that an installed
wheel has them; a test keeps the two identical), and `install_unit` writes one and
says which commands come next.
"""

from __future__ import annotations

import logging
import os
import shlex
import socket
import stat
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import UsageError

logger = logging.getLogger(__name__)

UNIT_NAME = "followup.service"
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
EXEC_START_TEMPLATE = "ExecStart=@FOLLOWUP@ --config @CONFIG@ run"
# A send to a full notify socket would block; systemd drains it quickly, so this only
# bounds the damage of a stuck service manager.
_SEND_TIMEOUT_SECONDS = 2.0
# What the system unit's ProtectHome=yes and PrivateTmp=yes hide from the service.
_HIDDEN_FROM_SYSTEM_SERVICE = (
    Path("/home"),
    Path("/root"),
    Path("/run/user"),
    Path("/tmp"),  # noqa: S108 - a path compared against, not a file written
    Path("/var/tmp"),  # noqa: S108
)


# --------------------------------------------------------------------------- sd_notify


class Notifier:
    """Tells systemd how the daemon is doing (sd_notify(3)); does nothing outside systemd."""

    def __init__(self, notify_socket: str | None, watchdog_usec: int | None = None) -> None:
        self._socket_name = notify_socket or None
        self._address = _notify_address(notify_socket) if notify_socket else None
        self._watchdog_usec = watchdog_usec

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Notifier:
        """The notifier systemd asked for through `$NOTIFY_SOCKET` and `$WATCHDOG_USEC`."""
        return cls(environ.get("NOTIFY_SOCKET"), _watchdog_usec(environ, os.getpid()))

    @property
    def enabled(self) -> bool:
        """Whether messages go anywhere (the daemon runs under systemd's Type=notify)."""
        return self._address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between watchdog pings (half the timeout, as systemd advises), or None."""
        if self._watchdog_usec is None:
            return None
        return self._watchdog_usec / 2 / 1_000_000

    def ready(self, status: str) -> None:
        self._send("READY=1", _status_field(status))

    def status(self, text: str) -> None:
        self._send(_status_field(text))

    def watchdog(self) -> None:
        self._send("WATCHDOG=1")

    def reloading(self) -> None:
        # MONOTONIC_USEC lets systemd >= 253 tell this reload from an earlier one;
        # older versions ignore the field. Python's monotonic clock is CLOCK_MONOTONIC.
        self._send("RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}")

    def stopping(self) -> None:
        self._send("STOPPING=1")

    def _send(self, *fields: str) -> None:
        if self._address is None:
            return
        message = "\n".join(fields).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.settimeout(_SEND_TIMEOUT_SECONDS)
                sock.sendto(message, self._address)
        except OSError as exc:
            logger.debug(
                "systemd notification not delivered: socket=%s fields=%s error=%s",
                self._socket_name,
                ",".join(field.partition("=")[0] for field in fields),
                exc,
            )


def _notify_address(notify_socket: str) -> bytes | None:
    """The sockaddr_un path of `$NOTIFY_SOCKET`: a file, or "@name" in the abstract namespace."""
    if notify_socket.startswith("@"):
        return b"\0" + notify_socket[1:].encode("utf-8")
    if notify_socket.startswith("/"):
        return os.fsencode(notify_socket)
    # systemd >= 254 may hand out vsock:CID:PORT addresses, used only in VMs.
    logger.debug("systemd notify socket not supported, ignored: socket=%s", notify_socket)
    return None


def _watchdog_usec(environ: Mapping[str, str], pid: int) -> int | None:
    """`$WATCHDOG_USEC` when it is meant for this process (sd_watchdog_enabled(3))."""
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    watchdog_pid = environ.get("WATCHDOG_PID")
    if watchdog_pid is not None:
        try:
            if int(watchdog_pid) != pid:
                return None
        except ValueError:
            return None
    return usec


def _status_field(text: str) -> str:
    # One assignment per line: a newline in the text would start a new (bogus) field.
    return "STATUS=" + " ".join(text.splitlines())


# --------------------------------------------------------------------------- unit files


@dataclass(frozen=True)
class UnitInstall:
    """A unit file written by `install_unit`, and what the owner runs next."""

    path: Path
    text: str
    next_commands: tuple[str, ...]


def render_unit(user: bool, executable: Path, config_path: Path) -> str:
    """The unit file text: the user or system template with this `followup` and configuration."""
    template = USER_UNIT_TEMPLATE if user else SYSTEM_UNIT_TEMPLATE
    exec_start = (
        f"ExecStart={_quote_executable(executable.absolute())} "
        f"--config {_quote_argument(str(config_path.absolute()))} run"
    )
    return template.replace(EXEC_START_TEMPLATE, exec_start)


def install_unit(
    user: bool,
    executable: Path,
    config_path: Path,
    *,
    environ: Mapping[str, str],
    unit_dir: Path | None = None,
    force: bool = False,
) -> UnitInstall:
    """Write followup.service for `systemctl --user` (user) or the whole system.

    Writing the same text again is a no-op. A different existing unit, perhaps edited by
    hand, is replaced only with `force`; otherwise UsageError says so.
    """
    executable = executable.absolute()
    config_path = config_path.absolute()
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        raise UsageError(f"{executable} is not an executable file; give the installed `followup`.")
    if not user:
        _check_visible_to_system_service(executable, config_path)
    text = render_unit(user, executable, config_path)
    directory = unit_dir if unit_dir is not None else default_unit_dir(user, environ)
    path = directory / UNIT_NAME
    _write_unit(path, text, user=user, force=force)
    logger.info("systemd unit written: path=%s user=%s", path, user)
    return UnitInstall(
        path=path, text=text, next_commands=_next_commands(user, config_path, environ)
    )


def default_unit_dir(user: bool, environ: Mapping[str, str]) -> Path:
    """Where systemd looks for units the administrator (or, with `user`, the user) installed."""
    if not user:
        return SYSTEM_UNIT_DIR
    config_home = environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    if config_home and Path(config_home).is_absolute():
        return Path(config_home) / "systemd" / "user"
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / ".config" / "systemd" / "user"


def _quote_argument(word: str) -> str:
    """One command-line argument in systemd's syntax (systemd.service(5), "Command lines")."""
    _refuse_control_characters(word)
    # `%` starts a specifier and `$` a variable everywhere on the line, quoted or not.
    escaped = word.replace("%", "%%").replace("$", "$$")
    if escaped and not any(char in escaped for char in " \t\"'\\;"):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quote_executable(path: Path) -> str:
    """The program of a command line: systemd expands `%` in it but not `$`, and refuses quotes."""
    text = str(path)
    _refuse_control_characters(text)
    if any(char in text for char in "\"'\\"):
        raise UsageError(
            f"systemd cannot run a program whose path holds a quote or backslash: {text}; "
            "install followup somewhere else."
        )
    escaped = text.replace("%", "%%")
    return f'"{escaped}"' if any(char in escaped for char in " \t;") else escaped


def _refuse_control_characters(text: str) -> None:
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise UsageError(f"a path in the unit cannot hold control characters: {text!r}")


def _check_visible_to_system_service(executable: Path, config_path: Path) -> None:
    """Refuse paths the system unit's sandbox hides, which would fail only at start."""
    programs = [executable, *_interpreter(executable)]
    for program in programs:
        hidden = _hidden_by(program)
        if hidden is not None:
            raise UsageError(
                f"the system service cannot see {program.resolve()}: its sandbox hides {hidden}. "
                "Install followup outside home and temporary folders (for example in a venv "
                "under /opt/followup), or use `followup install-service --user`."
            )
    hidden = _hidden_by(config_path)
    if hidden is not None:
        raise UsageError(
            f"the system service cannot see the configuration {config_path}: its sandbox hides "
            f"{hidden}. Copy it to /etc/followup/config.yaml and pass "
            "--config /etc/followup/config.yaml."
        )


def _hidden_by(path: Path) -> Path | None:
    resolved = path.resolve()
    return next((top for top in _HIDDEN_FROM_SYSTEM_SERVICE if resolved.is_relative_to(top)), None)


def _interpreter(executable: Path) -> Sequence[Path]:
    """The `#!` interpreter of a script (a console script's Python), if it has one."""
    try:
        with executable.open("rb") as file:
            first_line = file.readline(512)
    except OSError:
        return ()
    if not first_line.startswith(b"#!"):
        return ()
    words = first_line[2:].split()
    return (Path(os.fsdecode(words[0])),) if words else ()


def _write_unit(path: Path, text: str, *, user: bool, force: bool) -> None:
    try:
        existing: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = None
    except UnicodeDecodeError:
        existing = ""  # not a unit followup wrote: replaced only with --force
    except OSError as exc:
        raise _cannot_write(path, user, exc) from None
    if existing == text:
        return
    if existing is not None and not force:
        raise UsageError(
            f"{path} already exists and differs from the unit followup would write "
            "(perhaps edited by hand); pass --force to replace it."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(f"{path.parent} is not writable")
        # Written aside and renamed: systemd never reads half a unit.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as file:
            file.write(text)
        temporary = Path(file.name)
        try:
            temporary.chmod(0o644)
            temporary.replace(path)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise _cannot_write(path, user, exc) from None


def _cannot_write(path: Path, user: bool, exc: OSError) -> UsageError:
    reason = exc.strerror or str(exc)
    if user:
        return UsageError(f"cannot write the unit {path}: {reason}.")
    return UsageError(
        f"cannot write the unit {path}: {reason}. Installing the system service needs root: "
        "run `sudo followup install-service`, or `followup install-service --user` for a "
        "service of your own."
    )


def _next_commands(user: bool, config_path: Path, environ: Mapping[str, str]) -> tuple[str, ...]:
    if user:
        login = environ.get("USER") or environ.get("LOGNAME")
        return (
            "systemctl --user daemon-reload",
            f"systemctl --user enable --now {UNIT_NAME}",
            # Without lingering the user manager, and followup with it, stops at logout.
            f"loginctl enable-linger {login}" if login else "loginctl enable-linger",
        )
    commands = []
    try:
        mode = config_path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and not mode & stat.S_IROTH:
        # The dynamic user is nobody the file's owner knows; the file holds no secrets.
        commands.append(f"chmod 0644 {shlex.quote(str(config_path))}")
    commands += ["systemctl daemon-reload", f"systemctl enable --now {UNIT_NAME}"]
    return tuple(commands)


# --------------------------------------------------------------------------- templates
# Byte for byte the files in systemd/ (tests/test_systemd.py checks).

SYSTEM_UNIT_TEMPLATE = """\
# followup: the daemon as a system service, run by a throw-away user (DynamicUser=).
#
# Installed by `sudo followup install-service`, which puts the installed `followup`
# program and the configuration file into ExecStart=; then run
# `systemctl daemon-reload` and `systemctl enable --now followup.service`.
#
# Files:
#   configuration  normally /etc/followup/config.yaml (ConfigurationDirectory=).
#                  The service runs as a dynamic user, so the file must be
#                  readable by others (0644); it holds no secrets: they come from
#                  credentials, below.
#   state          /var/lib/followup (StateDirectory=); followup's default database
#                  is $STATE_DIRECTORY/state.db when `database:` is not set. To use
#                  the CLI against the same database, set
#                  `database: sqlite:////var/lib/followup/state.db` in the file.
#
# Password: an account with `credential: followup-password` reads
# $CREDENTIALS_DIRECTORY/followup-password. LoadCredential= below copies it from
# /etc/credstore/followup-password (mode 0600, owned by root: only systemd reads it,
# the service gets a private copy):
#     install -d -m 0700 /etc/credstore
#     install -m 0600 /dev/stdin /etc/credstore/followup-password   # type it, then Ctrl-D
# A missing credstore file is skipped by systemd; `followup run` then says which
# credential it could not find. More accounts: one `LoadCredential=NAME` line per
# `credential: NAME`, added with `systemctl edit followup.service`. An encrypted
# credential (systemd-creds encrypt) goes in LoadCredentialEncrypted= instead.

[Unit]
Description=followup: polite, approved check-ins on hiring threads
Documentation=man:systemd.exec(5)
Wants=network-online.target
After=network-online.target
# A configuration error exits with status 2 (not restarted, below); anything else
# is retried, but not forever.
StartLimitIntervalSec=15min
StartLimitBurst=5

[Service]
Type=notify
NotifyAccess=main
ExecStart=@FOLLOWUP@ --config @CONFIG@ run
# The daemon re-reads its configuration on SIGHUP and reports RELOADING=1/READY=1.
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=30s
RestartPreventExitStatus=2
# Sends are at most once even when killed mid-send (reconciled against the Sent
# folder), so a short stop timeout costs nothing but a retry.
TimeoutStopSec=15
# The daemon pings at half this interval; a daemon stuck for this long is restarted.
WatchdogSec=5min
Environment=PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1

DynamicUser=yes
StateDirectory=followup
StateDirectoryMode=0700
ConfigurationDirectory=followup
LoadCredential=followup-password
UMask=0077

# Hardening. The daemon needs only its state directory, its configuration, DNS
# and outgoing IMAP/SMTP connections.
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
PrivateUsers=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
DevicePolicy=closed
PrivateIPC=yes
PrivateMounts=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
# CPython (without the experimental JIT of 3.13+) never maps memory writable and
# executable at once; checked by running followup under prctl(PR_SET_MDWE).
MemoryDenyWriteExecute=yes
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
SystemCallArchitectures=native
RemoveIPC=yes
KeyringMode=private
# IMAP and SMTP servers can be anywhere, so no IPAddressDeny=.

[Install]
WantedBy=multi-user.target
"""

USER_UNIT_TEMPLATE = """\
# followup: the daemon as a user service (`systemctl --user`), run as you.
#
# Installed by `followup install-service --user`, which puts the installed
# `followup` program and the configuration file into ExecStart=; then run
# `systemctl --user daemon-reload` and `systemctl --user enable --now followup.service`,
# and `loginctl enable-linger` so that it keeps running while you are logged out.
#
# It uses the same configuration and database as `followup` typed in your shell
# (no StateDirectory=: in a user manager it would point into ~/.config on systemd
# < 254 and move the database away from where the CLI looks). Passwords come from
# the file's `password_file`, `password_command` (e.g. a keyring tool) or
# `oauth2_token_file`; `password_env` needs an Environment= line added with
# `systemctl --user edit followup.service`.
#
# Only sandboxing that works without privileges is used here: the file-system
# options (ProtectSystem=, PrivateTmp=, …) need unprivileged user namespaces in a
# user manager, which many systems disable, and the service would then not start.

[Unit]
Description=followup: polite, approved check-ins on hiring threads
Documentation=man:systemd.exec(5)
# A configuration error exits with status 2 (not restarted, below); anything else
# is retried, but not forever.
StartLimitIntervalSec=15min
StartLimitBurst=5

[Service]
Type=notify
NotifyAccess=main
ExecStart=@FOLLOWUP@ --config @CONFIG@ run
# The daemon re-reads its configuration on SIGHUP and reports RELOADING=1/READY=1.
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=30s
RestartPreventExitStatus=2
# Sends are at most once even when killed mid-send (reconciled against the Sent
# folder), so a short stop timeout costs nothing but a retry.
TimeoutStopSec=15
# The daemon pings at half this interval; a daemon stuck for this long is restarted.
WatchdogSec=5min
Environment=PYTHONUNBUFFERED=1
UMask=0077

# Hardening that needs no privileges (seccomp and no_new_privs).
NoNewPrivileges=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
# CPython (without the experimental JIT of 3.13+) never maps memory writable and
# executable at once; checked by running followup under prctl(PR_SET_MDWE).
MemoryDenyWriteExecute=yes
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
SystemCallArchitectures=native

[Install]
WantedBy=default.target
"""
