"""Phrase tables compiled into one regex each, with the shared word boundary tried once.

Python's `re` tries every alternative of `\\bfoo|\\bbar|...` at every position of the text,
although each one starts by asking for a word boundary that most positions (inside words)
cannot give. When every alternative starts with `\\b`, `\\b(?:foo|bar|...)` finds the same
matches at the same places (the alternatives are tried in the same order wherever a boundary
is) and fails at once inside words: 3-4x faster on the phrase tables of understanding.
A lookbehind written before the boundary (`(?<!your )\\b`) is moved after it, which means the
same since both look at one position. A pattern with any alternative that does not start with
a boundary is compiled as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

_LOOKBEHIND = re.compile(r"\(\?<[!=](?:\\.|[^()\\])*\)")


def _syntax(pattern: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, depth) of the characters of `pattern` that are regex syntax: escapes
    and character classes are skipped; `depth` counts the groups open after the character."""
    depth = 0
    in_class = False
    i = start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            depth += (char == "(") - (char == ")")
            yield i, char, depth
        i += 1


def _closing(pattern: str, start: int) -> int:
    """The index of the parenthesis closing the group opened at `start` (-1 if none)."""
    return next((i for i, char, depth in _syntax(pattern, start) if char == ")" and depth == 0), -1)


def _alternatives(pattern: str) -> list[str]:
    """`pattern` split at its top-level `|`."""
    cuts = [i for i, char, depth in _syntax(pattern) if char == "|" and depth == 0]
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[a + 1 : b] for a, b in pairwise(bounds)]


def _unbounded(alternative: str, verbose: bool) -> str | None:
    """`alternative` without its leading `\\b`, or None when it does not start with one."""
    # Whitespace means nothing in a verbose pattern; elsewhere it is text to match.
    text = alternative.strip() if verbose else alternative
    if text.startswith(r"\b"):
        return text[2:]
    end = 0
    while (behind := _LOOKBEHIND.match(text, end)) is not None:
        end = behind.end()
    if end and text.startswith(r"\b", end):
        return text[:end] + text[end + 2 :]
    if text.startswith("(?:"):
        close = _closing(text, 0)
        rest = text[close + 1 :]
        # A group every alternative of which starts with a boundary, not made optional.
        if close != -1 and not rest.lstrip().startswith(("?", "*", "+", "{")):
            inner = _all_unbounded(text[3:close], verbose)
            return None if inner is None else inner + rest
    return None


def _all_unbounded(pattern: str, verbose: bool) -> str | None:
    """`(?:a|b|...)` with each alternative's leading `\\b` removed, or None."""
    parts = [_unbounded(part, verbose) for part in _alternatives(pattern)]
    if any(part is None for part in parts):
        return None
    return "(?:" + "|".join(part for part in parts if part is not None) + ")"


def hoist_boundary(pattern: str, verbose: bool = False) -> str:
    """`pattern` with the word boundary all its alternatives start with written once, first.

    Verbose patterns must hold no `#` comments (a `|` inside one would split the pattern).
    """
    unbounded = _all_unbounded(pattern, verbose)
    return pattern if unbounded is None else r"\b" + unbounded


def compile_phrases(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile` of a phrase table, its shared leading word boundary hoisted."""
    return re.compile(hoist_boundary(pattern, bool(flags & re.VERBOSE)), flags)


def any_of(*phrases: str, flags: int = re.IGNORECASE | re.UNICODE) -> re.Pattern[str]:
    """One alternation of regex fragments, tried in the order given."""
    return compile_phrases("|".join(f"(?:{phrase})" for phrase in phrases), flags)
