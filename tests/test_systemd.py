"""systemd integration: sd_notify over a real datagram socket, units checked by systemd-analyze."""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker import systemd
from tracker.errors import UsageError
from tracker.systemd import Notifier, install_unit, render_unit

REPO = Path(__file__).resolve().parent.parent
FOLLOWUP = REPO / ".venv" / "bin" / "followup"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
needs_analyze = pytest.mark.skipif(
    not Path(SYSTEMD_ANALYZE).exists(), reason="systemd-analyze is not installed on this machine"
)


# --------------------------------------------------------------------------- sd_notify


@pytest.fixture
def short_dir() -> Iterator[Path]:
    # sockaddr_un paths are limited to 107 bytes; pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="sd-") as directory:
        yield Path(directory)


@pytest.fixture(params=["path", "abstract"])
def listener(
    request: pytest.FixtureRequest, short_dir: Path
) -> Iterator[tuple[str, socket.socket]]:
    """A bound AF_UNIX datagram socket standing in for systemd, and its $NOTIFY_SOCKET value."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if request.param == "path":
        name = str(short_dir / "notify")
        sock.bind(name)
    else:
        name = f"@followup-test-{os.getpid()}-{time.monotonic_ns()}"
        sock.bind(b"\0" + name[1:].encode())
    sock.settimeout(5)
    with sock:
        yield name, sock


def _no_datagram(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        sock.recv(4096)
    except BlockingIOError:
        return True
    return False


def test_ready_status_watchdog_stopping_arrive_as_sd_notify_specifies(
    listener: tuple[str, socket.socket],
) -> None:
    name, sock = listener
    notifier = Notifier.from_environ({"NOTIFY_SOCKET": name})
    assert notifier.enabled

    notifier.ready("watching 2 accounts")
    assert sock.recv(4096) == b"READY=1\nSTATUS=watching 2 accounts"
    notifier.status("syncing main")
    assert sock.recv(4096) == b"STATUS=syncing main"
    notifier.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    notifier.stopping()
    assert sock.recv(4096) == b"STOPPING=1"


def test_status_text_stays_one_field(listener: tuple[str, socket.socket]) -> None:
    name, sock = listener
    Notifier.from_environ({"NOTIFY_SOCKET": name}).status("sync failed:\nserver said no\r\n")
    assert sock.recv(4096) == b"STATUS=sync failed: server said no"


def test_status_text_is_utf8(listener: tuple[str, socket.socket]) -> None:
    name, sock = listener
    Notifier.from_environ({"NOTIFY_SOCKET": name}).status("next check-in to Zoë at Müller GmbH")
    assert sock.recv(4096).decode("utf-8") == "STATUS=next check-in to Zoë at Müller GmbH"


def test_reloading_carries_the_monotonic_clock(listener: tuple[str, socket.socket]) -> None:
    name, sock = listener
    before = time.monotonic_ns() // 1000
    Notifier.from_environ({"NOTIFY_SOCKET": name}).reloading()
    after = time.monotonic_ns() // 1000
    match = re.fullmatch(rb"RELOADING=1\nMONOTONIC_USEC=(\d+)", sock.recv(4096))
    assert match is not None
    assert before <= int(match.group(1)) <= after


def test_without_notify_socket_nothing_is_sent(listener: tuple[str, socket.socket]) -> None:
    _, sock = listener
    notifier = Notifier.from_environ({"WATCHDOG_USEC": "1000000"})
    assert not notifier.enabled
    notifier.ready("ready")
    notifier.status("status")
    notifier.watchdog()
    notifier.reloading()
    notifier.stopping()
    assert _no_datagram(sock)


def test_empty_notify_socket_is_unset() -> None:
    assert not Notifier.from_environ({"NOTIFY_SOCKET": ""}).enabled


@pytest.mark.parametrize("kind", ["path", "abstract", "unsupported"])
def test_a_socket_that_went_away_is_logged_not_raised(
    kind: str, short_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if kind == "path":
        name = str(short_dir / "notify")
        gone = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        gone.bind(name)
        gone.close()  # the file stays, nobody listens: ECONNREFUSED
    elif kind == "abstract":
        name = f"@followup-gone-{os.getpid()}-{time.monotonic_ns()}"
    else:
        name = "vsock:2:1234"
    with caplog.at_level(logging.DEBUG, logger="tracker.systemd"):
        notifier = Notifier.from_environ({"NOTIFY_SOCKET": name})
        notifier.ready("ready")
        notifier.watchdog()
        notifier.stopping()
    assert caplog.records, "the lost notification should be logged"
    assert all(record.levelno == logging.DEBUG for record in caplog.records)


def test_a_missing_socket_file_is_not_raised(short_dir: Path) -> None:
    Notifier.from_environ({"NOTIFY_SOCKET": str(short_dir / "never-there")}).ready("ready")


@pytest.mark.parametrize(
    ("environ", "interval"),
    [
        ({}, None),
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "300000000", "WATCHDOG_PID": "{own}"}, 150.0),
        ({"WATCHDOG_USEC": "300000000", "WATCHDOG_PID": "{other}"}, None),
        ({"WATCHDOG_USEC": "300000000", "WATCHDOG_PID": "not a pid"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "-5"}, None),
        ({"WATCHDOG_USEC": "5min"}, None),
        ({"WATCHDOG_USEC": "1"}, 0.0000005),
    ],
)
def test_watchdog_interval(environ: dict[str, str], interval: float | None) -> None:
    pids = {"own": str(os.getpid()), "other": str(os.getpid() + 1)}
    environ = {key: value.format(**pids) for key, value in environ.items()}
    assert Notifier.from_environ(environ).watchdog_interval == interval


# --------------------------------------------------------------------------- unit text


@pytest.mark.parametrize(
    ("template", "file"),
    [
        (systemd.SYSTEM_UNIT_TEMPLATE, "followup.service"),
        (systemd.USER_UNIT_TEMPLATE, "followup.user.service"),
    ],
)
def test_templates_are_the_files_in_systemd_folder(template: str, file: str) -> None:
    assert (REPO / "systemd" / file).read_text(encoding="utf-8") == template
    assert template.count(systemd.EXEC_START_TEMPLATE) == 1


@pytest.mark.parametrize("user", [False, True])
def test_render_fills_in_exec_start_only(user: bool) -> None:
    text = render_unit(user, Path("/opt/followup/bin/followup"), Path("/etc/followup/config.yaml"))
    exec_lines = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    assert exec_lines == [
        "ExecStart=/opt/followup/bin/followup --config /etc/followup/config.yaml run"
    ]
    assert "@FOLLOWUP@" not in text
    assert "@CONFIG@" not in text
    lines = [line for line in text.splitlines() if line and not line.startswith(("#", "["))]
    settings = {line.partition("=")[0] for line in lines}
    assert ("DynamicUser" in settings) is not user
    assert ("StateDirectory" in settings) is not user
    assert "Type" in settings


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("/etc/followup/config.yaml", "/etc/followup/config.yaml"),
        ("/srv/job hunt/config.yaml", '"/srv/job hunt/config.yaml"'),
        ("/srv/100%/config.yaml", "/srv/100%%/config.yaml"),
        ("/srv/$HOME/config.yaml", "/srv/$$HOME/config.yaml"),
        ('/srv/say "hi"/c.yaml', '"/srv/say \\"hi\\"/c.yaml"'),
        ("/srv/it's/c.yaml", '"/srv/it\'s/c.yaml"'),
        ("/srv/back\\slash/c.yaml", '"/srv/back\\\\slash/c.yaml"'),
        ("/srv/semi;colon/c.yaml", '"/srv/semi;colon/c.yaml"'),
        ("/srv/a 50% $x/c.yaml", '"/srv/a 50%% $$x/c.yaml"'),
    ],
)
def test_config_path_is_quoted_by_systemd_rules(config: str, expected: str) -> None:
    text = render_unit(False, Path("/usr/bin/followup"), Path(config))
    assert f"ExecStart=/usr/bin/followup --config {expected} run\n" in text


@pytest.mark.parametrize("bad", ['/opt/say "hi"/followup', "/opt/it's/followup", "/opt/a\\b/f"])
def test_executable_systemd_cannot_run_is_refused(bad: str) -> None:
    with pytest.raises(UsageError, match="quote or backslash"):
        render_unit(False, Path(bad), Path("/etc/followup/config.yaml"))


def test_control_characters_are_refused() -> None:
    with pytest.raises(UsageError, match="control characters"):
        render_unit(True, Path("/usr/bin/followup"), Path("/srv/new\nline.yaml"))


# --------------------------------------------------------------------------- systemd-analyze


def _verify(unit: Path, *, user: bool, runtime_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [SYSTEMD_ANALYZE, "verify", "--man=no", "--recursive-errors=no"]
    if user:
        command.append("--user")
    # A user manager needs a runtime directory even offline; a private one keeps the
    # host's out of it.
    environ = {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir), "SYSTEMD_LOG_COLOR": "0"}
    return subprocess.run(
        [*command, str(unit)], capture_output=True, text=True, env=environ, timeout=120, check=False
    )


def _write_rendered(directory: Path, user: bool, executable: Path, config: Path) -> Path:
    unit = directory / "followup.service"
    unit.write_text(render_unit(user, executable, config), encoding="utf-8")
    return unit


@needs_analyze
@pytest.mark.parametrize("user", [False, True], ids=["system", "user"])
def test_systemd_analyze_verify_accepts_the_unit(user: bool, tmp_path: Path) -> None:
    assert FOLLOWUP.exists(), "the test needs the project's .venv with followup installed"
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    unit = _write_rendered(tmp_path, user, FOLLOWUP, Path("/etc/followup/config.yaml"))
    result = _verify(unit, user=user, runtime_dir=runtime)
    output = result.stdout + result.stderr
    about_unit = [line for line in output.splitlines() if "followup.service" in line]
    assert about_unit == [], output
    assert result.returncode == 0, output


@needs_analyze
def test_systemd_analyze_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The verify test above could pass on anything if systemd-analyze ignored the file."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    unit = tmp_path / "followup.service"
    text = render_unit(False, FOLLOWUP, Path("/etc/followup/config.yaml"))
    unit.write_text(text.replace("Type=notify", "Type=notfy\nBogusKey=1"), encoding="utf-8")
    result = _verify(unit, user=False, runtime_dir=runtime)
    about_unit = [line for line in result.stderr.splitlines() if "followup.service" in line]
    assert any("BogusKey" in line for line in about_unit)
    assert any("notfy" in line for line in about_unit)


@needs_analyze
def test_an_executable_path_with_spaces_and_percent_is_found_by_systemd(tmp_path: Path) -> None:
    folder = tmp_path / "job hunt 100%; $x"
    folder.mkdir()
    executable = folder / "followup"
    shutil.copy(FOLLOWUP, executable)
    executable.chmod(0o755)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    unit = _write_rendered(tmp_path, False, executable, tmp_path / "my config.yaml")
    result = _verify(unit, user=False, runtime_dir=runtime)
    assert result.returncode == 0, result.stdout + result.stderr
    # and the same unit with the executable gone is reported: the path really was read
    executable.unlink()
    result = _verify(unit, user=False, runtime_dir=runtime)
    assert result.returncode != 0
    assert "job hunt 100%; $x/followup" in result.stderr


def _analyze_supports_offline_security() -> str | None:
    """None when `systemd-analyze security --offline=true --threshold=` works, else why not."""
    if not Path(SYSTEMD_ANALYZE).exists():
        return "systemd-analyze is not installed on this machine"
    version = subprocess.run(
        [SYSTEMD_ANALYZE, "--version"], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    match = re.match(r"systemd (\d+)", version)
    # --offline and --threshold for `security` arrived in systemd 250.
    if match is None or int(match.group(1)) < 250:
        return f"systemd-analyze security --offline needs systemd >= 250, this is {version[:40]!r}"
    return None


@needs_analyze
def test_system_unit_exposure_is_low(tmp_path: Path) -> None:
    unsupported = _analyze_supports_offline_security()
    if unsupported:
        pytest.skip(unsupported)
    unit = _write_rendered(tmp_path, False, FOLLOWUP, Path("/etc/followup/config.yaml"))
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=true", "--threshold=20", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_COLORS": "0"},
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    match = re.search(r"Overall exposure level for followup\.service: (\d+\.\d+)", output)
    assert match is not None, output
    exposure = float(match.group(1))
    print(f"systemd-analyze security exposure of followup.service: {exposure}")
    assert exposure <= 2.0, output


# --------------------------------------------------------------------------- install_unit


def test_user_install_writes_the_unit_and_says_what_next(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "USER": "alex"}
    installed = install_unit(True, FOLLOWUP, config, environ=environ)

    assert installed.path == tmp_path / "xdg" / "systemd" / "user" / "followup.service"
    assert installed.path.read_text(encoding="utf-8") == installed.text
    assert installed.text == render_unit(True, FOLLOWUP, config)
    assert installed.path.stat().st_mode & 0o777 == 0o644
    assert installed.next_commands == (
        "systemctl --user daemon-reload",
        "systemctl --user enable --now followup.service",
        "loginctl enable-linger alex",
    )
    assert [entry.name for entry in installed.path.parent.iterdir()] == ["followup.service"]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"XDG_CONFIG_HOME": "/x/conf", "HOME": "/home/alex"}, "/x/conf/systemd/user"),
        ({"XDG_CONFIG_HOME": "relative", "HOME": "/home/alex"}, "/home/alex/.config/systemd/user"),
        ({"HOME": "/home/alex"}, "/home/alex/.config/systemd/user"),
    ],
)
def test_default_unit_dir(environ: dict[str, str], expected: str) -> None:
    assert systemd.default_unit_dir(True, environ) == Path(expected)
    assert systemd.default_unit_dir(False, environ) == Path("/etc/systemd/system")


def test_reinstalling_the_same_unit_is_a_no_op_and_a_changed_one_needs_force(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    first = install_unit(True, FOLLOWUP, config, environ={}, unit_dir=tmp_path)
    again = install_unit(True, FOLLOWUP, config, environ={}, unit_dir=tmp_path)
    assert again == first

    edited = first.text.replace("RestartSec=30s", "RestartSec=5s")
    first.path.write_text(edited, encoding="utf-8")
    with pytest.raises(UsageError, match="--force"):
        install_unit(True, FOLLOWUP, config, environ={}, unit_dir=tmp_path)
    assert first.path.read_text(encoding="utf-8") == edited

    install_unit(True, FOLLOWUP, config, environ={}, unit_dir=tmp_path, force=True)
    assert first.path.read_text(encoding="utf-8") == first.text


def test_system_install_into_an_unwritable_dir_names_sudo() -> None:
    # /proc/self is a folder even root cannot create files in.
    with pytest.raises(UsageError, match="sudo followup install-service"):
        install_unit(
            False,
            Path("/usr/bin/env"),
            Path("/etc/followup/config.yaml"),
            environ={},
            unit_dir=Path("/proc/self"),
        )


def test_user_install_into_an_unwritable_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write the unit"):
        install_unit(True, FOLLOWUP, tmp_path / "c.yaml", environ={}, unit_dir=Path("/proc/self"))


def test_system_install_says_what_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The configuration lives in tmp_path, which the real sandbox would hide (PrivateTmp=).
    monkeypatch.setattr(systemd, "_HIDDEN_FROM_SYSTEM_SERVICE", (Path("/home"),))
    config = tmp_path / "config.yaml"
    config.write_text("accounts: []\n", encoding="utf-8")
    config.chmod(0o600)
    installed = install_unit(
        False, Path("/usr/bin/env"), config, environ={}, unit_dir=tmp_path / "units"
    )
    assert installed.next_commands == (
        f"chmod 0644 {config}",
        "systemctl daemon-reload",
        "systemctl enable --now followup.service",
    )
    config.chmod(0o644)
    installed = install_unit(
        False, Path("/usr/bin/env"), config, environ={}, unit_dir=tmp_path / "units"
    )
    assert installed.next_commands == (
        "systemctl daemon-reload",
        "systemctl enable --now followup.service",
    )


def test_system_install_refuses_paths_its_sandbox_hides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_tmp = tmp_path / "followup"
    in_tmp.write_text("#!/bin/sh\n", encoding="utf-8")
    in_tmp.chmod(0o755)
    with pytest.raises(UsageError, match="sandbox hides /tmp"):
        install_unit(
            False, in_tmp, Path("/etc/followup/config.yaml"), environ={}, unit_dir=tmp_path
        )
    with pytest.raises(UsageError, match=r"Copy it to /etc/followup/config\.yaml"):
        install_unit(
            False,
            Path("/usr/bin/env"),
            Path("/home/alex/.config/followup/config.yaml"),
            environ={},
            unit_dir=tmp_path,
        )
    # A console script whose Python lives in a home folder (pyenv, pipx) fails the same way.
    monkeypatch.setattr(systemd, "_HIDDEN_FROM_SYSTEM_SERVICE", (Path("/root"),))
    in_tmp.write_text("#!/root/.pyenv/versions/3.11.7/bin/python3.11\n", encoding="utf-8")
    with pytest.raises(UsageError, match="sandbox hides /root"):
        install_unit(
            False, in_tmp, Path("/etc/followup/config.yaml"), environ={}, unit_dir=tmp_path
        )
    assert not (tmp_path / "followup.service").exists()


def test_install_refuses_a_missing_executable(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an executable file"):
        install_unit(True, tmp_path / "nope", tmp_path / "c.yaml", environ={}, unit_dir=tmp_path)
