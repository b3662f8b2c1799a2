"""Phrase tables: the hoisted word boundary finds exactly what the pattern as written finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.understand.phrases import any_of, compile_phrases, hoist_boundary

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
