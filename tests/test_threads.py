"""Threading: Gmail thread ids, RFC headers with union-find, then subject + participants."""

from __future__ import annotations

import gc
import itertools
import random
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import OWNER, message
from tracker.config import Settings
from tracker.mail.partial import FetchedMessage
from tracker.store import FolderState, open_store
from tracker.sync import parse_batch, thread_pass
from tracker.understand.parse import Message, parse_message
from tracker.understand.threads import group_threads, normalise_subject


def groups(messages: list[Message], **kwargs: object) -> list[list[str]]:
    """The threads as lists of Message-IDs, for readable assertions."""
    threads = group_threads(messages, (OWNER,), **kwargs)  # type: ignore[arg-type]
    return [list(t.message_ids) for t in threads]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Interview", "interview"),
        ("Re: Interview", "interview"),
        ("RE: RE: Interview", "interview"),
        ("Re[2]: Interview", "interview"),
        ("AW: WG: Interview", "interview"),
        ("Fwd: Interview", "interview"),
        ("FW: Interview", "interview"),
        ("TR: Entretien", "entretien"),
        ("RV: Entrevista", "entrevista"),
        ("Antw: Gespräch", "gespräch"),
        ("SV: Intervju", "intervju"),
        ("[EXTERNAL] Re: Interview", "interview"),
        ("Re:Interview", "interview"),
        ("  Re :  Senior   Data Engineer ", "senior data engineer"),
        ("Réf : Candidature", "candidature"),
        ("Regarding the role", "regarding the role"),
        ("Reply needed", "reply needed"),
        ("", ""),
    ],
)
def test_normalise_subject(subject: str, expected: str) -> None:
    assert normalise_subject(subject) == expected


CASES: list[tuple[str, list[Message], list[list[str]]]] = [
    (
        "reply chain by In-Reply-To",
        [
            message("<a>", day=0),
            message(
                "<b>", sender=OWNER, to=("dana@northwind.example",), day=1, in_reply_to=("<a>",)
            ),
            message("<c>", day=2, in_reply_to=("<b>",)),
        ],
        [["<a>", "<b>", "<c>"]],
    ),
    (
        "missing parent still joins its children",
        [
            message("<b>", day=1, references=("<lost-root>",)),
            message("<c>", day=2, references=("<lost-root>", "<b-missing>")),
        ],
        [["<b>", "<c>"]],
    ),
    (
        "references only, no In-Reply-To",
        [message("<a>", day=0), message("<c>", day=3, references=("<a>", "<b>"))],
        [["<a>", "<c>"]],
    ),
    (
        "unrelated subjects stay apart",
        [message("<a>", subject="Interview"), message("<b>", subject="Offer letter", day=1)],
        [["<a>"], ["<b>"]],
    ),
    (
        "same subject and participant, no headers: joined",
        [
            message("<a>", subject="Interview next week", day=0),
            message(
                "<b>",
                subject="RE: Interview next week",
                sender=OWNER,
                to=("dana@northwind.example",),
                day=2,
            ),
        ],
        [["<a>", "<b>"]],
    ),
    (
        "same subject, other people: apart",
        [
            message("<a>", subject="Interview", sender="dana@northwind.example"),
            message("<b>", subject="Interview", sender="lee@acme.example", day=1),
        ],
        [["<a>"], ["<b>"]],
    ),
    (
        "same subject and participant, 61 days apart: apart",
        [message("<a>", subject="Catch up"), message("<b>", subject="Re: Catch up", day=61)],
        [["<a>"], ["<b>"]],
    ),
    (
        "same subject and participant, 60 days apart: joined",
        [message("<a>", subject="Catch up"), message("<b>", subject="Re: Catch up", day=60)],
        [["<a>", "<b>"]],
    ),
    (
        "the owner alone is no shared participant",
        [
            message("<a>", subject="Hello", sender=OWNER, to=("x@one.example",)),
            message("<b>", subject="Hello", sender=OWNER, to=("y@two.example",), day=1),
        ],
        [["<a>"], ["<b>"]],
    ),
    (
        "Gmail thread id groups without headers",
        [
            message("<a>", subject="One", headers={"x-gm-thrid": "77"}),
            message(
                "<b>", subject="Two", sender="other@x.example", day=1, headers={"x-gm-thrid": "77"}
            ),
        ],
        [["<a>", "<b>"]],
    ),
    (
        "Gmail's split is kept even when headers link",
        [
            message("<a>", subject="One", headers={"x-gm-thrid": "1"}),
            message(
                "<b>", subject="Other", day=1, in_reply_to=("<a>",), headers={"x-gm-thrid": "2"}
            ),
        ],
        [["<a>"], ["<b>"]],
    ),
    (
        "copies of one message count once",
        [message("<a>"), message("<a>"), message("<b>", day=1, in_reply_to=("<a>",))],
        [["<a>", "<b>"]],
    ),
    (
        "threads ordered by first message; undated last",
        [
            message("<late>", subject="B", day=5),
            message("<nodate>", subject="C", day=None),
            message("<early>", subject="A", day=1),
        ],
        [["<early>"], ["<late>"], ["<nodate>"]],
    ),
]


@pytest.mark.parametrize(("name", "messages", "expected"), CASES, ids=[c[0] for c in CASES])
def test_group_threads(name: str, messages: list[Message], expected: list[list[str]]) -> None:
    assert groups(messages) == expected


def test_gmail_ids_from_imap_override_headers() -> None:
    messages = [message("<a>", subject="One"), message("<b>", subject="Two", day=1)]
    assert groups(messages, gmail_thread_ids={"<a>": 5, "<b>": 5}) == [["<a>", "<b>"]]


def test_owner_addresses_also_come_from_outgoing_messages() -> None:
    messages = [
        message("<a>", subject="Hello", sender=OWNER, to=("x@one.example",)),
        message("<b>", subject="Hello", sender="y@two.example", to=(OWNER,), day=1),
    ]
    assert [list(t.message_ids) for t in group_threads(messages)] == [["<a>"], ["<b>"]]


def test_thread_id_is_stable_when_replies_arrive() -> None:
    first = [message("<a>"), message("<b>", day=1, references=("<a>",))]
    later = [*first, message("<c>", day=2, references=("<a>", "<b>"))]
    assert group_threads(first)[0].thread_id == group_threads(later)[0].thread_id


def test_thread_id_is_stable_when_the_root_was_never_seen() -> None:
    only_reply = [message("<b>", day=1, references=("<a>",))]
    with_root = [message("<a>"), *only_reply]
    assert group_threads(only_reply)[0].thread_id == group_threads(with_root)[0].thread_id


def _conversation() -> list[Message]:
    return [
        message("<a1>", subject="Interview", day=0),
        message(
            "<a2>",
            subject="Re: Interview",
            sender=OWNER,
            to=("dana@northwind.example",),
            day=1,
            in_reply_to=("<a1>",),
            references=("<a1>",),
        ),
        message("<a3>", subject="Re: Interview", day=2, references=("<a1>", "<a2>")),
        message("<b1>", subject="Offer", sender="lee@acme.example", day=0.5),
        message(
            "<b2>",
            subject="Re: Offer",
            sender=OWNER,
            to=("lee@acme.example",),
            day=3,
            in_reply_to=("<b1>",),
        ),
        message("<c1>", subject="Newsletter", sender="news@letter.example", day=4),
    ]


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False))
def test_grouping_does_not_depend_on_input_order(rnd: random.Random) -> None:
    messages = _conversation()
    expected = groups(messages)
    rnd.shuffle(messages)
    assert groups(messages) == expected
    assert sorted(itertools.chain.from_iterable(expected)) == sorted(m.message_id for m in messages)


# --- the incremental threading pass (tracker.sync.thread_pass) against grouping all at once ---


def _random_mailbox(seed: int, count: int) -> list[bytes]:
    """Mail that exercises every rule: replies naming parents that arrive later (or never),
    shared subjects with and without a shared participant, dates far apart, copies."""
    rnd = random.Random(seed)
    base = datetime(2026, 6, 1, tzinfo=UTC)
    raws = []
    for n in range(count):
        parents = [f"<p{rnd.randrange(count + 10)}@t.example>" for _ in range(rnd.randrange(3))]
        sender = rnd.choice([OWNER, *(f"r{i}@co{i % 4}.example" for i in range(8))])
        to = OWNER if sender != OWNER else f"r{rnd.randrange(8)}@co1.example"
        subject = rnd.choice(["Interview", "Re: Interview", "Next steps", "Offer", f"Topic {n}"])
        date = base + timedelta(days=rnd.randrange(200), minutes=n)
        headers = [
            f"From: {sender}", f"To: {to}", f"Subject: {subject}",
            f"Date: {date.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
            f"Message-ID: <p{n}@t.example>",
        ]  # fmt: skip
        if parents:
            headers += [f"In-Reply-To: {parents[-1]}", f"References: {' '.join(parents)}"]
        raws.append(("\r\n".join(headers) + f"\r\n\r\nbody {n}\r\n").encode())
    return raws


@pytest.mark.parametrize("seed", range(6))
def test_incremental_threading_equals_grouping_the_whole_mailbox(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.sync.THREAD_CHUNK", 7)  # several chunks a pass
    raws = _random_mailbox(seed, 120)
    account = Settings.model_validate(
        {"accounts": [{"name": "main", "address": OWNER, "password_env": "X",
                       "imap": {"host": "127.0.0.1", "port": 1, "security": "none"},
                       "smtp": {"host": "127.0.0.1", "port": 2, "security": "none"}}]}
    ).accounts[0]  # fmt: skip
    store = open_store("sqlite://")
    store.upsert_account("main", "imap", OWNER)
    rnd = random.Random(seed)
    uid = 0
    while uid < len(raws):  # arriving in passes of random size, each threaded incrementally
        size = rnd.randrange(1, 30)
        fetched = [
            FetchedMessage(uid=u + 1, raw=raws[u], size=1, flags=(), internaldate=None)
            for u in range(uid, min(uid + size, len(raws)))
        ]
        uid += size
        state = FolderState("INBOX", "inbox", uidvalidity=1, uidnext=uid + 1)
        store.save_folder_batch("main", state, parse_batch((OWNER,), fetched))
        thread_pass(store, account)
    expected = {
        frozenset(t.message_ids): t.thread_id
        for t in group_threads([parse_message(r, [OWNER]) for r in raws], [OWNER])
    }
    got: dict[str, set[str]] = {}
    for stored in store.stored_messages("main", ["subject"]):
        assert stored.thread_key is not None
        got.setdefault(stored.thread_key, set()).add(stored.message_id)
    assert {frozenset(ids): key for key, ids in got.items()} == expected
    assert set(store.thread_keys("main")) == set(expected.values())


def test_the_whole_mailbox_pass_holds_compact_rows_not_messages() -> None:
    """A first sync groups every stored message at once (tracker.sync._whole_pass): it must
    hold a few hundred bytes a message (`ThreadingHeaders`, strings shared), not a `Message`
    (over a kilobyte each), or a 50,000-message first sync overshoots its memory budget."""
    count = 3000  # above THREAD_CHUNK: the whole-mailbox pass
    raws = _random_mailbox(7, count)
    account = Settings.model_validate(
        {"accounts": [{"name": "main", "address": OWNER, "password_env": "X",
                       "imap": {"host": "127.0.0.1", "port": 1, "security": "none"},
                       "smtp": {"host": "127.0.0.1", "port": 2, "security": "none"}}]}
    ).accounts[0]  # fmt: skip
    store = open_store("sqlite://")
    store.upsert_account("main", "imap", OWNER)
    for start in range(0, count, 250):
        fetched = [
            FetchedMessage(uid=u + 1, raw=raws[u], size=1, flags=(), internaldate=None)
            for u in range(start, min(start + 250, count))
        ]
        state = FolderState("INBOX", "inbox", uidvalidity=1, uidnext=fetched[-1].uid + 1)
        store.save_folder_batch("main", state, parse_batch((OWNER,), fetched))
    gc.collect()
    tracemalloc.start()
    try:
        thread_pass(store, account)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / count < 900, f"{peak / count:.0f} bytes a message"
    expected = {frozenset(t.message_ids) for t in group_threads(
        [parse_message(r, [OWNER]) for r in raws], [OWNER])}  # fmt: skip
    got: dict[str, set[str]] = {}
    for stored in store.stored_messages("main", ["subject"]):
        assert stored.thread_key is not None
        got.setdefault(stored.thread_key, set()).add(stored.message_id)
    assert {frozenset(ids) for ids in got.values()} == expected
