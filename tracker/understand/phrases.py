"""Phrase tables compiled into one regex each, with the shared word boundary tried once.

Python's `re` tries every alternative of `\\bfoo|\\bbar|...` at every position of the text,
although each one starts by asking for a word boundary that most positions (inside words)
cannot give. When every alternative starts with `\\b`, `\\b(?:foo|bar|...)` finds the same
matches at the same places (the alternatives are tried in the same order wherever a boundary
is) and fails at once inside words: 3-4x faster on the phrase tables of understanding.
A lookbehind written before the boundary (`(?<!your )\\b`) is moved after it, which means the
same since both look at one position. A pattern with any alternative that does not start with
a boundary is compiled as written.

A compiled table (`Phrases`) also knows the literals one of which every match contains, and
does not search a text that holds none of them, nor with the alternatives whose literals the
text does not hold (below).
"""

from __future__ import annotations

import functools
import importlib
import operator
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Any

import ahocorasick

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


def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile(hoist_boundary(pattern, bool(flags & re.VERBOSE)), flags)


def compile_phrases(pattern: str, flags: int = 0) -> Phrases:
    """`re.compile` of a phrase table, its shared leading word boundary hoisted."""
    return Phrases(_compiled(pattern, flags))


def any_of(*phrases: str, flags: int = re.IGNORECASE | re.UNICODE) -> Phrases:
    """One alternation of regex fragments, tried in the order given."""
    return Phrases(_compiled("|".join(f"(?:{phrase})" for phrase in phrases), flags), phrases)


# --- the words a match must contain ----------------------------------------------------------
#
# Most phrase tables find nothing in most mail, and `re` finds that out slowly: it tries the
# table's every alternative at every word start. Each alternative holds some literal text any
# match of it contains ("regret to inform you", "podcast"), so a table matches only a text that
# contains one of its alternatives' literals, which one pass of an Aho-Corasick automaton
# (pyahocorasick) over the text's case fold finds. When it finds none, the table cannot match
# and is not run; otherwise the table itself answers, so every answer is the table's own.
#
# The literals are read from `re`'s own parse of the pattern (`re._parser`, the parser
# `re.compile` uses; a pattern it cannot read is simply run every time). Case fold is sound
# for IGNORECASE: `re` matches a character with a literal only when their case folds are equal,
# except for the two characters in `UNFOLDABLE` (tests/test_phrases.py checks it against `re`
# for every character of every literal); a text holding one of them is given to the table.

UNFOLDABLE = "\u0130\u0131"  # İ and ı: `re` matches them with "i", their case folds differ

_Needles = frozenset[str]


def _needles(items: Iterable[tuple[Any, Any]]) -> _Needles | None:
    """Strings (case-folded), one of which every match of the parsed `items` contains, or
    None when some match may contain none of the literals found."""
    sre = importlib.import_module("re._constants")
    best: _Needles | None = None

    def consider(found: Iterable[str] | None) -> None:
        nonlocal best
        if found is None:
            return
        # Spaces at either end are common everywhere: the rest is as required and rarer.
        needles = frozenset(needle.casefold().strip() for needle in found)
        if "" not in needles and (best is None or _strength(needles) > _strength(best)):
            best = needles

    # The literal text read so far: each string one way it may be spelled ("user research",
    # "user interview" for `user (?:research|interview)`).
    run: set[str] = {""}
    for op, av in (*items, (None, None)):
        spellings = _spellings(op, av, sre)
        if spellings is not None and len(run) * len(spellings) <= _MAX_SPELLINGS:
            run = {before + after for before in run for after in spellings}
            continue
        consider(run)
        run = {""}
        if op is sre.SUBPATTERN:
            consider(_needles(av[3]))
        elif op is sre.ATOMIC_GROUP:
            consider(_needles(av))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_needles(av[2]))
        elif op is sre.BRANCH:
            branches = [_needles(alternative) for alternative in av[1]]
            if all(branch is not None for branch in branches):
                consider(frozenset[str]().union(*branches))  # type: ignore[arg-type]
    return best


_MAX_SPELLINGS = 64


def _strength(needles: _Needles) -> float:
    """How seldom a text holds one of `needles`, were each character one of ten: longer and
    fewer needles are rarer ("schedule", "book", "set up" before "call", "chat")."""
    return -sum(10.0 ** -len(needle) for needle in needles)


def _spellings(op: Any, av: Any, sre: Any) -> list[str] | None:
    """The texts a parsed item matches when they are a few plain strings (a literal, a class
    of literals, an alternation of literal strings), else None."""
    if op is sre.LITERAL:
        return [chr(av)]
    if op is sre.IN and all(kind is sre.LITERAL for kind, _ in av):
        return [chr(code) for _, code in av]
    if op is sre.BRANCH:
        texts = []
        for alternative in av[1]:
            if not all(kind is sre.LITERAL for kind, _ in alternative):
                return None
            texts.append("".join(chr(code) for _, code in alternative))
        return texts
    return None


def needles_of(pattern: str, flags: int = 0) -> _Needles | None:
    """The strings one of which the case fold of any text matched by `pattern` contains."""
    try:
        return _needles(importlib.import_module("re._parser").parse(pattern, flags))
    except (ImportError, AttributeError, re.error):  # no parser: the table runs on every text
        return None


def _fewest(needles: _Needles) -> tuple[str, ...]:
    """`needles` without those that contain another (a text holding one holds the other)."""
    return tuple(
        sorted(n for n in needles if not any(o != n and o in n for o in needles))
    )


def _folded(text: str) -> str | None:
    """`text`'s case fold, or None when case folding cannot answer for it."""
    if any(char in text for char in UNFOLDABLE):
        return None
    return text.casefold()


class _Index:
    """The needles of phrase tables in one Aho-Corasick automaton, numbered: one pass over a
    text finds which of them it holds, where one `in` a needle would scan it once a needle.
    The tables made before the first search (understanding's own) share one index
    (`_index_of`), so that each text is read once for all of them, and its answer for the
    last texts is kept; a table made later has one of its own."""

    def __init__(self, tables: Iterable[Phrases]) -> None:
        numbers: dict[str, int] = {}
        for table in tables:
            parts = [f"(?:{fragment})" for fragment in table._fragments] or [table.pattern]
            needs = []
            for needles in (needles_of(part, table.flags) for part in parts):
                needs.append(
                    None
                    if needles is None
                    else frozenset(numbers.setdefault(n, len(numbers)) for n in _fewest(needles))
                )
            table._needs = tuple(needs)
            table._any = frozenset[int]().union(*(n for n in needs if n is not None))
            table._always = None in needs
            table._index = self
        self._automaton: Any = None
        if numbers:
            self._automaton = ahocorasick.Automaton()
            for needle, number in numbers.items():
                self._automaton.add_word(needle, number)
            self._automaton.make_automaton()
        self.held = functools.lru_cache(maxsize=64)(self._held)

    def _held(self, text: str) -> frozenset[int] | None:
        """The numbers of the needles `text`'s case fold holds (None: its case fold cannot
        answer for it)."""
        folded = _folded(text)
        if folded is None or self._automaton is None:
            return None if folded is None else frozenset()
        return frozenset(map(_NUMBER, self._automaton.iter(folded)))  # the loop in C


_NUMBER = operator.itemgetter(1)  # of an (end, number) the automaton finds
_WAITING: list[Phrases] = []  # tables made before the shared index, to be read into it
_SHARED: list[_Index] = []  # the shared index, once built
_BUILDING = threading.Lock()


def _index_of(table: Phrases) -> _Index:
    """`table`'s index, built on first use (importing understanding stays cheap): the shared
    one reads the needles of every table made before, this one included if it was."""
    with _BUILDING:
        if not _SHARED:
            _SHARED.append(_Index(_WAITING))
            _WAITING.clear()
        if table._index is None:
            _Index([table])
    assert table._index is not None
    return table._index


# Real mail holds a few hundred sets of some of a table's alternatives (the labelled corpus:
# 521 in 39 tables), each compiled once; the sync bench's mail holds 13.
@functools.lru_cache(maxsize=1024)
def _pruned(table: Phrases, live: tuple[int, ...]) -> re.Pattern[str]:
    """The regex of the alternatives `live` of `table`, in their order."""
    return _compiled("|".join(f"(?:{table._fragments[i]})" for i in live), table.flags)


class Phrases:
    """A compiled phrase table: `re.Pattern`'s matching methods, which skip a text holding
    none of the literals that every match contains, and `pattern` and `flags`.

    A table made of alternatives (`any_of`) knows each one's literals, and searches a text
    with only the alternatives whose literals it holds: the same matches, since the others
    match nowhere in it (not for a table with groups, whose numbers would move).
    """

    __slots__ = (
        "_always", "_any", "_fragments", "_index", "_needs", "flags", "pattern", "regex",
    )  # fmt: skip

    def __init__(self, regex: re.Pattern[str], fragments: Sequence[str] = ()) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        self.flags = regex.flags
        self._fragments = tuple(fragments) if len(fragments) > 1 and not regex.groups else ()
        self._index: _Index | None = None
        self._needs: tuple[frozenset[int] | None, ...] = ()  # each alternative's needles
        self._any: frozenset[int] = frozenset()  # all of them
        self._always = True  # an alternative may match without any
        if not _SHARED:
            _WAITING.append(self)

    def _regex_for(self, text: str) -> re.Pattern[str] | None:
        """The regex that finds the table's matches in `text` (the table's own, or one of
        only the alternatives whose needles `text` holds), or None when nothing can match."""
        held = (self._index or _index_of(self)).held(text)
        if held is None:
            return self.regex
        if not self._always and self._any.isdisjoint(held):
            return None
        live = tuple(
            i for i, needs in enumerate(self._needs) if needs is None or not needs.isdisjoint(held)
        )
        return self.regex if len(live) == len(self._needs) else _pruned(self, live)

    def may_match(self, text: str) -> bool:
        """False when no part of `text` can match (True says nothing)."""
        return self._regex_for(text) is not None

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        regex = self._regex_for(text)
        return regex.search(text, pos, endpos) if regex is not None else None

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        regex = self._regex_for(text)
        return regex.match(text, pos, endpos) if regex is not None else None

    def fullmatch(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        regex = self._regex_for(text)
        return regex.fullmatch(text, pos, endpos) if regex is not None else None

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        regex = self._regex_for(text)
        return regex.finditer(text, pos, endpos) if regex is not None else iter(())

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        regex = self._regex_for(text)
        return regex.sub(repl, text, count) if regex is not None else text

    def __repr__(self) -> str:
        return f"Phrases({self.regex!r})"
