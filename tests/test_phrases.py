"""Phrase tables: the hoisted word boundary and the needles find exactly what the pattern as
written finds."""

from __future__ import annotations

import importlib
import random
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.understand import detect, facts, processes, signals, timeline
from tracker.understand.parse import parse_message
from tracker.understand.phrases import (
    UNFOLDABLE,
    Phrases,
    any_of,
    compile_phrases,
    hoist_boundary,
    needles_of,
)

# (pattern, verbose, hoisted form)
CASES = [
    (r"\bfoo|\bbar", False, r"\b(?:foo|bar)"),
    (r"(?:\bfoo|(?<!x )\bbar)\s+z|(?:\bbaz\b)", False, r"\b(?:(?:foo|(?<!x )bar)\s+z|(?:baz\b))"),
    (
        r"(?<!su\ )(?<!tu\ )\bdecisión|\bnoticias",
        True,
        r"\b(?:(?<!su\ )(?<!tu\ )decisión|noticias)",
    ),
    ("(?:\\bfoo\n        |\\bbar)", True, r"\b(?:(?:foo|bar))"),
    # Not every alternative starts with a boundary: unchanged.
    (r"\bfoo|bar", False, r"\bfoo|bar"),
    # An optional or repeated group may match nothing, so its boundary is not the pattern's.
    (r"(?:\bfoo)?|\bbar", False, r"(?:\bfoo)?|\bbar"),
    (r"(?:\bfoo){1,2}|\bbar", False, r"(?:\bfoo){1,2}|\bbar"),
    # Outside verbose mode a leading space is text to match, not layout.
    (r" \bfoo|\bbar", False, r" \bfoo|\bbar"),
    # A | inside a character class or escaped does not split alternatives.
    (r"\b[a|b]x|\bc\|d", False, r"\b(?:[a|b]x|c\|d)"),
]


@pytest.mark.parametrize(("pattern", "verbose", "hoisted"), CASES)
def test_hoist_boundary(pattern: str, verbose: bool, hoisted: str) -> None:
    assert hoist_boundary(pattern, verbose) == hoisted


def test_any_of_keeps_the_order_of_alternatives() -> None:
    # The first alternative that matches at a position wins, as written.
    assert any_of(r"\bfoo", r"\bfoobar").search("a foobar")[0] == "foo"  # type: ignore[index]
    assert any_of(r"\bfoobar", r"\bfoo").search("a foobar")[0] == "foobar"  # type: ignore[index]


FRAGMENTS = [
    r"\bab",
    r"\bba\b",
    r"(?<!a )\bab",
    r"\ba[bc]",
    r"(?:\bb|\bc)a",
    r"\ba\s+b",
    r"\bc(?:ab)?",
    r"ab",  # no boundary: the whole table must then stay as written
    r"(?:\ba)?b",
]


@settings(max_examples=300, deadline=None)
@given(
    fragments=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5),
    text=st.text(alphabet="abc -", max_size=40),
)
def test_same_matches_as_written(fragments: list[str], text: str) -> None:
    as_written = re.compile("|".join(f"(?:{f})" for f in fragments), re.IGNORECASE)
    hoisted = any_of(*fragments)
    assert [m.span() for m in hoisted.finditer(text)] == [
        m.span() for m in as_written.finditer(text)
    ]


def test_compile_phrases_verbose() -> None:
    pattern = compile_phrases("(?:\\bfoo\n   |\\bbar)", re.VERBOSE)
    assert pattern.pattern.startswith(r"\b")
    assert pattern.search("a bar")
    assert not pattern.search("abar")


# --- the needles: literals every match contains ---------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "needles"),
    [
        (r"\bpodcast|\bpódcast", {"podcast", "pódcast"}),
        # A run of literals goes through classes and alternations of plain strings.
        (r"\buser (?:research|interview)\b", {"user research", "user interview"}),
        (r"\bcan['’]t\b", {"can't", "can’t"}),
        # An optional part ends the run; the longest required literal is kept.
        (r"\bcolou?r scheme", {"r scheme"}),
        (r"\w+remos\b", {"remos"}),
        # A repeat of at least one keeps its first copy's literals.
        (r"(?:abc)+", {"abc"}),
        # Spaces at either end are dropped: every needle is as required without them.
        (r"\bnot (?:\w+ )?hiring", {"hiring"}),
        # Case-folded: "Straße" and "STRASSE" need the same text.
        (r"Straße|STRASSE", {"strasse"}),
        # An alternative with no literal at all: nothing is required of a text.
        (r"\bpodcast|[^.]{3}", None),
        (r"(?:ab)?", None),
    ],
)
def test_needles_of(pattern: str, needles: set[str] | None) -> None:
    assert needles_of(pattern, re.IGNORECASE) == (None if needles is None else frozenset(needles))


def test_a_text_without_the_needles_is_not_searched() -> None:
    table = any_of(r"\bpodcast", r"\bjournalist")
    assert not table.may_match("Thanks for the interview yesterday")
    assert table.may_match("our PODCASTS")
    assert table.search("our PODCASTS") is not None
    assert table.search("Thanks for the interview yesterday") is None
    # A text holding a character whose case fold `re` does not follow is always searched.
    assert table.may_match("\u0130stanbul")


NEEDLE_FRAGMENTS = [
    r"\bab",
    r"\bkiss\b",
    r"\bstra(?:ß|ss)e",
    r"\bi[sß]\b",
    r"\bk(?:a|i)s",
    r"(?<!a )\bsk(?:is)+",
    r"\ba\s+b",
    r"\bc(?:ab)?k",
    r"s\w+i",
    r"(?:\bai)?s",
    r"[^ ]{2}",
]
# Case variants `re` matches with the fragments' letters: capitals, the Kelvin sign, long s,
# dotted and dotless i, capital sharp s.
NEEDLE_ALPHABET = "abciksABCIKS ß\u1e9e\u212a\u017f\u0130\u0131-"


@settings(max_examples=500, deadline=None)
@given(
    fragments=st.lists(st.sampled_from(NEEDLE_FRAGMENTS), min_size=1, max_size=4),
    text=st.text(alphabet=NEEDLE_ALPHABET, max_size=30),
)
def test_the_needles_never_hide_a_match(fragments: list[str], text: str) -> None:
    table = any_of(*fragments)
    assert [m.span() for m in table.finditer(text)] == [
        m.span() for m in table.regex.finditer(text)
    ]
    assert table.sub("_", text) == table.regex.sub("_", text)


def _tables() -> dict[str, Phrases]:
    """Every phrase table of understanding, by name."""
    found: dict[str, Phrases] = {}
    for module in (detect, facts, processes, signals, timeline):
        for name, value in vars(module).items():
            if isinstance(value, Phrases):
                found[f"{module.__name__}.{name}"] = value
    for i, language in enumerate(timeline._LANGUAGES):
        for j, (rule, _) in enumerate(language.rules):
            found[f"timeline language {i} rule {j}"] = rule
        found[f"timeline language {i} promise"] = language.promise
        found[f"timeline language {i} request"] = language.request
    return found


def _literal_characters(items: Any) -> set[str]:
    """The characters of every literal in a parsed pattern (`re._parser`'s tree)."""
    sre = importlib.import_module("re._constants")
    found: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            found.add(chr(av))
        elif op is sre.IN:
            found.update(chr(code) for kind, code in av if kind is sre.LITERAL)
        elif op is sre.BRANCH:
            for alternative in av[1]:
                found |= _literal_characters(alternative)
        elif op is sre.SUBPATTERN:
            found |= _literal_characters(av[3])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            found |= _literal_characters(av[2])
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            found |= _literal_characters(av[1])
        elif op is sre.ATOMIC_GROUP:
            found |= _literal_characters(av)
    return found


def test_case_folding_answers_for_every_literal_of_every_table() -> None:
    """`re` matches a text character with a literal under IGNORECASE only when their case
    folds agree, UNFOLDABLE aside: what makes a needle missing from the case fold proof that
    the table cannot match."""
    tables = _tables()
    assert len(tables) > 60
    parser = importlib.import_module("re._parser")
    characters: set[str] = set()
    for table in tables.values():
        if table.flags & re.IGNORECASE:
            characters |= _literal_characters(parser.parse(table.pattern, table.flags))
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    disagreeing = {
        (literal, char)
        for literal in characters
        for char in re.findall(re.escape(literal), every, re.IGNORECASE)
        if char.casefold() != literal.casefold() and char not in UNFOLDABLE
    }
    assert len(characters) > 40
    assert disagreeing == set()


def _texts() -> list[str]:
    """What understanding searches, from the labelled corpus and the real-world mail: subjects
    with new text, signatures, sentences."""
    root = Path(__file__).resolve().parent
    paths = sorted(root.glob("corpus/*/*/*.eml"))
    shared = root.parents[1] / "shared" / "realworld-mail"
    paths += sorted(shared.glob("*.eml")) if shared.is_dir() else []
    texts: list[str] = []
    for path in random.Random(3).sample(paths, min(len(paths), 500)):
        message = parse_message(path.read_bytes(), ["alex@example.com"])
        texts += [f"{message.subject}\n{message.new_text}", message.signature]
        texts += [s for s in re.split(r"(?<=[.?!\n])\s+", message.new_text) if s][:20]
    return texts


def test_no_table_misses_a_match_in_real_mail() -> None:
    texts = _texts()
    assert len(texts) > 2000
    skipped = missed = pruned = 0
    for name, table in _tables().items():
        for text in texts:
            regex = table._regex_for(text)
            if regex is None:
                skipped += 1
                if table.regex.search(text) is not None:
                    missed += 1
                    raise AssertionError(f"{name} skipped {text[:200]!r}, which it matches")
            elif regex is not table.regex:  # searched with some of its alternatives
                pruned += 1
                found = [m.span() for m in regex.finditer(text)]
                assert found == [m.span() for m in table.regex.finditer(text)], (name, text)
    # The needles do their job: most searches of most tables are skipped, many of the others
    # need only some of the table's alternatives.
    assert skipped > 0.5 * len(texts) * len(_tables())
    assert pruned > 1000
    assert missed == 0
