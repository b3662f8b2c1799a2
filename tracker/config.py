"""The configuration: YAML file → validated, immutable `Settings`, and secrets resolved at run time.

The pydantic models below are the one description of the configuration (todoman's
`CONFIG_SPEC` idea): they validate the file, produce the JSON Schema printed by
`followup config schema`, and produce the reference table in the README
(`config_reference_markdown`). Every problem in a file is reported at once, each with
its dotted key path and line, in plain English.

Secrets are never written in the file. An account names where its secret lives
(`password_env`, `password_file`, `password_command`, `credential`, `oauth2_token_file`,
`oauth2_token_command`);
`load_settings` checks that the source is there without reading it, and
`resolve_password` reads it when a connection needs it, wrapped in a `Secret` whose
repr and str never show the value.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import types
import typing
import zoneinfo
from collections.abc import Iterator, Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, PydanticUndefined
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tracker.errors import ConfigError, ConfigProblem, FollowupError
from tracker.workdays import holiday_countries, holiday_subdivisions

logger = logging.getLogger(__name__)

SECRET_SOURCES = (
    "password_env",
    "password_file",
    "password_command",
    "credential",
    "oauth2_token_file",
    "oauth2_token_command",
)
# Keys people reach for when they mean to write a secret inline; refused with a pointer
# to the secret sources instead of a generic "unknown key".
INLINE_SECRET_KEYS = frozenset(
    {
        "password",
        "pass",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "access_token",
        "oauth2_token",
        "refresh_token",
        "app_password",
        "api_key",
    }
)
PASSWORD_COMMAND_TIMEOUT_SECONDS = 30.0

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Security = Literal["tls", "starttls", "none"]
Provider = Literal["imap", "gmail"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

_GMAIL_IMAP_HOST = "imap.gmail.com"
_GMAIL_SMTP_HOST = "smtp.gmail.com"
_ADDRESS = re.compile(r"^[^@\s<>\",;]+@[^@\s<>\",;]+$")
_ACCOUNT_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------- secrets


class Secret:
    """A secret value that never shows itself in a repr, str, log line or traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself: call this only where it is handed to a server."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        # Pickling would write the value to disk or a queue; nothing in followup needs it.
        raise TypeError("a Secret cannot be pickled")


class SecretUnavailable(FollowupError):
    """An account's password or token could not be obtained at run time (exit code 1)."""


# --------------------------------------------------------------------------- small parsers


def _check_address(value: str) -> str:
    value = value.strip()
    if not _ADDRESS.match(value):
        raise ValueError("must be a plain email address like alex@example.com")
    return value


def _parse_hhmm(value: object) -> object:
    """Accept "HH:MM" text; refuse numbers, which are never what the author meant."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = _HHMM.match(value.strip())
        if match:
            return time(int(match.group(1)), int(match.group(2)))
    raise PydanticCustomError("hhmm", 'must be a time of day written as "HH:MM", like "09:30"')


def _parse_weekdays(value: object) -> object:
    """`mon-fri`, `mon,wed,fri`, `[mon, tue]` or `[mon-wed, fri]` → ordered weekday names."""
    if isinstance(value, str):
        parts: list[object] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise PydanticCustomError("weekdays", 'must be days like "mon-fri" or a list of days')
    chosen: set[int] = set()
    for part in parts:
        if not isinstance(part, str):
            raise PydanticCustomError("weekdays", "each day must be a name like mon, tue or sun")
        bounds = [bound.strip().lower()[:3] for bound in part.split("-")]
        if len(bounds) > 2 or any(bound not in WEEKDAYS for bound in bounds):
            raise PydanticCustomError(
                "weekdays", "days are mon, tue, wed, thu, fri, sat, sun or ranges like mon-fri"
            )
        first, last = WEEKDAYS.index(bounds[0]), WEEKDAYS.index(bounds[-1])
        if last < first:
            raise PydanticCustomError("weekdays", "a day range runs forward, like mon-fri")
        chosen.update(range(first, last + 1))
    if not chosen:
        raise PydanticCustomError("weekdays", "needs at least one day")
    return tuple(WEEKDAYS[day] for day in sorted(chosen))


def _as_list(value: object) -> object:
    """Let a single item stand for a list of one (`aliases: a@b.example`)."""
    return [value] if isinstance(value, str) else value


EmailAddress = Annotated[
    str, AfterValidator(_check_address), WithJsonSchema({"type": "string", "format": "email"})
]
HHMM = Annotated[
    time,
    BeforeValidator(_parse_hhmm),
    PlainSerializer(lambda moment: moment.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": _HHMM.pattern, "examples": ["09:30"]}),
]
Weekdays = Annotated[
    tuple[Weekday, ...],
    BeforeValidator(_parse_weekdays),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "examples": ["mon-fri", "mon,wed,fri"]},
                {"type": "array", "items": {"type": "string"}},
            ]
        }
    ),
]


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _local_path(value: Path, info: ValidationInfo) -> Path:
    """Expand `~` and read a relative path from the configuration file's folder."""
    path = value.expanduser()
    base = (info.context or {}).get("base_dir")
    if not path.is_absolute() and isinstance(base, Path):
        path = base / path
    return path


def _checking(info: ValidationInfo) -> Mapping[str, str] | None:
    """The environment to check secret sources against, when `load_settings` asked for it."""
    environ = (info.context or {}).get("environ")
    return environ if isinstance(environ, Mapping) else None


def _readable_file_problem(path: Path) -> str | None:
    if not path.exists():
        return f"the file {path} does not exist"
    if not path.is_file():
        return f"{path} is not a regular file"
    if not os.access(path, os.R_OK):
        return f"the file {path} cannot be read by this user"
    return None


# --------------------------------------------------------------------------- the model


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImapEndpoint(_Model):
    """Where the account's IMAP server listens."""

    host: str = Field(min_length=1, description="The IMAP server's host name or address.")
    security: Security = Field(
        default="tls",
        description="`tls` (implicit TLS), `starttls`, or `none` (plain text; only for a "
        "server on this machine: `localhost` or a loopback address).",
    )
    port: int = Field(
        default=993,
        ge=1,
        le=65535,
        description="The IMAP port; default 993 with `tls`, 143 otherwise.",
    )

    _default_ports: ClassVar[dict[str, int]] = {"tls": 993, "starttls": 143, "none": 143}

    @model_validator(mode="before")
    @classmethod
    def _port_by_security(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("port") is None:
            security = data.get("security", "tls")
            data = {**data, "port": cls._default_ports.get(str(security), 993)}
        return data

    @field_validator("host")
    @classmethod
    def _plain_host(cls, host: str) -> str:
        host = host.strip()
        if "://" in host or "/" in host:
            raise ValueError("give only the host name, like imap.example.com (no scheme or path)")
        if host.count(":") == 1:
            raise ValueError("give the port in the separate `port` key, not after the host")
        return host

    @field_validator("security")
    @classmethod
    def _plain_text_stays_local(cls, security: str, info: ValidationInfo) -> str:
        host = info.data.get("host")
        if security == "none" and isinstance(host, str) and not _is_loopback(host):
            raise ValueError(
                "`none` sends the password in plain text, so it is allowed only for localhost "
                "or a loopback address; use tls or starttls"
            )
        return security


class SmtpEndpoint(ImapEndpoint):
    """Where the account's SMTP submission server listens."""

    host: str = Field(min_length=1, description="The SMTP server's host name or address.")
    port: int = Field(
        default=465,
        ge=1,
        le=65535,
        description="The SMTP port; default 465 with `tls`, 587 otherwise.",
    )

    _default_ports: ClassVar[dict[str, int]] = {"tls": 465, "starttls": 587, "none": 587}
    timeout_seconds: int = Field(
        default=60,
        ge=1,
        le=600,
        description="Seconds to wait for each answer of the SMTP server before giving up "
        "(a send whose final answer never came is reported as unknown, never repeated).",
    )


class FolderSettings(_Model):
    """Folder names, when the server's special-use flags do not find them."""

    inbox: str | None = Field(default=None, description="The inbox folder; default `INBOX`.")
    sent: str | None = Field(
        default=None,
        description="The folder of sent mail; default: the folder flagged `\\Sent` "
        "(Gmail: `[Gmail]/Sent Mail` in your language), then common names.",
    )
    extra: tuple[str, ...] = Field(
        default=(),
        description="More folders to read hiring mail from, e.g. a folder your filters "
        "file recruiter mail into.",
    )

    @field_validator("extra", mode="before")
    @classmethod
    def _extra_list(cls, value: object) -> object:
        return _as_list(value)


_SOURCE_KEYS_TEXT = ", ".join(SECRET_SOURCES[:-1]) + " or " + SECRET_SOURCES[-1]


def _imap_and_smtp_optional_for_gmail(schema: dict[str, Any]) -> None:
    required = schema.get("required", [])
    schema["required"] = [key for key in required if key not in ("imap", "smtp")]


class AccountSettings(_Model):
    """One mailbox followup reads and sends from."""

    model_config = ConfigDict(json_schema_extra=_imap_and_smtp_optional_for_gmail)

    name: str = Field(
        pattern=_ACCOUNT_NAME,
        description="A short name for the account, unique in the file (letters, digits, "
        "`.`, `_`, `-`); it appears in logs and the digest.",
    )
    provider: Provider = Field(
        default="imap",
        description="`imap` for any IMAP server, `gmail` to use Gmail's extensions and "
        "default servers (imap.gmail.com:993, smtp.gmail.com:465, TLS).",
    )
    address: EmailAddress = Field(
        description="Your email address: mail from it (or an alias) is yours, "
        "mail from anyone else is the other side."
    )
    aliases: tuple[EmailAddress, ...] = Field(
        default=(), description="Other addresses that are also you (mail from them is yours)."
    )
    username: str | None = Field(default=None, description="The login name; default: `address`.")
    password_env: str | None = Field(
        default=None,
        description="Secret source: the name of an environment variable holding the password.",
    )
    password_file: Path | None = Field(
        default=None,
        description="Secret source: a file holding the password (a trailing newline is "
        "ignored). Relative paths are read from the configuration file's folder; keep the "
        "file readable only by you.",
    )
    password_command: str | tuple[str, ...] | None = Field(
        default=None,
        description="Secret source: a command printing the password; the first line of its "
        "output is used. A list runs the program directly; a single string runs through "
        "`/bin/sh -c`. It must finish within 30 seconds.",
    )
    credential: str | None = Field(
        default=None,
        description="Secret source: the name of a systemd credential "
        "(`LoadCredential=`/`LoadCredentialEncrypted=`), read from "
        "`$CREDENTIALS_DIRECTORY/<name>`.",
    )
    oauth2_token_command: str | tuple[str, ...] | None = Field(
        default=None,
        description="Secret source: a command that prints a current OAuth2 access token on its "
        "first line (an OAuth2 helper that refreshes it, such as mutt_oauth2.py), run like "
        "`password_command`; the account then logs in with XOAUTH2.",
    )
    oauth2_token_file: Path | None = Field(
        default=None,
        description="Secret source: a file holding a current OAuth2 access token (plain, or "
        'JSON with an "access_token" field), kept fresh by an external tool; the account '
        "then logs in with XOAUTH2.",
    )
    imap: ImapEndpoint = Field(
        description="The IMAP server; required for `provider: imap`, defaults to Gmail's "
        "for `provider: gmail`."
    )
    smtp: SmtpEndpoint = Field(
        description="The SMTP server; required for `provider: imap`, defaults to Gmail's "
        "for `provider: gmail`."
    )
    folders: FolderSettings = Field(
        default_factory=FolderSettings,
        description="Folder names, if the automatic detection does not find them.",
    )
    mute_keyword: str = Field(
        default="followup-mute",
        pattern=r"^[^\s(){%*\"\\\]]+$",
        description="An IMAP keyword (label, tag) that, set on any message of a thread, "
        "stops followup from ever checking in on that thread.",
    )

    @model_validator(mode="before")
    @classmethod
    def _gmail_servers(cls, data: object) -> object:
        if not (isinstance(data, dict) and data.get("provider") == "gmail"):
            return data
        data = dict(data)
        for key, host in (("imap", _GMAIL_IMAP_HOST), ("smtp", _GMAIL_SMTP_HOST)):
            endpoint = data.get(key)
            if endpoint is None:
                data[key] = {"host": host, "security": "tls"}
            elif isinstance(endpoint, dict) and "host" not in endpoint:
                data[key] = {**endpoint, "host": host}
        return data

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases_list(cls, value: object) -> object:
        return _as_list(value)

    @field_validator("password_env")
    @classmethod
    def _env_is_set(cls, name: str | None, info: ValidationInfo) -> str | None:
        if name is None:
            return None
        if not _ENV_NAME.match(name):
            raise ValueError("must be the name of an environment variable, like FOLLOWUP_PASSWORD")
        environ = _checking(info)
        if environ is not None and not environ.get(name):
            raise ValueError(f"the environment variable {name} is not set (or is empty)")
        return name

    @field_validator("password_file", "oauth2_token_file")
    @classmethod
    def _file_is_readable(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        if path is None:
            return None
        path = _local_path(path, info)
        if _checking(info) is not None:
            problem = _readable_file_problem(path)
            if problem:
                raise ValueError(problem)
            if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                logger.warning(
                    "secret file readable by others: key=%s path=%s", info.field_name, path
                )
        return path

    @field_validator("password_command", "oauth2_token_command", mode="before")
    @classmethod
    def _command_shape(cls, value: object) -> object:
        # One clear message instead of pydantic's one-per-union-member.
        if value is None:
            return None
        if isinstance(value, str) and value.strip():
            return value
        if (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(arg, str) for arg in value)
            and value[0].strip()
        ):
            return tuple(value)
        raise PydanticCustomError(
            "command", "must be a command line (text) or a non-empty list of arguments"
        )

    @field_validator("password_command", "oauth2_token_command")
    @classmethod
    def _command_exists(
        cls, command: str | tuple[str, ...] | None, info: ValidationInfo
    ) -> str | tuple[str, ...] | None:
        environ = _checking(info)
        if isinstance(command, tuple) and environ is not None:
            program = command[0]
            if os.sep in program:
                found = os.path.isfile(program) and os.access(program, os.X_OK)
            else:
                found = shutil.which(program, path=environ.get("PATH", os.defpath)) is not None
            if not found:
                # The program name only: arguments may hold something private.
                raise ValueError(f"the program {program!r} is not found or not executable")
        return command

    @field_validator("credential")
    @classmethod
    def _credential_present(cls, name: str | None, info: ValidationInfo) -> str | None:
        if name is None:
            return None
        if not name or "/" in name or name in (".", ".."):
            raise ValueError("must be a credential name, like followup-password (no slashes)")
        environ = _checking(info)
        if environ is None:
            return name
        directory = environ.get("CREDENTIALS_DIRECTORY")
        if not directory:
            raise ValueError(
                "CREDENTIALS_DIRECTORY is not set: systemd credentials exist only when systemd "
                "runs followup with LoadCredential= (check under the service, or use another "
                "secret source)"
            )
        problem = _readable_file_problem(Path(directory) / name)
        if problem:
            raise ValueError(f"no usable credential {name!r}: {problem}")
        return name

    @model_validator(mode="after")
    def _one_secret_source(self) -> AccountSettings:
        given = [key for key in SECRET_SOURCES if getattr(self, key) is not None]
        if len(given) != 1:
            what = "no secret source" if not given else "more than one secret source"
            raise PydanticCustomError(
                "secret_source",
                "{what}: give exactly one of {sources}",
                {"what": what, "sources": _SOURCE_KEYS_TEXT},
            )
        return self

    @property
    def login(self) -> str:
        """The IMAP/SMTP login name."""
        return self.username or self.address

    @property
    def owner_addresses(self) -> frozenset[str]:
        """The owner's addresses, lower-cased: mail from these is outgoing."""
        return frozenset(address.lower() for address in (self.address, *self.aliases))

    @property
    def uses_oauth2(self) -> bool:
        """True when the account logs in with XOAUTH2 rather than a password."""
        return self.oauth2_token_file is not None or self.oauth2_token_command is not None


class SyncSettings(_Model):
    """How much of the mailbox is read, and how often."""

    lookback_days: int = Field(
        default=180,
        ge=1,
        le=3650,
        description="How far back the first sync reads mail, in days.",
    )
    interval_minutes: int = Field(
        default=5,
        ge=1,
        le=1440,
        description="Minutes between sync passes (the inbox is also watched with IDLE).",
    )


class SendWindow(_Model):
    """When approved check-ins may go out, in `timezone`."""

    days: Weekdays = Field(
        default=("mon", "tue", "wed", "thu", "fri"),
        description='Weekdays: a range like "mon-fri", a list like [mon, wed, fri], or both.',
    )
    # The schema's default is written as the file writes it (pydantic would say "09:30:00").
    start: HHMM = Field(
        default=time(9, 30),
        json_schema_extra={"default": "09:30"},
        description='Earliest send time, "HH:MM".',
    )
    end: HHMM = Field(
        default=time(16, 30),
        json_schema_extra={"default": "16:30"},
        description='Latest send time, "HH:MM".',
    )

    @model_validator(mode="after")
    def _start_before_end(self) -> SendWindow:
        if self.start >= self.end:
            raise PydanticCustomError(
                "window",
                "must be later than start ({start})",
                {"start": self.start.strftime("%H:%M"), "subpath": ("end",)},
            )
        return self

    @property
    def weekdays(self) -> frozenset[int]:
        """The allowed days as `datetime.weekday()` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(day) for day in self.days)


class PolicySettings(_Model):
    """When followup proposes a thank-you or a check-in, and how often it may send."""

    max_checkins: int = Field(
        default=2,
        ge=0,
        json_schema_extra={"maximum": 2},
        description="Check-ins in a row without an answer before the thread is closed as "
        "moved on: 0, 1 or 2 (it cannot be raised above 2).",
    )
    default_wait_days: int = Field(
        default=7,
        ge=5,
        le=14,
        description="Days to wait before the first check-in when the other side stated no "
        "timeline (5 to 14).",
    )
    second_wait_days: int = Field(
        default=7,
        ge=3,
        le=21,
        description="Days between the first and the second check-in.",
    )
    grace_business_days: int = Field(
        default=1,
        ge=0,
        le=10,
        description="Business days added after a stated timeline has passed before checking in.",
    )
    panel_extra_business_days: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Extra business days of patience after a panel or multi-interviewer round.",
    )
    thank_you_after_hours: int = Field(
        default=24,
        ge=1,
        le=168,
        description="Hours after an interview without a thank-you note before one is proposed.",
    )
    moved_on_after_days: int = Field(
        default=14,
        ge=1,
        le=90,
        description="Days after the last unanswered check-in before the thread is closed as "
        "moved on.",
    )
    send_window: SendWindow = Field(
        default_factory=SendWindow, description="When approved mail may be sent."
    )
    holidays: str | None = Field(
        default=None,
        description="Public holidays to skip when counting business days and sending: a "
        "country code like US or DE, optionally with a subdivision like DE-BY or US-CA; "
        "null for none.",
    )
    max_sends_per_day: int = Field(
        default=5,
        ge=1,
        le=100,
        description="At most this many check-ins and thank-you notes are sent per day.",
    )

    @field_validator("max_checkins")
    @classmethod
    def _never_a_pest(cls, value: int) -> int:
        if value > 2:
            raise ValueError("never a pest: at most 2 check-ins")
        return value

    @field_validator("holidays")
    @classmethod
    def _known_calendar(cls, value: str | None) -> str | None:
        if value is None:
            return None
        country, _, subdivision = value.strip().partition("-")
        supported = holiday_countries()
        if country.upper() not in supported:
            close = difflib.get_close_matches(country.upper(), supported, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ValueError(f"not a country code the holidays package knows{hint}")
        known = {sub.upper(): sub for sub in holiday_subdivisions(country.upper())}
        if subdivision and subdivision.upper() not in known:
            raise ValueError(
                f"not a subdivision of {country.upper()}; known: "
                + ", ".join(sorted(known.values()))
            )
        if subdivision:
            return f"{country.upper()}-{known[subdivision.upper()]}"
        return country.upper()

    @property
    def holiday_country(self) -> str | None:
        """The country code of the holiday calendar, or None."""
        return self.holidays.partition("-")[0] if self.holidays else None

    @property
    def holiday_subdivision(self) -> str | None:
        """The subdivision of the holiday calendar (e.g. BY), or None."""
        return (self.holidays.partition("-")[2] or None) if self.holidays else None


class DigestSettings(_Model):
    """The daily digest of drafts waiting for approval."""

    to: EmailAddress | None = Field(
        default=None, description="Where the digest goes; default: the first account's address."
    )
    at: HHMM = Field(
        default=time(8, 30),
        json_schema_extra={"default": "08:30"},
        description='When it is sent each day, "HH:MM".',
    )
    account: str | None = Field(
        default=None,
        description="The account that sends the digest and in whose Sent folder your "
        "approving replies are looked for; default: the first account.",
    )
    confirmations: bool = Field(
        default=True,
        description="Send a short confirmation after acting on your approving reply.",
    )
    token_days: int = Field(
        default=7,
        ge=1,
        le=30,
        description="Days an approval token in a digest stays valid.",
    )


class TemplateSettings(_Model):
    """The words of the drafts."""

    signature: str | None = Field(
        default=None, description="Text placed under every draft (your name, your phone)."
    )
    directory: Path | None = Field(
        default=None,
        description="A folder of Jinja2 templates overriding the bundled ones, file by file "
        "(same names). Relative paths are read from the configuration file's folder.",
    )

    @field_validator("directory")
    @classmethod
    def _folder_exists(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        if path is None:
            return None
        path = _local_path(path, info)
        if _checking(info) is not None and not path.is_dir():
            raise ValueError(f"the folder {path} does not exist")
        return path


_SECTIONS = frozenset({"sync", "policy", "digest", "templates"})


def _database_default() -> str:
    return default_database_url(os.environ)


class Settings(_Model):
    """The whole configuration file."""

    accounts: tuple[AccountSettings, ...] = Field(
        min_length=1, description="The mailboxes to watch; at least one."
    )
    timezone: str = Field(
        default="UTC",
        description="Your IANA time zone, like Europe/Berlin: send windows, digest time and "
        "business days are counted in it. Default UTC; set it.",
    )
    database: str = Field(
        default_factory=_database_default,
        description="SQLAlchemy URL of followup's state (any SQLAlchemy URL, PostgreSQL "
        "included); default: sqlite:/// with $STATE_DIRECTORY/state.db under systemd, "
        "else $XDG_STATE_HOME/followup/state.db, else ~/.local/state/followup/state.db.",
    )
    sync: SyncSettings = Field(default_factory=SyncSettings, description="Mailbox reading.")
    policy: PolicySettings = Field(
        default_factory=PolicySettings, description="Waits, caps and the send window."
    )
    digest: DigestSettings = Field(
        default_factory=DigestSettings, description="The daily approval digest."
    )
    templates: TemplateSettings = Field(
        default_factory=TemplateSettings, description="Signature and custom templates."
    )
    dry_run: bool = Field(
        default=False,
        description="Do everything except sending mail: approved drafts are logged, not sent.",
    )
    log_level: LogLevel = Field(
        default="INFO", description="How much the daemon logs: DEBUG, INFO, WARNING or ERROR."
    )

    @model_validator(mode="before")
    @classmethod
    def _digest_to_first_account(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        # `policy:` with every line under it commented out means the defaults, not an error.
        data = {
            key: value for key, value in data.items() if not (value is None and key in _SECTIONS)
        }
        accounts, digest = data.get("accounts"), data.get("digest", {})
        if (
            isinstance(accounts, list)
            and accounts
            and isinstance(accounts[0], dict)
            and _ADDRESS.match(str(accounts[0].get("address", "")).strip())
            and isinstance(digest, dict)
            and digest.get("to") is None
        ):
            data = {**data, "digest": {**digest, "to": accounts[0]["address"]}}
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, zoneinfo.available_timezones(), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ValueError(f"not a known IANA time zone, like Europe/Berlin{hint}") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError(
                "must be an SQLAlchemy URL, like sqlite:////var/lib/followup/state.db or "
                "postgresql+psycopg://user@host/followup"
            ) from None
        return value

    @field_validator("accounts")
    @classmethod
    def _unique_names(cls, accounts: tuple[AccountSettings, ...]) -> tuple[AccountSettings, ...]:
        seen: set[str] = set()
        for index, account in enumerate(accounts):
            if account.name in seen:
                raise PydanticCustomError(
                    "unique",
                    "another account is already named '{name}'; names must be unique",
                    {"name": account.name, "subpath": (index, "name")},
                )
            seen.add(account.name)
        return accounts

    @model_validator(mode="after")
    def _digest_account_exists(self) -> Settings:
        names = [account.name for account in self.accounts]
        if self.digest.account is not None and self.digest.account not in names:
            raise PydanticCustomError(
                "digest_account",
                "there is no account named '{name}'; accounts: {names}",
                {
                    "name": self.digest.account,
                    "names": ", ".join(names),
                    "subpath": ("digest", "account"),
                },
            )
        return self

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """`timezone` as a tzinfo."""
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def digest_account(self) -> AccountSettings:
        """The account that sends the digest and receives approvals."""
        wanted = self.digest.account or self.accounts[0].name
        return next(account for account in self.accounts if account.name == wanted)

    @property
    def digest_to(self) -> str:
        """Where the digest goes."""
        return self.digest.to or self.accounts[0].address

    def account(self, name: str) -> AccountSettings:
        """The account called `name` (KeyError if there is none)."""
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(name)


# --------------------------------------------------------------------------- default paths


def _absolute_env_dir(environ: Mapping[str, str], name: str) -> Path | None:
    # The XDG spec says relative values are invalid and must be ignored.
    value = environ.get(name, "")
    return Path(value) if value and os.path.isabs(value) else None


def _home(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME")
    return Path(home) if home else Path.home()


def default_config_path(environ: Mapping[str, str]) -> Path:
    """`$FOLLOWUP_CONFIG`, else `$XDG_CONFIG_HOME/followup/config.yaml`, else ~/.config/…."""
    explicit = environ.get("FOLLOWUP_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = _absolute_env_dir(environ, "XDG_CONFIG_HOME") or _home(environ) / ".config"
    return base / "followup" / "config.yaml"


def default_database_path(environ: Mapping[str, str]) -> Path:
    """The SQLite file used when `database` is not set."""
    # systemd's StateDirectory= may list several directories, colon-separated: use the first.
    state_directory = environ.get("STATE_DIRECTORY", "").split(":")[0]
    if state_directory and os.path.isabs(state_directory):
        return Path(state_directory) / "state.db"
    base = _absolute_env_dir(environ, "XDG_STATE_HOME") or _home(environ) / ".local" / "state"
    return base / "followup" / "state.db"


def default_database_url(environ: Mapping[str, str]) -> str:
    """`sqlite:///` + the default state file (an absolute path, hence four slashes)."""
    return f"sqlite:///{default_database_path(environ)}"


# --------------------------------------------------------------------------- YAML reading


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 scalars, as editors and yaml-language-server read them.

    YAML 1.1 turns `16:30` into the number 990 (base 60), `NO` (Norway's holidays) into
    false, and `0755` into an octal number; none of that is what a person writing this
    file means.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)

KeyPath = tuple[str | int, ...]


def _node_lines(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    problems: list[tuple[KeyPath, int, str]],
) -> None:
    """Map every key path of the document to its 1-based line; note keys given twice."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key, line = key_node.value, key_node.start_mark.line + 1
            if key in first_seen:
                problems.append(
                    (
                        (*path, key),
                        line,
                        f"this key is given twice (first on line {first_seen[key]}); "
                        "only the last one would count",
                    )
                )
            first_seen.setdefault(key, line)
            lines[(*path, key)] = line
            _node_lines(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, (*path, index), lines, problems)


def _format_key(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# --------------------------------------------------------------------------- error wording

_TYPE_WORDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "path_type": "must be a file path",
    "missing": "is required but missing",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}


def _field_names_at(path: KeyPath) -> list[str]:
    """The keys allowed in the mapping at `path`, from the model (for "did you mean")."""
    model: type[BaseModel] | None = Settings
    for part in path:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return sorted(model.model_fields) if model else []


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def _message(error: Mapping[str, Any], key: str | int | None) -> str:
    """Plain English for one pydantic error; never quotes the input (it may be a secret)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_key_message(error["loc"])
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of: {expected.replace(' or ', ', ')}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind == "string_pattern_mismatch":
        if key == "name":
            return "must be letters, digits, '.', '_' or '-', starting with a letter or digit"
        return "contains characters that are not allowed here"
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    # Our own PydanticCustomError messages are written for people already; pydantic's
    # messages describe the expected shape and never include the input.
    return str(error["msg"])


def _unknown_key_message(loc: KeyPath) -> str:
    key = str(loc[-1])
    if key.lower() in INLINE_SECRET_KEYS:
        return (
            "secrets are never written in the configuration file; say where the secret is "
            f"with one of {_SOURCE_KEYS_TEXT}"
        )
    allowed = _field_names_at(loc[:-1])
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return "unknown key; allowed here: " + ", ".join(allowed) if allowed else "unknown key"


_TYPE_TAGS = frozenset({"str", "int", "bool", "float", "list", "tuple", "dict", "none"})


def _document_path(loc: KeyPath, lines: Mapping[KeyPath, int]) -> tuple[KeyPath, int | None]:
    """Drop pydantic's union/validator tags from `loc`; find the nearest line in the file."""
    path: KeyPath = ()
    for position, part in enumerate(loc):
        candidate = (*path, part)
        is_last = position == len(loc) - 1
        # Keys of the document and model field names stay; pydantic's tags such as
        # "str" or "function-after[...]" (which name union members) go.
        is_field = isinstance(part, int) or (
            re.fullmatch(r"[a-z0-9_]+", part) is not None and part not in _TYPE_TAGS
        )
        if candidate in lines or is_last or is_field:
            path = candidate
    for length in range(len(path), -1, -1):
        if path[:length] in lines:
            return path, lines[path[:length]]
    return path, None


def _problems_from(
    exc: ValidationError, file: str, lines: Mapping[KeyPath, int]
) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    seen: set[tuple[str, str]] = set()
    errors = exc.errors(include_url=False, include_input=False)
    failed_locs = {tuple(error["loc"]) for error in errors}
    for error in errors:
        loc: KeyPath = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            inner[: len(loc)] == loc and len(inner) > len(loc) for inner in failed_locs
        ):
            # pydantic counts only the items that validated; the items' own errors say it.
            continue
        subpath = (error.get("ctx") or {}).get("subpath")
        if isinstance(subpath, tuple):
            loc = (*loc, *subpath)
        path, line = _document_path(loc, lines)
        message = _message(error, path[-1] if path else None)
        key = _format_key(path)
        if (key, message) not in seen:
            seen.add((key, message))
            problems.append(ConfigProblem(file=file, key=key, line=line, message=message))
    return problems


# --------------------------------------------------------------------------- loading


def _read_document(
    path: Path,
) -> tuple[dict[str, Any], dict[KeyPath, int], list[ConfigProblem]]:
    """The file's data, its key lines, and the problems found before validation."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            [
                ConfigProblem(
                    file,
                    "",
                    None,
                    "no such file; copy config.example.yaml there, or pass --config PATH",
                )
            ]
        ) from None
    except IsADirectoryError:
        raise ConfigError([ConfigProblem(file, "", None, "is a folder, not a file")]) from None
    except PermissionError:
        raise ConfigError(
            [ConfigProblem(file, "", None, "cannot be read: permission denied for this user")]
        ) from None
    except UnicodeDecodeError:
        raise ConfigError([ConfigProblem(file, "", None, "is not UTF-8 text")]) from None
    except OSError as exc:
        raise ConfigError(
            [ConfigProblem(file, "", None, f"cannot be read: {exc.strerror or exc}")]
        ) from None

    loader = _Yaml12Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        # Only the problem and its position: PyYAML's snippet would quote the line,
        # which might hold a secret someone pasted by mistake.
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigError(
            [ConfigProblem(file, "", mark.line + 1 if mark else None, f"is not valid YAML: {what}")]
        ) from None
    except yaml.YAMLError:
        raise ConfigError([ConfigProblem(file, "", None, "is not valid YAML")]) from None
    finally:
        loader.dispose()

    if node is None:
        raise ConfigError(
            [ConfigProblem(file, "", None, "is empty; it needs at least an `accounts:` list")]
        )
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise ConfigError(
            [
                ConfigProblem(
                    file,
                    "",
                    node.start_mark.line + 1,
                    "the top level must be a mapping of keys (accounts:, timezone:, …), "
                    "not a list or a single value",
                )
            ]
        )
    lines: dict[KeyPath, int] = {}
    duplicates: list[tuple[KeyPath, int, str]] = []
    _node_lines(node, (), lines, duplicates)
    early = [
        ConfigProblem(file, _format_key(key), line, message) for key, line, message in duplicates
    ]
    return data, lines, early


def load_settings(path: Path, environ: Mapping[str, str]) -> Settings:
    """Read, validate and check the configuration; raise ConfigError listing every problem.

    Every account's secret source is checked to be there (variable set, file readable,
    credential present, command found), but no secret is read.
    """
    data, lines, problems = _read_document(path)
    if "database" not in data:
        data = {**data, "database": default_database_url(environ)}
    context = {"environ": environ, "base_dir": path.parent.absolute()}
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(data, context=context)
    except ValidationError as exc:
        problems += _problems_from(exc, str(path), lines)
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p.line or 0, p.key)))
    assert settings is not None
    logger.debug("configuration loaded: file=%s accounts=%d", path, len(settings.accounts))
    return settings


# --------------------------------------------------------------------------- secrets at run time


def resolve_password(
    account: AccountSettings,
    environ: Mapping[str, str],
    *,
    timeout: float = PASSWORD_COMMAND_TIMEOUT_SECONDS,
) -> Secret:
    """The account's password, or its OAuth2 access token when `account.uses_oauth2`.

    Raises SecretUnavailable with a message that names the source but never the value,
    the command line, or the command's output.
    """
    where = f"account {account.name!r}"
    if account.password_env is not None:
        value = environ.get(account.password_env, "")
        if not value:
            raise SecretUnavailable(
                f"{where}: the environment variable {account.password_env} is not set or empty"
            )
        return Secret(value)
    if account.password_file is not None:
        return Secret(_read_secret_file(account.password_file, f"{where}: password_file"))
    if account.credential is not None:
        directory = environ.get("CREDENTIALS_DIRECTORY")
        if not directory:
            raise SecretUnavailable(
                f"{where}: CREDENTIALS_DIRECTORY is not set; systemd credentials exist only "
                "when systemd runs followup with LoadCredential="
            )
        return Secret(
            _read_secret_file(
                Path(directory) / account.credential, f"{where}: credential {account.credential!r}"
            )
        )
    if account.oauth2_token_file is not None:
        text = _read_secret_file(account.oauth2_token_file, f"{where}: oauth2_token_file")
        return Secret(_access_token(text, f"{where}: oauth2_token_file"))
    if account.oauth2_token_command is not None:
        command = account.oauth2_token_command
        return Secret(_run_password_command(command, environ, timeout, where,
                                            key="oauth2_token_command"))  # fmt: skip
    if account.password_command is not None:
        return Secret(_run_password_command(account.password_command, environ, timeout, where))
    raise SecretUnavailable(f"{where}: no secret source is configured")


def _read_secret_file(path: Path, what: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretUnavailable(f"{what}: the file {path} does not exist") from None
    except PermissionError:
        raise SecretUnavailable(f"{what}: the file {path} cannot be read by this user") from None
    except UnicodeDecodeError:
        raise SecretUnavailable(f"{what}: the file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise SecretUnavailable(
            f"{what}: the file {path} cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    value = text.rstrip("\r\n")
    if not value:
        raise SecretUnavailable(f"{what}: the file {path} is empty")
    return value


def _access_token(text: str, what: str) -> str:
    """A token file holds the bare token, or JSON as written by common OAuth2 helpers."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return stripped
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError:
        raise SecretUnavailable(f"{what}: the file looks like JSON but is not valid") from None
    token = document.get("access_token") if isinstance(document, dict) else None
    if not isinstance(token, str) or not token:
        raise SecretUnavailable(f'{what}: the JSON has no "access_token" text field')
    return token


def _run_password_command(
    command: str | tuple[str, ...],
    environ: Mapping[str, str],
    timeout: float,
    where: str,
    *,
    key: str = "password_command",
) -> str:
    # A list runs the program directly (no shell, no quoting surprises); a string is a
    # shell command line, as users of mbsync's PassCmd or msmtp's passwordeval expect.
    use_shell = isinstance(command, str)
    try:
        result = subprocess.run(  # noqa: S603 - the command is the owner's own configuration
            command if use_shell else list(command),
            shell=use_shell,
            env=dict(environ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SecretUnavailable(
            f"{where}: {key} did not finish within {timeout:g} seconds"
        ) from None
    except OSError as exc:
        raise SecretUnavailable(
            f"{where}: {key} could not be started ({exc.strerror or type(exc).__name__})"
        ) from None
    if result.returncode != 0:
        # Its output is not shown: a failing password tool may still print the secret.
        raise SecretUnavailable(
            f"{where}: {key} failed with exit status {result.returncode}; "
            "run it yourself to see why"
        )
    try:
        first_line = result.stdout.decode("utf-8").splitlines()[0] if result.stdout else ""
    except UnicodeDecodeError:
        raise SecretUnavailable(f"{where}: {key} printed something not UTF-8") from None
    if not first_line:
        raise SecretUnavailable(f"{where}: {key} printed nothing on its first line")
    return first_line


# --------------------------------------------------------------------------- schema and docs


def settings_schema() -> dict[str, Any]:
    """The JSON Schema of the configuration file (for yaml-language-server and editors)."""
    schema = Settings.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "followup configuration",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def _type_words(annotation: object) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _type_words(args[0])
    if origin is Literal:
        return " \\| ".join(f"`{arg}`" for arg in args)
    if origin in (typing.Union, types.UnionType):
        words = [_type_words(arg) for arg in args if arg is not type(None)]
        nullable = " or null" if type(None) in args else ""
        return " or ".join(words) + nullable
    if origin in (tuple, list):
        return f"list of {_type_words(args[0])}"
    if annotation is time:
        return '"HH:MM"'
    if annotation is Path:
        return "path"
    if annotation is bool:
        return "true/false"
    if annotation is int:
        return "integer"
    if annotation is str:
        return "text"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    return str(annotation)


def _default_words(value: object) -> str:
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, time):
        return f'`"{value.strftime("%H:%M")}"`'
    if isinstance(value, tuple):
        return "`[]`" if not value else "`[" + ", ".join(map(str, value)) + "]`"
    if isinstance(value, BaseModel):
        return ""
    return f"`{value}`"


# Defaults that depend on other keys, in words (the model fills them in a validator).
_DEFAULT_WORDS = {
    (AccountSettings, "imap"): "Gmail's for gmail",
    (AccountSettings, "smtp"): "Gmail's for gmail",
    (AccountSettings, "username"): "`address`",
    (DigestSettings, "to"): "first account's address",
    (DigestSettings, "account"): "first account",
    (Settings, "database"): "see description",
}


def _range_words(field: FieldInfo) -> str:
    low: object = next((bound.ge for bound in field.metadata if isinstance(bound, Ge)), None)
    high: object = next((bound.le for bound in field.metadata if isinstance(bound, Le)), None)
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    high = extra.get("maximum", high)
    if low is None and high is None:
        return ""
    return f" {low if low is not None else ''}..{high if high is not None else ''}"


def _reference_rows(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        nested = _model_in(field.annotation)
        is_list = typing.get_origin(field.annotation) is tuple
        if (model, name) in _DEFAULT_WORDS:
            default = _DEFAULT_WORDS[(model, name)]
        elif nested is not None and field.default_factory is not None:
            default = ""
        else:
            default = _default_words(field.default)
        description = (field.description or "").replace("|", "\\|").replace("\n", " ")
        if nested is not None:
            type_text = "list of mappings" if is_list else "mapping"
        else:
            type_text = _type_words(field.annotation) + _range_words(field)
        yield f"| `{key}` | {type_text} | {default} | {description} |"
        if nested is not None:
            yield from _reference_rows(nested, f"{key}[]." if is_list else f"{key}.")


def config_reference_markdown() -> str:
    """A Markdown table of every setting, generated from the model (for the README)."""
    header = ["| Key | Type | Default | Description |", "|---|---|---|---|"]
    return "\n".join([*header, *_reference_rows(Settings, "")]) + "\n"
