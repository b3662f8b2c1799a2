"""Threading: Gmail thread ids, RFC headers with union-find, then subject + participants."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import OWNER, message
from tracker.understand.parse import Message
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
