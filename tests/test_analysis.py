"""The analysis pass over a whole mailbox: read in one process or in two, the same findings."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import tracker.analysis
from tracker.analysis import analyse_account
from tracker.config import Settings
from tracker.ingest import parse_batch
from tracker.mail.partial import FetchedMessage
from tracker.store import FolderState, open_store, reopen_store
from tracker.sync import thread_pass

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _settings(url: str, owners: list[str]) -> Settings:
    return Settings.model_validate({
        "accounts": [{
            "name": "main", "address": owners[0], "aliases": owners[1:],
            "password_env": "UNUSED",
            "imap": {"host": "127.0.0.1", "security": "none"},
            "smtp": {"host": "127.0.0.1", "security": "none"},
        }],
        "database": url,
    })  # fmt: skip


@pytest.fixture(scope="module")
def corpus_mailbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A threaded, not yet analysed store of every labelled corpus thread of one owner."""
    owners = ["alex.morgan@example.com", "alex@example.com"]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        accuracy: Any = importlib.import_module("accuracy")  # loads the labelled corpus
    finally:
        sys.path.pop(0)
    raws = [
        raw
        for case in accuracy.load_cases()
        if set(case.label["owner"]) <= set(owners)
        for raw in case.raws
    ]
    path = tmp_path_factory.mktemp("corpus") / "state.db"
    settings = _settings(f"sqlite:///{path}", owners)
    with open_store(settings.database) as store:
        store.upsert_account("main", "imap", owners[0])
        fetched = [
            FetchedMessage(uid=i + 1, raw=raw, size=len(raw), flags=("\\Seen",), internaldate=None)
            for i, raw in enumerate(raws)
        ]
        state = FolderState(name="INBOX", role="inbox", uidvalidity=1, uidnext=len(raws) + 1)
        store.save_folder_batch("main", state, parse_batch(owners, fetched))
        thread_pass(store, settings.accounts[0])
    return path, owners


def _analysed(source: Path, target: Path, owners: list[str]) -> dict[str, list[Any]]:
    """The store's findings after one analysis pass over a copy of `source`."""
    shutil.copy(source, target)
    settings = _settings(f"sqlite:///{target}", owners)
    with open_store(settings.database) as store:
        report = analyse_account(settings, store, settings.accounts[0], now=NOW)
    db = sqlite3.connect(target)
    try:
        return {
            "report": [report.analysed, report.hiring, len(report.changes)],
            "threads": db.execute(
                "SELECT thread_key, is_interview, score, outcome, facts, step, organisations"
                " FROM threads ORDER BY thread_key"
            ).fetchall(),
            "queue": db.execute(
                "SELECT thread_key, kind, state, due, body, basis FROM queue_items"
                " ORDER BY thread_key, basis"
            ).fetchall(),
            # A draft's code is drawn at random: "drafted as WZ95", {"code": "WZ95"}.
            "events": sorted(
                (kind, key, re.sub(r"drafted as \w+", "drafted as <code>", message),
                 sorted((k, str(v)) for k, v in json.loads(facts).items() if k != "code"))
                for kind, key, message, facts in db.execute(
                    "SELECT kind, thread_key, message, facts FROM events"
                )
            ),
        }
    finally:
        db.close()


def test_two_processes_find_what_one_finds(
    corpus_mailbox: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, owners = corpus_mailbox
    monkeypatch.setattr(tracker.analysis, "PARALLEL_FROM_THREADS", 10**9)
    alone = _analysed(source, tmp_path / "alone.db", owners)
    # Small chunks, an odd number of them: the second process reads every other one.
    monkeypatch.setattr(tracker.analysis, "PARALLEL_FROM_THREADS", 1)
    monkeypatch.setattr(tracker.analysis, "ANALYSIS_CHUNK", 37)
    two = _analysed(source, tmp_path / "two.db", owners)
    analysed, hiring, changes = alone["report"]
    assert analysed > 100 and hiring > 30 and changes > 10  # a comparison worth making
    assert len(alone["queue"]) > 10 and len(alone["events"]) > 30
    assert two == alone


def test_an_in_memory_store_is_read_in_one_process(
    corpus_mailbox: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A second process cannot open an in-memory database: the pass reads it all itself.
    source, owners = corpus_mailbox
    monkeypatch.setattr(tracker.analysis, "PARALLEL_FROM_THREADS", 1)
    monkeypatch.setattr(tracker.analysis, "ANALYSIS_CHUNK", 37)
    on_disk = _analysed(source, tmp_path / "disk.db", owners)["report"]
    settings = _settings("sqlite://", owners)
    with open_store(settings.database) as store:
        memory = store.engine.raw_connection()
        try:
            with sqlite3.connect(source) as disk:
                disk.backup(memory.driver_connection)  # type: ignore[arg-type]
        finally:
            memory.close()
        with pytest.raises(ValueError, match="in-memory"):
            reopen_store(store.target)
        report = analyse_account(settings, store, settings.accounts[0], now=NOW)
    assert [report.analysed, report.hiring, len(report.changes)] == on_disk
    assert report.analysed > 100
