"""The daemon's memory footprint: what `followup run` imports, and what it leaves to need.

Each import the daemon does not need stays resident for as long as it runs (bench/idle.py,
issue 7): typer and rich (the command line), Jinja2 (only to render a draft or a digest),
icalendar (only for mail with a calendar), holidays (only with `policy.holidays`, and then one
country), Alembic (only to migrate). These are checked in fresh interpreters, since the test
process itself has imported everything.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from tracker import daemon
from tracker.__main__ import daemon_arguments

NOT_FOR_THE_DAEMON = (
    "typer", "click", "rich", "jinja2", "icalendar", "holidays", "alembic", "mako", "aiosmtpd",
)  # fmt: skip


def loaded_after(code: str) -> dict[str, object]:
    """Run `code` in a fresh interpreter; its JSON document on the last line of stdout, with
    the packages of NOT_FOR_THE_DAEMON then imported added under "loaded"."""
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json as _json, sys as _sys
        _names = {NOT_FOR_THE_DAEMON!r}
        result["loaded"] = sorted(n for n in _names if n in _sys.modules)
        print(_json.dumps(result))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    document: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return document


def test_importing_the_daemon_leaves_out_what_it_does_not_need() -> None:
    result = loaded_after("""
        import tracker.__main__, tracker.daemon
        result = {}
    """)
    assert result["loaded"] == []


@pytest.mark.parametrize("module", ["tracker.ingest", "tracker.reading"])
def test_the_second_processes_load_no_database_or_network_code(module: str) -> None:
    # A large sync parses in a second process that starts by importing tracker.ingest, a
    # large analysis pass detects in one that imports tracker.reading (and the store's
    # database code when it first reads); the configuration, IMAP and analysis code (and,
    # for the parser, the database's) would cost each ~0.6 s and ~45 MB at every start.
    result = loaded_after(f"""
        import sys
        import {module}
        result = {{"heavy": sorted(
            n for n in ("sqlalchemy", "sqlmodel", "pydantic", "imapclient", "tracker.store.db",
                        "tracker.config", "tracker.sync", "tracker.analysis")
            if n in sys.modules
        )}}
    """)
    assert result["heavy"] == []


def test_a_holiday_calendar_is_checked_without_loading_every_country(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "accounts:\n"
        "  - name: main\n"
        "    address: alex@example.com\n"
        "    password_env: FOLLOWUP_PASSWORD\n"
        "    imap: {host: imap.example.com}\n"
        "    smtp: {host: smtp.example.com}\n"
        "policy: {holidays: de-by}\n"
    )
    result = loaded_after(f"""
        import sys
        from pathlib import Path
        from tracker.config import load_settings
        settings = load_settings(Path({str(config)!r}), environ={{"FOLLOWUP_PASSWORD": "x"}})
        countries = sorted(
            name.rpartition(".")[2] for name in sys.modules
            if name.startswith("holidays.countries.")
        )
        result = {{"holidays": settings.policy.holidays, "countries": countries}}
    """)
    assert result["holidays"] == "DE-BY"
    assert result["countries"] == ["germany"]


def test_a_country_loaded_alone_has_the_packages_own_holidays() -> None:
    result = loaded_after("""
        import sys
        from datetime import date, timedelta
        from tracker.workdays import is_holiday

        days = [date(2026, 1, 1) + timedelta(days=n) for n in range(2 * 365)]
        asked = [("US", None), ("DE", "BY"), ("UK", None), ("AS", None), ("JP", None)]
        ours = {f"{c}-{s}": [d.isoformat() for d in days if is_holiday(d, c, s)] for c, s in asked}
        alone = sum(name.startswith("holidays.countries.") for name in sys.modules)
        import holidays
        theirs = {
            f"{c}-{s}": [d.isoformat() for d in days if d in holidays.country_holidays(c, subdiv=s)]
            for c, s in asked
        }
        result = {"same": ours == theirs, "alone": alone, "us": len(ours["US-None"])}
    """)
    assert result["same"]
    assert result["us"] >= 20  # two years of US federal holidays, observed days included
    # Asked for US, DE, UK, AS and JP: American Samoa's module imports the US one, nothing else.
    assert result["alone"] == 5


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run"], []),
        (["--config", "/etc/followup.yaml", "run"], ["--config", "/etc/followup.yaml"]),
        (["--config=/etc/f.yaml", "run"], ["--config=/etc/f.yaml"]),
        (["--config", "run", "run"], ["--config", "run"]),  # a file named "run"
        # Everything else is the full command line's (help, errors, other commands):
        ([], None),
        (["sync"], None),
        (["--help"], None),
        (["run", "--help"], None),
        (["run", "run"], None),
        (["x.yaml", "run"], None),
        (["--conf", "x.yaml", "run"], None),  # click has no abbreviations; argparse would
        (["--config", "-x", "run"], None),
        (["--config=", "run"], None),
        (["--config", "a.yaml", "--config", "b.yaml", "run"], None),
    ],
)
def test_only_a_plain_run_goes_straight_to_the_daemon(
    argv: list[str], expected: list[str] | None
) -> None:
    assert daemon_arguments(argv) == expected


def test_followup_run_fails_like_the_command_line_without_importing_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = loaded_after(f"""
        import contextlib, io, sys
        sys.argv = ["followup", "--config", {str(missing)!r}, "run"]
        from tracker.__main__ import main
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            try:
                main()
            except SystemExit as exc:
                code = exc.code
        result = {{"code": code, "stderr": errors.getvalue()}}
    """)
    assert result["loaded"] == []
    assert result["code"] == 2
    assert f"{missing}: no such file" in str(result["stderr"])
    # The same words and exit code as through typer (which any other argument line reaches).
    through_typer = subprocess.run(
        [sys.executable, "-c", "from tracker.cli import main; main()", "--config", str(missing),
         "run"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert through_typer.returncode == 2
    assert through_typer.stderr == result["stderr"]


class FakeLibc:
    """Stands in for glibc, recording the malloc calls the daemon makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append(("mallopt", parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


@pytest.mark.parametrize(
    ("environ", "limited"),
    [
        ({}, True),
        ({"MALLOC_ARENA_MAX": "4"}, False),
        ({"GLIBC_TUNABLES": "glibc.malloc.arena_max=4"}, False),
        ({"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"}, True),
    ],
)
def test_malloc_arenas_are_limited_unless_the_environment_chose(
    monkeypatch: pytest.MonkeyPatch, environ: Mapping[str, str], limited: bool
) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(daemon, "_glibc", lambda: libc)
    daemon.limit_malloc_arenas(environ)
    assert libc.calls == ([("mallopt", -8, daemon.MALLOC_ARENAS)] if limited else [])
    daemon.release_free_memory()
    assert libc.calls[-1] == ("malloc_trim", 0)


def test_malloc_tuning_is_skipped_where_there_is_no_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daemon, "_glibc", lambda: None)
    daemon.limit_malloc_arenas({})
    daemon.release_free_memory()  # nothing to call, nothing raised


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_the_real_malloc_calls_work_here() -> None:
    libc = daemon._glibc()
    assert libc is not None, "this Linux has no glibc: the daemon skips its malloc tuning"
    assert libc.malloc_trim(0) in (0, 1)
