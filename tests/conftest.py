"""Shared fixtures: one private Dovecot and one SMTP sink per session, a fresh account per test."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator

import pytest

from tests.servers import (
    DovecotMissingError,
    ImapAccount,
    PrivateDovecot,
    SmtpSink,
    reap_abandoned_dovecots,
)

pytest_plugins = ["tests.mailflow"]  # the `setup` fixture of the end-to-end mail tests

_account_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[PrivateDovecot]:
    """The session's Dovecot on 127.0.0.1; stopped and deleted at the end, pass or fail."""
    reap_abandoned_dovecots()
    try:
        server = PrivateDovecot()
    except DovecotMissingError:
        # A missing server is a broken test setup, not a reason to skip the IMAP tests.
        pytest.fail(
            "Dovecot is missing: run scripts/test, it installs dovecot-imapd", pytrace=False
        )
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def imap_account(dovecot: PrivateDovecot) -> ImapAccount:
    """A new user with an empty mailbox (INBOX, Sent, Drafts, Trash), unique to this test."""
    name = f"owner{next(_account_numbers)}@followup.test"
    return dovecot.add_user(name, secrets.token_urlsafe(12))


@pytest.fixture(scope="session")
def _smtp_sink_session() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink(_smtp_sink_session: SmtpSink) -> Iterator[SmtpSink]:
    """The session's SMTP sink, emptied (messages and pending faults) before and after the test."""
    _smtp_sink_session.clear()
    yield _smtp_sink_session
    _smtp_sink_session.clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Lets `pytest -m "not dovecot"` run everything that needs no server.
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"dovecot", "imap_account"}:
            item.add_marker(pytest.mark.dovecot)
        if "smtp_sink" in names:
            item.add_marker(pytest.mark.smtp)
