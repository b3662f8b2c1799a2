"""Reply commands as tables: the owner's replies to the digest in, commands and problems out.

The raw replies under tests/data/replies/ are written the way each client writes them
(headers, MIME structure, transfer encodings, attribution lines, signatures); every one
quotes a digest that itself shows the example lines "approve K7Q2", "skip K7Q2", "edit
K7Q2 ... end", which must never be taken for commands.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.approvals.commands import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Command,
    ReplyCommands,
    new_code,
    normalise_code,
    parse_command_text,
    parse_commands,
)
from tracker.understand.parse import parse_message

REPLIES = Path(__file__).parent / "data" / "replies"
OWNER = "alex@example.com"

# (verb, code, snooze, text): what a command does, without the line it came from.
Expected = tuple[str, str | None, timedelta | None, str | None]

DANA_EDIT_EN = (
    "Hi Dana,\n\n"
    "Thank you again for Tuesday\u2019s conversation about the platform team. "
    "I\u2019m still very excited about the role. Is there any news on next steps?\n\n"
    "Best,\nAlex"
)
DANA_EDIT_DE = (
    "Hallo Dana,\n\n"
    "vielen Dank nochmals f\u00fcr das Gespr\u00e4ch am Dienstag. Gibt es schon "
    "Neuigkeiten zu den n\u00e4chsten Schritten?\n\n"
    "Viele Gr\u00fc\u00dfe\nAlex"
)
DANA_EDIT_PASTED = (
    "Hi Dana, I hope your week is going well. I wanted to check in on the\n"
    "Staff Engineer role; I'm still very interested. Could we talk this week?\n\n"
    "Best, Alex"
)

# (file, commands expected in order, problem fragments expected in order, one per problem)
REPLY_CASES: list[tuple[str, list[Expected], list[str]]] = [
    (
        "gmail-web-top-posted.eml",
        [("approve", "K7Q2", None, None), ("skip", "M3X9", None, None)],
        [],
    ),
    (
        "gmail-web-html-only.eml",
        [("snooze", "K7Q2", timedelta(days=3), None), ("stop", "HH3P", None, None)],
        [],
    ),
    ("gmail-android.eml", [("approve", None, None, None)], []),
    (
        "apple-mail-ios.eml",
        [("skip", "K7Q2", None, None), ("approve", "M3X9", None, None)],
        [],
    ),
    (
        "apple-mail-de.eml",
        [("approve", "K7Q2", None, None), ("snooze", "M3X9", timedelta(days=2), None)],
        [],
    ),
    ("apple-mail-ios-edit.eml", [("edit", "K7Q2", None, DANA_EDIT_EN)], []),
    (
        "apple-mail-edit-without-end.eml",
        # "stop HH3P" sits inside the unclosed edit: it is not read, and the owner is told.
        [("approve", "M3X9", None, None)],
        ["line 2: edit K7Q2: no line `end` closes the new text"],
    ),
    (
        "outlook-desktop.eml",
        [("approve", "K7Q2", None, None), ("stop", "HH3P", None, None)],
        [],
    ),
    (
        "outlook-web-html-only.eml",
        [("approve", "K7Q2", None, None), ("snooze", "M3X9", timedelta(weeks=1), None)],
        [],
    ),
    (
        "outlook-ios-html-only.eml",
        [("approve", "K7Q2", None, None), ("approve", "M3X9", None, None)],
        [],
    ),
    (
        "outlook-de.eml",
        [("skip", "K7Q2", None, None), ("approve", "M3X9", None, None)],
        [],
    ),
    (
        "outlook-fr.eml",
        [("approve", "K7Q2", None, None), ("stop", "HH3P", None, None)],
        [],
    ),
    ("outlook-es.eml", [("approve", None, None, None)], []),
    ("outlook-thanks-only.eml", [], []),
    (
        "thunderbird-bottom-posted.eml",
        [("skip", "K7Q2", None, None), ("snooze", "HH3P", timedelta(hours=12), None)],
        [],
    ),
    (
        "gmail-de-edit.eml",
        [("edit", "K7Q2", None, DANA_EDIT_DE), ("approve", "M3X9", None, None)],
        [],
    ),
    ("gmail-fr-edit-pasted-from-quote.eml", [("edit", "K7Q2", None, DANA_EDIT_PASTED)], []),
    (
        "gmail-es-garbled.eml",
        [("skip", "HH3P", None, None)],
        [
            "line 1: 'aprove K7Q2' is not a command I know",
            "line 2: 'snooze M3X9 100d' is not a command I know (snooze takes",
            "line 4: '¿Puedes esperar con Acme hasta el viernes?' is not a command I know",
        ],
    ),
    (
        "gmail-conflict.eml",
        [("approve", "M3X9", None, None), ("stop", "HH3P", None, None)],
        [
            "line 3: '- approve K7Q2 M3X9' conflicts with line 4 ('- skip K7Q2') about K7Q2",
            "line 4: '- skip K7Q2' conflicts with line 3 ('- approve K7Q2 M3X9') about K7Q2",
        ],
    ),
    ("mailto-prefilled-iphone.eml", [("approve", "K7Q2", None, None)], []),
    (
        # The signature says "approve all"; it is below the "-- " line and not a command.
        "mailto-prefilled-gmail-signature.eml",
        [("snooze", "M3X9", timedelta(weeks=1), None)],
        [],
    ),
]


def summary(result: ReplyCommands) -> list[Expected]:
    return [(c.verb, c.code, c.snooze, c.text) for c in result.commands]


def assert_problems(result: ReplyCommands, fragments: list[str]) -> None:
    assert len(result.problems) == len(fragments), result.problems
    for problem, fragment in zip(result.problems, fragments, strict=True):
        assert fragment in problem


def test_every_reply_fixture_is_in_the_table() -> None:
    assert sorted(path.name for path in REPLIES.glob("*.eml")) == sorted(
        name for name, _, _ in REPLY_CASES
    )


@pytest.mark.parametrize(
    ("name", "commands", "problems"), REPLY_CASES, ids=[case[0] for case in REPLY_CASES]
)
def test_reply_as_the_client_wrote_it(
    name: str, commands: list[Expected], problems: list[str]
) -> None:
    message = parse_message((REPLIES / name).read_bytes(), [OWNER])
    assert message.unparseable is None
    result = parse_commands(message)
    assert summary(result) == commands
    assert_problems(result, problems)


def test_command_keeps_the_line_as_written() -> None:
    message = parse_message((REPLIES / "gmail-conflict.eml").read_bytes(), [OWNER])
    lines = {command.code: command.line for command in parse_commands(message).commands}
    assert lines == {"M3X9": "- approve K7Q2 M3X9", "HH3P": "- stop HH3P"}


def test_parse_commands_reads_what_new_text_would_lose() -> None:
    """Why parse_commands reads the whole text: quoting's sign-off rule cuts an edit's
    closing "Viele Grüße / Alex / end" and the command after it from new_text."""
    message = parse_message((REPLIES / "gmail-de-edit.eml").read_bytes(), [OWNER])
    assert "approve M3X9" not in message.new_text
    assert "approve M3X9" in message.text
    assert ("approve", "M3X9", None, None) in summary(parse_commands(message))


def test_unparseable_reply_is_a_problem_not_a_crash() -> None:
    result = parse_commands(parse_message(b"\x00\x01 not mail at all", [OWNER]))
    assert result.commands == ()
    assert len(result.problems) == 1
    assert result.problems[0].startswith("the reply could not be read")


# (id, plain text, commands expected, problem fragments expected)
TEXT_CASES: list[tuple[str, str, list[Expected], list[str]]] = [
    ("lower-case", "approve k7q2", [("approve", "K7Q2", None, None)], []),
    ("shouting", "SKIP K7Q2", [("skip", "K7Q2", None, None)], []),
    ("colon", "approve: K7Q2", [("approve", "K7Q2", None, None)], []),
    ("colon-no-space", "stop:K7Q2", [("stop", "K7Q2", None, None)], []),
    ("trailing-period", "Approve K7Q2.", [("approve", "K7Q2", None, None)], []),
    ("bracketed-code", "approve [K7Q2]", [("approve", "K7Q2", None, None)], []),
    (
        "bullets-and-numbers",
        "* approve K7Q2\n2) skip M3X9\n• stop HH3P\n(4) approve 4RT7",
        [
            ("approve", "K7Q2", None, None),
            ("skip", "M3X9", None, None),
            ("stop", "HH3P", None, None),
            ("approve", "4RT7", None, None),
        ],
        [],
    ),
    (
        "several-codes-comma-and-space",
        "skip K7Q2, M3X9 HH3P",
        [("skip", "K7Q2", None, None), ("skip", "M3X9", None, None), ("skip", "HH3P", None, None)],
        [],
    ),
    (
        "snooze-several-codes",
        "snooze K7Q2 M3X9 2w",
        [
            ("snooze", "K7Q2", timedelta(weeks=2), None),
            ("snooze", "M3X9", timedelta(weeks=2), None),
        ],
        [],
    ),
    ("snooze-90-days", "snooze K7Q2 90d", [("snooze", "K7Q2", timedelta(days=90), None)], []),
    ("snooze-hours", "snooze K7Q2 2160h", [("snooze", "K7Q2", timedelta(days=90), None)], []),
    ("snooze-12-weeks", "snooze K7Q2 12W", [("snooze", "K7Q2", timedelta(weeks=12), None)], []),
    ("snooze-91-days", "snooze K7Q2 91d", [], ["line 1: 'snooze K7Q2 91d' is not a command"]),
    ("snooze-13-weeks", "snooze K7Q2 13w", [], ["'snooze K7Q2 13w' is not a command I know"]),
    ("snooze-zero", "snooze K7Q2 0d", [], ["'snooze K7Q2 0d' is not a command I know"]),
    ("snooze-words", "snooze K7Q2 3 days", [], ["'snooze K7Q2 3 days' is not a command"]),
    ("snooze-no-length", "snooze K7Q2", [], ["(snooze takes a draft code and how long"]),
    ("snooze-months", "snooze K7Q2 1m", [], ["'snooze K7Q2 1m' is not a command I know"]),
    ("misspelt-verb", "aprove K7Q2", [], ["line 1: 'aprove K7Q2' is not a command I know"]),
    ("verb-glued-to-code", "approveK7Q2", [], ["'approveK7Q2' is not a command I know"]),
    ("letter-o-is-no-zero", "approve K7O2", [], ["('K7O2' is not a draft code)"]),
    ("letter-u-not-in-alphabet", "skip KUQ2", [], ["('KUQ2' is not a draft code)"]),
    ("code-too-short", "approve K7Q", [], ["('K7Q' is not a draft code)"]),
    ("code-too-long", "approve K7Q22", [], ["('K7Q22' is not a draft code)"]),
    ("no-code", "approve", [], ["(approve needs a draft code, or `all`)"]),
    ("skip-all-is-not-a-thing", "skip all", [], ["(only approve takes `all`)"]),
    ("same-code-twice-on-a-line", "approve K7Q2 k7q2", [], ["(K7Q2 is named twice)"]),
    (
        "one-bad-code-spoils-the-line",
        "approve K7Q2 K7Q",
        [],
        ["'approve K7Q2 K7Q' is not a command I know ('K7Q' is not a draft code)"],
    ),
    (
        "approve-all-then-skip-one-conflicts",
        "approve all\nskip K7Q2\nstop HH3P",
        [],
        [
            "line 1: 'approve all' conflicts with line 2 ('skip K7Q2'), line 3 ('stop HH3P');"
            " none of them was applied",
            "line 2: 'skip K7Q2' conflicts with line 1 ('approve all') about K7Q2; neither",
            "line 3: 'stop HH3P' conflicts with line 1 ('approve all') about HH3P; neither",
        ],
    ),
    (
        "approve-all-twice",
        "approve all\nApprove all!",
        [],
        ["line 1: 'approve all' conflicts", "line 2: 'Approve all!' conflicts"],
    ),
    (
        "duplicate-approve",
        "approve K7Q2\napprove K7Q2\nskip M3X9",
        [("skip", "M3X9", None, None)],
        ["line 1: 'approve K7Q2' conflicts with line 2", "line 2: 'approve K7Q2' conflicts"],
    ),
    (
        "many-duplicates-named-in-short",
        "stop K7Q2\n" * 5,
        [],
        [
            "line 1: 'stop K7Q2' conflicts with line 2 ('stop K7Q2'), line 3 ('stop K7Q2'),"
            " line 4 ('stop K7Q2') and 1 more about K7Q2; none of them was applied",
            "line 2: 'stop K7Q2' conflicts with line 1 ('stop K7Q2'), line 3",
            "line 3: 'stop K7Q2' conflicts with line 1 ('stop K7Q2'), line 2",
            "line 4:",
            "line 5: 'stop K7Q2' conflicts with line 1 ('stop K7Q2'), line 2 ('stop K7Q2'),"
            " line 3 ('stop K7Q2') and 1 more",
        ],
    ),
    (
        "two-snoozes",
        "snooze K7Q2 3d\nsnooze K7Q2 1w",
        [],
        ["line 1: 'snooze K7Q2 3d' conflicts", "line 2: 'snooze K7Q2 1w' conflicts"],
    ),
    (
        "greetings-thanks-and-name-ignored",
        "Hi followup,\n\nGood morning!\napprove K7Q2\n\nThanks a lot,\nAlex Doe",
        [("approve", "K7Q2", None, None)],
        [],
    ),
    (
        "commands-after-thanks-still-read",
        "Thanks!\nskip K7Q2\nMerci\nstop HH3P",
        [("skip", "K7Q2", None, None), ("stop", "HH3P", None, None)],
        [],
    ),
    (
        "bare-name-last-line-ignored-misspelt-verb-not",
        "approve K7Q2\nAprove",
        [("approve", "K7Q2", None, None)],
        ["line 2: 'Aprove' is not a command I know"],
    ),
    (
        "other-words-reported",
        "approve K7Q2\nplease wait with Acme\nskip M3X9",
        [("approve", "K7Q2", None, None), ("skip", "M3X9", None, None)],
        ["line 2: 'please wait with Acme' is not a command I know"],
    ),
    (
        "signature-delimiter-ends-the-commands",
        "skip K7Q2\n-- \nAlex\napprove all",
        [("skip", "K7Q2", None, None)],
        [],
    ),
    (
        "gt-quote-without-attribution-ignored",
        "stop K7Q2\n\n> approve K7Q2\n> skip M3X9",
        [("stop", "K7Q2", None, None)],
        [],
    ),
    (
        "interleaved-under-quoted-lines",
        "On Mon, Nov 23, 2026 at 8:30 AM followup <alex@example.com> wrote:\n"
        "> [K7Q2] Check-in to Dana Lee\n\nskip K7Q2\n\n> [M3X9] Thank-you note to Sam\n\n"
        "approve M3X9",
        [("skip", "K7Q2", None, None), ("approve", "M3X9", None, None)],
        [],
    ),
    (
        "edit-dedented-trailing-blank-lines-trimmed",
        "edit K7Q2\n    Hi Dana,\n\n      indented on purpose\n    Best, Alex\n\n\nEND\nskip M3X9",
        [
            ("edit", "K7Q2", None, "Hi Dana,\n\n  indented on purpose\nBest, Alex"),
            ("skip", "M3X9", None, None),
        ],
        [],
    ),
    (
        "edit-text-with-commands-inside-is-text",
        "edit K7Q2\nPlease approve my request, or skip it.\nskip M3X9\nend",
        [("edit", "K7Q2", None, "Please approve my request, or skip it.\nskip M3X9")],
        [],
    ),
    (
        "edit-partly-quoted-keeps-its-marks",
        "edit K7Q2\n> as you wrote:\nI agree.\nend",
        [("edit", "K7Q2", None, "> as you wrote:\nI agree.")],
        [],
    ),
    (
        "edit-keeps-a-signature-delimiter",
        "edit K7Q2\nHi Dana,\n-- \nAlex Doe\nend",
        [("edit", "K7Q2", None, "Hi Dana,\n-- \nAlex Doe")],
        [],
    ),
    (
        "edit-empty",
        "edit K7Q2\n\nend",
        [],
        ["line 1: edit K7Q2: the new text before `end` is empty"],
    ),
    (
        "edit-text-on-the-same-line",
        "edit K7Q2 Hi Dana\nend",
        [],
        ["line 1: 'edit K7Q2 Hi Dana' is not a command I know ('Hi' is not a draft code)"],
    ),
    (
        "bad-edit-line-skips-its-text",
        "edit K7O2\nPlease approve my request.\nskip M3X9\nend\nstop HH3P",
        [("stop", "HH3P", None, None)],
        ["line 1: 'edit K7O2' is not a command I know ('K7O2' is not a draft code)"],
    ),
    ("edit-two-codes", "edit K7Q2 M3X9\nHi\nend", [], ["(edit takes one draft code"]),
    (
        "bad-edit-line-without-end-stops-reading",
        "edit K7Q2 M3X9\nHi\napprove 4RT7",
        [],
        [
            "line 1: 'edit K7Q2 M3X9' is not a command I know (edit takes one draft code",
            "line 1: edit: no line `end` closes the new text, so nothing below it was read",
        ],
    ),
    (
        "edit-without-end-before-the-quote",
        "edit K7Q2\nHi Dana,\nBest\n\n"
        "On Mon, Nov 23, 2026 at 8:30 AM followup <a@b.example> wrote:\n> end\n",
        [],
        ["line 1: edit K7Q2: no line `end` closes the new text"],
    ),
    ("empty", "", [], []),
]


@pytest.mark.parametrize(
    ("text", "commands", "problems"),
    [case[1:] for case in TEXT_CASES],
    ids=[case[0] for case in TEXT_CASES],
)
def test_command_text(text: str, commands: list[Expected], problems: list[str]) -> None:
    result = parse_command_text(text)
    assert summary(result) == commands
    assert_problems(result, problems)


def test_a_long_paste_is_reported_in_short() -> None:
    text = "approve K7Q2\n" + "\n".join(f"paragraph {n} of something else" for n in range(50))
    result = parse_command_text(text)
    assert summary(result) == [("approve", "K7Q2", None, None)]
    assert len(result.problems) == 21
    assert result.problems[0] == "line 2: 'paragraph 0 of something else' is not a command I know"
    assert result.problems[-1] == "... and 30 more problems"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("K7Q2", "K7Q2"),
        ("k7q2", "K7Q2"),
        (" m3x9 ", "M3X9"),
        ("2345", "2345"),
        ("K7O2", None),  # letter O
        ("K7Q0", None),  # digit zero
        ("I7Q2", None),
        ("L7Q2", None),
        ("U7Q2", None),
        ("K7Q", None),
        ("K7Q22", None),
        ("K7 Q2", None),
        ("", None),
        ("ß7Q2", None),  # upper-cases to two letters
    ],
)
def test_normalise_code(text: str, code: str | None) -> None:
    assert normalise_code(text) == code


def test_new_code_has_the_shape_and_avoids_taken_codes() -> None:
    # All codes but one are taken in the first position's "2" block: the few free are found.
    taken = {f"2{a}{b}{c}" for a in CODE_ALPHABET for b in CODE_ALPHABET for c in CODE_ALPHABET}
    seen = {new_code(taken) for _ in range(50)}
    for code in seen:
        assert len(code) == CODE_LENGTH
        assert normalise_code(code) == code
        assert code not in taken
    assert len(seen) > 40  # random, not a counter


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "approve K7Q2",
                    "approve all",
                    "skip m3x9 HH3P",
                    "snooze K7Q2 3d",
                    "stop 4RT7",
                    "edit K7Q2",
                    "end",
                    "> approve K7Q2",
                    "-- ",
                    "On Mon, Nov 23, 2026 at 8:30 AM followup <a@b.example> wrote:",
                    "From: followup <a@b.example>",
                    "Sent: Monday",
                    "Thanks!",
                ]
            ),
        ),
        max_size=25,
    )
)
def test_parse_command_text_is_total(lines: list[str]) -> None:
    result = parse_command_text("\n".join(lines))
    assert isinstance(result, ReplyCommands)
    for command in result.commands:
        assert isinstance(command, Command)
        if command.code is None:
            assert (command.verb, command.snooze, command.text) == ("approve", None, None)
        else:
            assert normalise_code(command.code) == command.code
        assert (command.snooze is not None) == (command.verb == "snooze")
        assert (command.text is not None) == (command.verb == "edit")
        if command.snooze is not None:
            assert timedelta(0) < command.snooze <= timedelta(days=90)
    codes = [command.code for command in result.commands]
    assert len(codes) == len(set(codes))  # never two commands about one draft
    assert None not in codes or len(codes) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_quoted_text_never_commands(text: str) -> None:
    quoted = "\n".join(f"> {line}" for line in text.splitlines())
    assert parse_command_text(quoted) == ReplyCommands((), ())
