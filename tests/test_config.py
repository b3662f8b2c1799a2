"""The configuration: validation rules, defaults, error locations, secrets and the CLI."""

from __future__ import annotations

import copy
import json
import os
import pickle
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracker import config
from tracker.config import (
    AccountSettings,
    Secret,
    SecretUnavailable,
    Settings,
    config_reference_markdown,
    default_config_path,
    default_database_url,
    load_settings,
    resolve_password,
    settings_schema,
)
from tracker.errors import ConfigError, ConfigProblem, FollowupError

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "config"
EXAMPLE = ROOT / "config.example.yaml"
SECRET = "hunter2-Sup3r-S3cret"
ENV = {"FOLLOWUP_PASSWORD": SECRET, "HOME": "/home/alex", "PATH": os.defpath}


def base_config() -> dict[str, Any]:
    """A valid configuration with one IMAP account, as a YAML-shaped dict."""
    return {
        "accounts": [
            {
                "name": "main",
                "provider": "imap",
                "address": "alex@example.com",
                "password_env": "FOLLOWUP_PASSWORD",
                "imap": {"host": "imap.example.com", "security": "tls"},
                "smtp": {"host": "smtp.example.com", "security": "tls"},
            }
        ],
        "timezone": "Europe/Berlin",
    }


def write(tmp_path: Path, document: object, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, document: object, environ: Mapping[str, str] = ENV) -> Settings:
    return load_settings(write(tmp_path, document), environ)


def problems_of(
    tmp_path: Path, document: object, environ: Mapping[str, str] = ENV
) -> tuple[ConfigProblem, ...]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, document, environ)
    return caught.value.problems


_DELETE = object()


def setting(document: dict[str, Any], key: str, value: object) -> dict[str, Any]:
    """A copy of `document` with the dotted `key` (e.g. accounts[0].imap.port) set or deleted."""
    document = copy.deepcopy(document)
    parts: list[str | int] = [
        int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", key)
    ]
    target: Any = document
    for part in parts[:-1]:
        if isinstance(part, str) and part not in target:
            target[part] = {}
        target = target[part]
    if value is _DELETE:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return document


def run_cli(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    # A wide terminal so rich does not wrap a problem line in the middle of a key path.
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env={**os.environ, "COLUMNS": "300", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


# --------------------------------------------------------------------------- the CLI


def test_config_check_accepts_the_example() -> None:
    result = run_cli("config", "check", str(EXAMPLE), env={"FOLLOWUP_PASSWORD": SECRET})
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_config_check_lists_every_problem_with_key_and_line() -> None:
    path = DATA / "four_problems.yaml"
    environ = {k: v for k, v in os.environ.items() if k != "FOLLOWUP_TEST_UNSET_PASSWORD"}
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "config", "check", str(path)],
        env={**environ, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 2
    text = path.read_text().splitlines()

    def line_of(fragment: str) -> int:
        return next(number for number, line in enumerate(text, 1) if fragment in line)

    expected = {
        "policy.max_chekins": (line_of("max_chekins"), "did you mean 'max_checkins'"),
        "sync.lookback_days": (line_of("lookback_days"), "whole number"),
        "accounts[0].password_env": (line_of("password_env"), "FOLLOWUP_TEST_UNSET_PASSWORD"),
        "accounts[0].imap.security": (line_of("security: none"), "loopback"),
    }
    for key, (line, words) in expected.items():
        matching = [row for row in result.stderr.splitlines() if f":{line}: {key}:" in row]
        assert matching, f"{key} at line {line} missing from:\n{result.stderr}"
        assert words in matching[0]
    assert "4 problem(s)" in result.stderr


def test_config_schema_prints_json_with_the_top_level_keys() -> None:
    result = run_cli("config", "schema", env={})
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert {"accounts", "policy", "timezone", "digest", "dry_run"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_schema_describes_every_field() -> None:
    schema = settings_schema()
    models = [schema, *schema["$defs"].values()]
    undocumented = [
        f"{model.get('title')}.{name}"
        for model in models
        for name, spec in model.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undocumented == []
    account = schema["$defs"]["AccountSettings"]
    assert "imap" not in account["required"]  # optional for gmail
    start = schema["$defs"]["SendWindow"]["properties"]["start"]
    assert re.match(start["pattern"], start["default"])


def test_reference_table_has_a_row_for_every_setting() -> None:
    table = config_reference_markdown()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    keys = {row.split("`")[1] for row in rows}
    for key in (
        "accounts[].imap.security",
        "policy.send_window.days",
        "policy.max_checkins",
        "digest.token_days",
        "templates.directory",
        "database",
        "dry_run",
    ):
        assert key in keys
    assert len(keys) == len(rows)
    assert "| `policy.max_checkins` | integer 0..2 | `2` |" in table


# --------------------------------------------------------------------------- the example


def test_example_uses_every_top_level_setting() -> None:
    settings = load_settings(EXAMPLE, ENV)
    assert settings.accounts[0].password_env == "FOLLOWUP_PASSWORD"
    assert settings.policy.holidays == "US"
    assert settings.policy.send_window.end == time(16, 30)
    documented = set(yaml.safe_load(EXAMPLE.read_text()))
    # database is commented out on purpose: its default is better than any example value.
    assert set(Settings.model_fields) - documented == {"database"}
    assert "# database:" in EXAMPLE.read_text()


# --------------------------------------------------------------------------- validation rules


RULES: list[tuple[str, str, object, str, str]] = [
    # (case, key set in the base config, value, key path reported, words in the message)
    (
        "above two check-ins",
        "policy.max_checkins",
        3,
        "policy.max_checkins",
        "never a pest: at most 2 check-ins",
    ),
    ("negative check-ins", "policy.max_checkins", -1, "policy.max_checkins", "at least 0"),
    ("wait too short", "policy.default_wait_days", 4, "policy.default_wait_days", "at least 5"),
    ("wait too long", "policy.default_wait_days", 15, "policy.default_wait_days", "at most 14"),
    ("no sends a day", "policy.max_sends_per_day", 0, "policy.max_sends_per_day", "at least 1"),
    (
        "plain text to a remote IMAP host",
        "accounts[0].imap.security",
        "none",
        "accounts[0].imap.security",
        "loopback",
    ),
    (
        "plain text to a remote SMTP host",
        "accounts[0].smtp.security",
        "none",
        "accounts[0].smtp.security",
        "loopback",
    ),
    (
        "unknown security",
        "accounts[0].imap.security",
        "ssl",
        "accounts[0].imap.security",
        "one of: tls, starttls, none",
    ),
    (
        "port in the host",
        "accounts[0].imap.host",
        "imap.example.com:993",
        "accounts[0].imap.host",
        "port",
    ),
    ("port out of range", "accounts[0].smtp.port", 70000, "accounts[0].smtp.port", "at most"),
    ("typo at the top", "dryrun", True, "dryrun", "did you mean 'dry_run'"),
    (
        "typo in an account",
        "accounts[0].adress",
        "a@b.example",
        "accounts[0].adress",
        "did you mean 'address'",
    ),
    ("inline password", "accounts[0].password", SECRET, "accounts[0].password", "password_env"),
    (
        "inline token under imap",
        "accounts[0].imap.token",
        SECRET,
        "accounts[0].imap.token",
        "never written in the configuration",
    ),
    (
        "two secret sources",
        "accounts[0].password_command",
        "pass show mail",
        "accounts[0]",
        "more than one secret source",
    ),
    ("no secret source", "accounts[0].password_env", _DELETE, "accounts[0]", "no secret source"),
    (
        "unset variable",
        "accounts[0].password_env",
        "FOLLOWUP_UNSET",
        "accounts[0].password_env",
        "FOLLOWUP_UNSET is not set",
    ),
    (
        "not a variable name",
        "accounts[0].password_env",
        "my password",
        "accounts[0].password_env",
        "name of an environment variable",
    ),
    (
        "missing password file",
        "accounts[0]",
        {
            "name": "main",
            "address": "a@example.com",
            "password_file": "nope.txt",
            "imap": {"host": "imap.example.com"},
            "smtp": {"host": "smtp.example.com"},
        },
        "accounts[0].password_file",
        "does not exist",
    ),
    (
        "credential outside systemd",
        "accounts[0]",
        {
            "name": "main",
            "address": "a@example.com",
            "credential": "followup-password",
            "imap": {"host": "imap.example.com"},
            "smtp": {"host": "smtp.example.com"},
        },
        "accounts[0].credential",
        "CREDENTIALS_DIRECTORY is not set",
    ),
    (
        "command not found",
        "accounts[0]",
        {
            "name": "main",
            "address": "a@example.com",
            "password_command": ["followup-no-such-program", "--secret"],
            "imap": {"host": "imap.example.com"},
            "smtp": {"host": "smtp.example.com"},
        },
        "accounts[0].password_command",
        "not found",
    ),
    (
        "empty command",
        "accounts[0]",
        {
            "name": "main",
            "address": "a@example.com",
            "password_command": [],
            "imap": {"host": "imap.example.com"},
            "smtp": {"host": "smtp.example.com"},
        },
        "accounts[0].password_command",
        "command line",
    ),
    ("imap provider without imap", "accounts[0].imap", _DELETE, "accounts[0].imap", "required"),
    ("bad address", "accounts[0].address", "alex at example", "accounts[0].address", "email"),
    (
        "bad alias",
        "accounts[0].aliases",
        ["ok@example.com", "nope"],
        "accounts[0].aliases[1]",
        "email",
    ),
    ("bad account name", "accounts[0].name", "my account", "accounts[0].name", "letters"),
    ("unknown provider", "accounts[0].provider", "outlook", "accounts[0].provider", "imap, gmail"),
    ("no accounts", "accounts", [], "accounts", "must not be empty"),
    ("accounts not a list", "accounts", "main", "accounts", "must be a list"),
    ("unknown time zone", "timezone", "Europe/Berln", "timezone", "did you mean Europe/Berlin"),
    ("unknown holiday country", "policy.holidays", "XX", "policy.holidays", "country code"),
    ("unknown subdivision", "policy.holidays", "DE-XX", "policy.holidays", "subdivision"),
    (
        "window ends before it starts",
        "policy.send_window",
        {"start": "16:30", "end": "09:30"},
        "policy.send_window.end",
        "later than start (16:30)",
    ),
    (
        "backward day range",
        "policy.send_window.days",
        "fri-mon",
        "policy.send_window.days",
        "forward",
    ),
    (
        "unknown day",
        "policy.send_window.days",
        ["mon", "funday"],
        "policy.send_window.days",
        "days are mon",
    ),
    ("time as a number", "digest.at", 8, "digest.at", '"HH:MM"'),
    ("time out of range", "digest.at", "25:00", "digest.at", '"HH:MM"'),
    (
        "digest from an unknown account",
        "digest.account",
        "other",
        "digest.account",
        "no account named 'other'",
    ),
    ("digest to a non-address", "digest.to", "me", "digest.to", "email"),
    ("token days zero", "digest.token_days", 0, "digest.token_days", "at least 1"),
    ("database not a URL", "database", "not a url", "database", "SQLAlchemy URL"),
    (
        "missing template folder",
        "templates.directory",
        "no-such-templates",
        "templates.directory",
        "does not exist",
    ),
    ("dry run not a bool", "dry_run", "maybe", "dry_run", "true or false"),
    ("unknown log level", "log_level", "loud", "log_level", "DEBUG, INFO, WARNING, ERROR"),
    ("section not a mapping", "policy", [1, 2], "policy", "mapping"),
]


@pytest.mark.parametrize(
    ("key", "value", "reported", "words"),
    [case[1:] for case in RULES],
    ids=[case[0] for case in RULES],
)
def test_validation_rule(
    tmp_path: Path, key: str, value: object, reported: str, words: str
) -> None:
    problems = problems_of(tmp_path, setting(base_config(), key, value))
    assert [p.key for p in problems] == [reported], problems
    assert words in problems[0].message
    assert problems[0].file == str(tmp_path / "config.yaml")
    assert problems[0].line is not None


def test_duplicate_account_names_point_at_the_second(tmp_path: Path) -> None:
    document = base_config()
    document["accounts"].append({**document["accounts"][0], "address": "b@example.com"})
    (problem,) = problems_of(tmp_path, document)
    assert problem.key == "accounts[1].name"
    assert "already named 'main'" in problem.message


ACCEPTED: list[tuple[str, str, object, Callable[[Settings], object], object]] = [
    (
        "localhost in plain text",
        "accounts[0].imap",
        {"host": "localhost", "security": "none"},
        lambda s: s.accounts[0].imap.port,
        143,
    ),
    (
        "127.0.0.1 in plain text",
        "accounts[0].smtp",
        {"host": "127.0.0.1", "security": "none"},
        lambda s: s.accounts[0].smtp.port,
        587,
    ),
    (
        "::1 in plain text",
        "accounts[0].imap",
        {"host": "::1", "security": "none"},
        lambda s: s.accounts[0].imap.security,
        "none",
    ),
    (
        "imap starttls port",
        "accounts[0].imap",
        {"host": "mx.example", "security": "starttls"},
        lambda s: s.accounts[0].imap.port,
        143,
    ),
    (
        "smtp starttls port",
        "accounts[0].smtp",
        {"host": "mx.example", "security": "starttls"},
        lambda s: s.accounts[0].smtp.port,
        587,
    ),
    (
        "explicit port wins",
        "accounts[0].smtp",
        {"host": "mx.example", "port": 2525},
        lambda s: s.accounts[0].smtp.port,
        2525,
    ),
    ("two check-ins", "policy.max_checkins", 2, lambda s: s.policy.max_checkins, 2),
    ("no check-ins", "policy.max_checkins", 0, lambda s: s.policy.max_checkins, 0),
    (
        "days as text list",
        "policy.send_window.days",
        "mon,wed, fri",
        lambda s: s.policy.send_window.days,
        ("mon", "wed", "fri"),
    ),
    (
        "days mixing ranges",
        "policy.send_window.days",
        ["sat", "mon-wed"],
        lambda s: s.policy.send_window.weekdays,
        frozenset({0, 1, 2, 5}),
    ),
    (
        "full day names",
        "policy.send_window.days",
        "Monday-Friday",
        lambda s: s.policy.send_window.weekdays,
        frozenset(range(5)),
    ),
    (
        "holiday subdivision",
        "policy.holidays",
        "de-by",
        lambda s: (s.policy.holiday_country, s.policy.holiday_subdivision),
        ("DE", "BY"),
    ),
    ("no holidays", "policy.holidays", None, lambda s: s.policy.holidays, None),
    (
        "alias as one string",
        "accounts[0].aliases",
        "alex@alias.example",
        lambda s: s.accounts[0].owner_addresses,
        frozenset({"alex@example.com", "alex@alias.example"}),
    ),
    ("log level any case", "log_level", "debug", lambda s: s.log_level, "DEBUG"),
    (
        "postgres database",
        "database",
        "postgresql+psycopg://alex@db/followup",
        lambda s: s.database,
        "postgresql+psycopg://alex@db/followup",
    ),
]


@pytest.mark.parametrize(
    ("key", "value", "read", "expected"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_accepted_value(
    tmp_path: Path, key: str, value: object, read: Callable[[Settings], object], expected: object
) -> None:
    assert read(load(tmp_path, setting(base_config(), key, value))) == expected


def test_yaml_is_read_as_yaml_1_2(tmp_path: Path) -> None:
    # YAML 1.1 would read 16:30 as 990 and NO (Norway) as false.
    text = yaml.safe_dump(base_config(), sort_keys=False) + (
        "policy:\n  holidays: NO\n  send_window: {days: mon-fri, start: 9:30, end: 16:30}\n"
    )
    settings = load(tmp_path, text)
    assert settings.policy.holidays == "NO"
    assert (settings.policy.send_window.start, settings.policy.send_window.end) == (
        time(9, 30),
        time(16, 30),
    )


def test_all_problems_are_reported_at_once_in_line_order(tmp_path: Path) -> None:
    document = setting(base_config(), "accounts[0].imap.security", "none")
    document = setting(document, "policy.max_checkins", 5)
    document = setting(document, "timezone", "Mars/Olympus")
    document = setting(document, "sync.lookback_dayz", 30)
    problems = problems_of(tmp_path, document)
    assert {p.key for p in problems} == {
        "accounts[0].imap.security",
        "policy.max_checkins",
        "timezone",
        "sync.lookback_dayz",
    }
    lines = [p.line or 0 for p in problems]
    assert lines == sorted(lines)


def test_lines_point_at_the_key(tmp_path: Path) -> None:
    text = """\
accounts:
  - name: main
    address: alex@example.com
    password_env: FOLLOWUP_PASSWORD
    imap:
      host: imap.example.com

      port: many
    smtp: {host: smtp.example.com}
  - name: second
    address: b@example.com
    password_env: FOLLOWUP_PASSWORD
policy:
  send_window:
    start: "10:00"
    end: "09:00"
"""
    problems = {p.key: p.line for p in problems_of(tmp_path, text)}
    assert problems == {
        "accounts[0].imap.port": 8,
        "accounts[1].imap": 10,  # missing: the line of the account that lacks it
        "accounts[1].smtp": 10,
        "policy.send_window.end": 16,
    }


def test_a_key_given_twice_is_a_problem(tmp_path: Path) -> None:
    text = yaml.safe_dump(base_config(), sort_keys=False) + "dry_run: true\ndry_run: false\n"
    (problem,) = problems_of(tmp_path, text)
    assert problem.key == "dry_run"
    assert problem.line == len(text.splitlines())
    assert "twice" in problem.message


# --------------------------------------------------------------------------- the file itself


FILE_PROBLEMS: list[tuple[str, str | bytes | None, int | None, str]] = [
    ("missing file", None, None, "no such file"),
    ("empty file", "", None, "is empty"),
    ("comments only", "# nothing yet\n", None, "is empty"),
    ("a list at the top", "- name: main\n", 1, "top level must be a mapping"),
    ("a scalar at the top", "accounts\n", 1, "top level must be a mapping"),
    ("YAML syntax error", "accounts:\n  - name: main\n   address: [a\n", 3, "not valid YAML"),
    ("bad indentation", "timezone: UTC\n  dry_run: true\n", 2, "not valid YAML"),
    ("two documents", "dry_run: true\n---\ndry_run: false\n", 2, "not valid YAML"),
    ("not UTF-8", b"timezone: \xff\xfe\n", None, "UTF-8"),
]


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [case[1:] for case in FILE_PROBLEMS],
    ids=[case[0] for case in FILE_PROBLEMS],
)
def test_file_problem(
    tmp_path: Path, content: str | bytes | None, line: int | None, words: str
) -> None:
    path = tmp_path / "config.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, ENV)
    (problem,) = caught.value.problems
    assert (problem.file, problem.key, problem.line) == (str(path), "", line)
    assert words in problem.message


def test_a_folder_is_not_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_settings(tmp_path, ENV)


def test_an_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, base_config())
    path.chmod(0)
    command = [sys.executable, "-m", "tracker", "config", "check", str(path)]
    if os.geteuid() == 0:
        # Root reads any file; without its capabilities it meets the permissions like a user.
        setpriv = shutil.which("setpriv")
        assert setpriv is not None, "setpriv (util-linux) is needed to test as root"
        command = [setpriv, "--bounding-set=-all", "--inh-caps=-all", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, **ENV, "COLUMNS": "300"})  # fmt: skip
    assert done.returncode == 2
    assert "permission denied" in done.stderr
    assert str(path) in done.stderr


# --------------------------------------------------------------------------- defaults


def test_gmail_needs_no_servers() -> None:
    settings = load_settings(DATA / "minimal_gmail.yaml", ENV)
    (account,) = settings.accounts
    assert (account.imap.host, account.imap.port, account.imap.security) == (
        "imap.gmail.com",
        993,
        "tls",
    )
    assert (account.smtp.host, account.smtp.port, account.smtp.security) == (
        "smtp.gmail.com",
        465,
        "tls",
    )
    assert account.login == "alex@gmail.com"
    assert account.mute_keyword == "followup-mute"
    assert account.folders.inbox is None and account.folders.extra == ()


def test_other_defaults(tmp_path: Path) -> None:
    document = base_config()
    del document["timezone"]
    environ = {**ENV, "XDG_STATE_HOME": str(tmp_path / "state")}
    settings = load(tmp_path, document, environ)
    assert settings.timezone == "UTC"
    assert settings.database == f"sqlite:///{tmp_path}/state/followup/state.db"
    assert settings.digest.to == settings.digest_to == "alex@example.com"
    assert settings.digest_account.name == "main"
    assert (settings.digest.at, settings.digest.confirmations, settings.digest.token_days) == (
        time(8, 30),
        True,
        7,
    )
    policy = settings.policy
    assert (
        policy.max_checkins,
        policy.default_wait_days,
        policy.second_wait_days,
        policy.grace_business_days,
        policy.panel_extra_business_days,
        policy.thank_you_after_hours,
        policy.moved_on_after_days,
        policy.max_sends_per_day,
        policy.holidays,
    ) == (2, 7, 7, 1, 2, 24, 14, 5, None)
    assert policy.send_window.weekdays == frozenset(range(5))
    assert (policy.send_window.start, policy.send_window.end) == (time(9, 30), time(16, 30))
    assert (settings.sync.lookback_days, settings.sync.interval_minutes) == (180, 5)
    assert (settings.dry_run, settings.log_level) == (False, "INFO")
    assert settings.accounts[0].imap.port == 993 and settings.accounts[0].smtp.port == 465


def test_an_empty_section_means_its_defaults(tmp_path: Path) -> None:
    text = yaml.safe_dump(base_config(), sort_keys=False) + "policy:\n  # max_checkins: 1\n"
    assert load(tmp_path, text).policy.max_checkins == 2


def test_settings_are_immutable(tmp_path: Path) -> None:
    settings = load(tmp_path, base_config())
    with pytest.raises(ValueError, match="frozen"):
        settings.dry_run = True  # type: ignore[misc]


def test_model_works_without_a_file() -> None:
    # Other modules' tests build settings directly; no environment is checked then.
    settings = Settings.model_validate(
        {
            "accounts": [
                {
                    "name": "t",
                    "provider": "gmail",
                    "address": "t@example.com",
                    "password_env": "NOT_SET_ANYWHERE",
                }
            ]
        }
    )
    assert settings.account("t").imap.host == "imap.gmail.com"
    with pytest.raises(KeyError):
        settings.account("other")


DATABASE_URLS = [
    (
        "systemd",
        {"STATE_DIRECTORY": "/var/lib/followup", "XDG_STATE_HOME": "/x"},
        "sqlite:////var/lib/followup/state.db",
    ),
    (
        "systemd, several",
        {"STATE_DIRECTORY": "/var/lib/followup:/var/lib/other"},
        "sqlite:////var/lib/followup/state.db",
    ),
    (
        "xdg",
        {"XDG_STATE_HOME": "/home/alex/.state"},
        "sqlite:////home/alex/.state/followup/state.db",
    ),
    (
        "relative xdg is ignored",
        {"XDG_STATE_HOME": "state"},
        "sqlite:////home/alex/.local/state/followup/state.db",
    ),
    ("home", {}, "sqlite:////home/alex/.local/state/followup/state.db"),
]


@pytest.mark.parametrize(
    ("environ", "url"), [c[1:] for c in DATABASE_URLS], ids=[c[0] for c in DATABASE_URLS]
)
def test_default_database_url(environ: dict[str, str], url: str) -> None:
    assert default_database_url({"HOME": "/home/alex", **environ}) == url


def test_database_default_follows_the_environment_given(tmp_path: Path) -> None:
    settings = load(tmp_path, base_config(), {**ENV, "STATE_DIRECTORY": "/srv/state"})
    assert settings.database == "sqlite:////srv/state/state.db"


CONFIG_PATHS = [
    (
        "explicit",
        {"FOLLOWUP_CONFIG": "/etc/followup.yaml", "XDG_CONFIG_HOME": "/x"},
        "/etc/followup.yaml",
    ),
    ("xdg", {"XDG_CONFIG_HOME": "/home/alex/.cfg"}, "/home/alex/.cfg/followup/config.yaml"),
    ("home", {}, "/home/alex/.config/followup/config.yaml"),
]


@pytest.mark.parametrize(
    ("environ", "path"), [c[1:] for c in CONFIG_PATHS], ids=[c[0] for c in CONFIG_PATHS]
)
def test_default_config_path(environ: dict[str, str], path: str) -> None:
    assert default_config_path({"HOME": "/home/alex", **environ}) == Path(path)


def test_relative_paths_are_read_from_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (tmp_path / "templates").mkdir()
    document = setting(base_config(), "accounts[0].password_env", _DELETE)
    document = setting(document, "accounts[0].password_file", "secret.txt")
    document = setting(document, "templates.directory", "templates")
    settings = load(tmp_path, document)
    assert settings.accounts[0].password_file == tmp_path / "secret.txt"
    assert settings.templates.directory == tmp_path / "templates"


# --------------------------------------------------------------------------- secrets


def account_with(**source: object) -> AccountSettings:
    return AccountSettings.model_validate(
        {"name": "main", "provider": "gmail", "address": "alex@example.com", **source}
    )


def test_secret_from_env() -> None:
    assert resolve_password(account_with(password_env="FOLLOWUP_PASSWORD"), ENV).reveal() == SECRET


def test_secret_from_file(tmp_path: Path) -> None:
    path = tmp_path / "password"
    path.write_text(SECRET + " \n")  # a trailing space is part of a password; the newline isn't
    assert resolve_password(account_with(password_file=path), ENV).reveal() == SECRET + " "


def test_a_password_file_others_can_read_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "secret.txt").write_text(SECRET)
    (tmp_path / "secret.txt").chmod(0o644)
    document = setting(base_config(), "accounts[0].password_env", _DELETE)
    document = setting(document, "accounts[0].password_file", "secret.txt")
    with caplog.at_level("WARNING", logger="tracker.config"):
        load(tmp_path, document)
    assert "readable by others" in caplog.text
    assert SECRET not in caplog.text


def test_secret_from_command_list() -> None:
    command = [sys.executable, "-c", f"print({SECRET!r}); print('url: example')"]
    secret = resolve_password(account_with(password_command=command), ENV)
    assert secret.reveal() == SECRET


def test_secret_from_command_string_runs_a_shell() -> None:
    command = f"printf '%s\\n' {shlex.quote(SECRET)} | cat"  # a pipe needs the shell
    assert resolve_password(account_with(password_command=command), ENV).reveal() == SECRET


def test_oauth2_token_from_a_command() -> None:
    command = [sys.executable, "-c", "print('ya29.token-from-helper')"]
    account = account_with(oauth2_token_command=command)
    assert account.uses_oauth2
    assert resolve_password(account, ENV).reveal() == "ya29.token-from-helper"
    failing = account_with(oauth2_token_command=[sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(FollowupError, match="oauth2_token_command failed with exit status 3"):
        resolve_password(failing, ENV)


def test_command_sees_the_given_environment() -> None:
    command = [sys.executable, "-c", "import os; print(os.environ['FOLLOWUP_PASSWORD'])"]
    assert resolve_password(account_with(password_command=command), ENV).reveal() == SECRET


def test_secret_from_systemd_credential(tmp_path: Path) -> None:
    (tmp_path / "followup-password").write_text(SECRET)
    environ = {**ENV, "CREDENTIALS_DIRECTORY": str(tmp_path)}
    account = account_with(credential="followup-password")
    assert resolve_password(account, environ).reveal() == SECRET
    # and load_settings accepts it when the credential is there
    document = setting(base_config(), "accounts[0].password_env", _DELETE)
    document = setting(document, "accounts[0].credential", "followup-password")
    assert load(tmp_path, document, environ).accounts[0].credential == "followup-password"


@pytest.mark.parametrize("content", [SECRET, f'{{"access_token": "{SECRET}", "expires_in": 5}}'])
def test_oauth2_token_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "token"
    path.write_text(content + "\n")
    account = account_with(oauth2_token_file=path)
    assert account.uses_oauth2
    assert resolve_password(account, ENV).reveal() == SECRET


SECRET_FAILURES: list[tuple[str, dict[str, object], str]] = [
    ("unset variable", {"password_env": "FOLLOWUP_UNSET"}, "FOLLOWUP_UNSET is not set"),
    (
        "failing command that prints the secret",
        {
            "password_command": [
                sys.executable,
                "-c",
                f"import sys; print({SECRET!r}); print({SECRET!r}, file=sys.stderr); sys.exit(3)",
            ]
        },
        "exit status 3",
    ),
    ("shell command that fails", {"password_command": f"echo {SECRET}; exit 1"}, "exit status 1"),
    ("command printing nothing", {"password_command": [sys.executable, "-c", "pass"]}, "nothing"),
    (
        "program not found",
        {"password_command": ["/nonexistent/followup-pass", SECRET]},
        "could not be started",
    ),
    ("missing file", {"password_file": "/nonexistent/followup-password"}, "does not exist"),
    (
        "credential outside systemd",
        {"credential": "followup-password"},
        "CREDENTIALS_DIRECTORY is not set",
    ),
]


@pytest.mark.parametrize(
    ("source", "words"), [c[1:] for c in SECRET_FAILURES], ids=[c[0] for c in SECRET_FAILURES]
)
def test_secret_failures_are_clear_and_quiet(source: dict[str, object], words: str) -> None:
    with pytest.raises(SecretUnavailable) as caught:
        resolve_password(account_with(**source), ENV)
    message = str(caught.value)
    assert words in message
    assert "account 'main'" in message
    assert SECRET not in message
    assert SECRET not in repr(caught.value.args)
    assert caught.value.__cause__ is None


def test_slow_command_times_out() -> None:
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(SecretUnavailable, match=r"did not finish within 0\.5 seconds"):
        resolve_password(account_with(password_command=command), ENV, timeout=0.5)


def test_a_secret_never_shows_itself() -> None:
    secret = Secret(SECRET)
    assert SECRET not in repr(secret)
    assert SECRET not in str(secret)
    assert SECRET not in f"{secret} {secret!r} {[secret]} { ({'password': secret}) }"
    assert secret == Secret(SECRET) and secret != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(secret)


LEAKY_CONFIGS: list[tuple[str, str]] = [
    ("inline password", "accounts[0].password"),
    ("secret as the variable name", "accounts[0].password_env"),
    ("secret as a port", "accounts[0].imap.port"),
    ("secret as a security mode", "accounts[0].smtp.security"),
    ("secret as a time zone", "timezone"),
    ("secret as a holiday calendar", "policy.holidays"),
    ("secret in a list of addresses", "accounts[0].aliases"),
]


@pytest.mark.parametrize("key", [c[1] for c in LEAKY_CONFIGS], ids=[c[0] for c in LEAKY_CONFIGS])
def test_config_errors_never_quote_a_secret(tmp_path: Path, key: str) -> None:
    value: object = [SECRET] if key.endswith("aliases") else SECRET
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, setting(base_config(), key, value))
    assert caught.value.problems
    assert SECRET not in str(caught.value)
    assert all(SECRET not in str(problem) for problem in caught.value.problems)


def test_yaml_errors_never_quote_the_line(tmp_path: Path) -> None:
    text = f"accounts:\n  - name: main\n    password: {SECRET}: oops\n"
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert caught.value.problems[0].line == 3
    assert SECRET not in str(caught.value)


def test_a_failed_check_does_not_show_a_set_secret(tmp_path: Path) -> None:
    # The variable is set (its value is the secret) while other things are wrong.
    document = setting(base_config(), "policy.max_checkins", 9)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, document)
    assert SECRET not in str(caught.value)


def test_config_module_exports_what_the_cli_calls() -> None:
    for name in ("default_config_path", "load_settings", "settings_schema"):
        assert callable(getattr(config, name))
