"""The one exception tree of followup, mapped from the libraries below at their boundary.

    FollowupError            anything followup reports to the user; exit code 1
    ├── UsageError           bad command-line usage; exit code 2
    ├── ConfigError          the configuration file is wrong; exit code 2
    ├── SourceError          a mail file, folder, mbox or Maildir cannot be read
    ├── StoreError           the database cannot be opened, migrated or written
    └── MailServerError      an IMAP or SMTP server could not be used
        ├── ServerUnreachable    DNS, refused connection, timeout, TLS: worth retrying later
        ├── ConnectionLost       the server dropped an established connection: retry later
        ├── LoginRefused         the server refused the credentials: the user must act
        ├── SendRefused          the SMTP server refused a message: nothing was delivered
        └── SendUncertain        the connection died after the message was handed over:
                                 it may or may not have been delivered (RFC 1047)

Every message is one or two plain sentences saying what went wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class FollowupError(Exception):
    """An error the user can act on; the CLI prints it without a traceback."""

    exit_code = 1


class UsageError(FollowupError):
    exit_code = 2


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a configuration file, located as precisely as YAML allows."""

    file: str
    key: str  # dotted key path, e.g. "accounts[0].imap.security"; "" for the whole file
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class ConfigError(FollowupError):
    """The configuration is refused; `problems` lists every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        lines = [f"{len(self.problems)} problem(s) in the configuration:"]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


class SourceError(FollowupError):
    pass


class StoreError(FollowupError):
    pass


class MailServerError(FollowupError):
    pass


class ServerUnreachable(MailServerError):
    pass


class ConnectionLost(MailServerError):
    pass


class LoginRefused(MailServerError):
    pass


class SendRefused(MailServerError):
    """The SMTP server answered with a refusal (or the session failed before the message was
    handed over): nothing was delivered. `permanent` for a 5xx answer."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class SendUncertain(MailServerError):
    """The message was handed over but no final answer came: delivered or not, nobody knows."""
