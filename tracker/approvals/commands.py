"""The owner's reply to the approval digest → the commands it gives and the lines it could not read.

Pure: text in, commands and problems out; no store, no clock, no mail. The owner writes
one command a line, above the quoted digest (or below it, or between its quoted lines):

    approve K7Q2        approve all        skip K7Q2 M3X9        stop K7Q2
    snooze K7Q2 3d      edit K7Q2
                        <the new text of the draft, as many lines as it takes>
                        end

Nothing is guessed. A misspelt verb, a code not of the alphabet's shape, a snooze that is
not `Nh`/`Nd`/`Nw` within 90 days, or an `edit` that no `end` closes is reported back and
does nothing; two commands about one draft are both reported as a conflict and neither
applies. Blank lines, greetings, thanks, signatures and the quoted digest (which shows
the very example lines above) are skipped without a word.

The quote is found with quoting.py's rules but over the whole text, not from
`Message.new_text`: the new text of an `edit` usually ends in a sign-off ("Best,\\nAlex")
that the signature rule cuts away, and the owner often pastes the draft from the quoted
digest with its `>` marks still on, which new_text drops as quoted.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
import secrets
import textwrap
from collections.abc import Container
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, get_args

from tracker.errors import FollowupError
from tracker.understand.parse import Message

# quoting.py keeps its line classification private; split_quoted's three strings cannot be
# mapped back to lines, and edit blocks need the lines (see the module docstring).
from tracker.understand.quoting import _find_top_post_cut

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: nothing to misread
CODE_LENGTH = 4
MAX_SNOOZE = timedelta(days=90)

Verb = Literal["approve", "skip", "snooze", "stop", "edit"]
_VERBS: dict[str, Verb] = {verb: verb for verb in get_args(Verb)}


@dataclass(frozen=True)
class Command:
    """One thing the owner asked for about one draft (or about all, for `approve all`)."""

    verb: Verb
    code: str | None  # None only for `approve all`
    snooze: timedelta | None  # for snooze
    text: str | None  # for edit: the new body
    line: str  # the line as written (for reporting back)


@dataclass(frozen=True)
class ReplyCommands:
    """The commands to apply, and what to tell the owner about the rest of the reply."""

    commands: tuple[Command, ...]
    problems: tuple[str, ...]  # human-readable: "line 3: 'aprove K7Q2' is not a command I know"


# --- codes ---------------------------------------------------------------------------------

_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_MAX_CODE_ATTEMPTS = 1000


def new_code(taken: Container[str]) -> str:
    """A random draft code (from `secrets`: codes must not be guessable) not in `taken`."""
    for _ in range(_MAX_CODE_ATTEMPTS):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code
    raise FollowupError(
        f"No free draft code found in {_MAX_CODE_ATTEMPTS} tries: far too many drafts are open."
    )


def normalise_code(text: str) -> str | None:
    """`text` as a draft code ("k7q2" → "K7Q2"), or None when it is not one. No guessing:
    "K7O2" (letter O) is not "K702", it is no code at all."""
    candidate = text.strip().upper()
    return candidate if _CODE.fullmatch(candidate) else None


# --- one line --------------------------------------------------------------------------------

# "- approve", "* approve", "• approve", "1. approve", "2) approve", "(3) approve", "[x] approve".
_BULLET = re.compile(r"^(?:[-*•·–—+]+|\d{1,3}[.)]|\(\d{1,3}\)|\[[ xX]?\])\s*")
_VERB_AND_REST = re.compile(r"^([^\W\d_]+)\s*:?\s*(.*)$")  # "approve K7Q2", "approve: K7Q2"
_TRAILING_PUNCTUATION = re.compile(r"[\s.!;,:]+$")
_ARGUMENT_SEPARATOR = re.compile(r"[\s,;]+")
_CODE_WRAPPING = "[]()<>#\"'*`"  # "[K7Q2]" as the digest shows it, "#K7Q2", "*K7Q2*"
_DURATION = re.compile(r"(\d{1,4})([hdw])", re.IGNORECASE)
_DURATION_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_HAS_WORDS = re.compile(r"\w")
_QUOTE_MARK = re.compile(r"^\s*> ?")


@dataclass(frozen=True)
class _LineCommand:
    """A well-formed command line: its verb, the codes it names and the snooze length."""

    verb: Verb
    codes: tuple[str | None, ...]  # (None,) for `approve all`
    snooze: timedelta | None = None


def _verb_and_rest(line: str) -> tuple[str, str] | None:
    """The first word, lower-cased, and the rest, without bullets or trailing punctuation."""
    body = _TRAILING_PUNCTUATION.sub("", _BULLET.sub("", line.strip(), count=1))
    match = _VERB_AND_REST.match(body)
    return (match.group(1).lower(), match.group(2)) if match else None


def _starts_with_verb(line: str) -> bool:
    words = _verb_and_rest(line)
    return words is not None and words[0] in _VERBS


def snooze_length(token: str) -> timedelta | None:
    """`12h`, `3d` or `2w` as a timedelta (at most MAX_SNOOZE); None for anything else."""
    match = _DURATION.fullmatch(token)
    if match is None:
        return None
    length = int(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
    return length if timedelta(0) < length <= MAX_SNOOZE else None


def _read_command(line: str) -> _LineCommand | str | None:
    """The command on `line`; a reason when it starts with a verb but is not one; None
    when it does not start with a verb at all."""
    words = _verb_and_rest(line)
    verb = _VERBS.get(words[0]) if words is not None else None
    if words is None or verb is None:
        return None
    tokens = [token.strip(_CODE_WRAPPING) for token in _ARGUMENT_SEPARATOR.split(words[1])]
    tokens = [token for token in tokens if token]
    if [token.lower() for token in tokens] == ["all"]:
        if verb == "approve":
            return _LineCommand("approve", (None,))
        return "only approve takes `all`"
    snooze: timedelta | None = None
    if verb == "snooze":
        snooze = snooze_length(tokens[-1]) if len(tokens) >= 2 else None
        if snooze is None:
            return "snooze takes a draft code and how long, from 1h to 90d: e.g. 3d, 2w or 12h"
        tokens = tokens[:-1]
    if not tokens:
        return f"{verb} needs a draft code" + (", or `all`" if verb == "approve" else "")
    codes: list[str] = []
    for token in tokens:
        code = normalise_code(token)
        if code is None:
            return f"'{_shown(token)}' is not a draft code"
        if code in codes:
            return f"{code} is named twice"
        codes.append(code)
    if verb == "edit" and len(codes) != 1:
        return "edit takes one draft code, then the new text on the lines below, then `end`"
    return _LineCommand(verb, tuple(codes), snooze)


def _shown(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- courtesy and signatures ---------------------------------------------------------------

_NAME = r"(?:[\s,]+[^\W\d_][\w.'-]{0,30}){0,2}"  # "Hi Alex,", "Thanks, Alex Doe"
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening)|hallo|guten\s+(?:morgen|tag)|"
    r"moin|servus|bonjour|salut|hola|buen[oa]s\s+(?:d[ií]as|tardes|noches)|buenas)"
    rf"{_NAME}[\s,!.:]*$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^(?:ok(?:ay)?[\s,!.]+)?"
    r"(?:thanks|thank\s+you|thx|many\s+thanks|cheers|best|regards|all\s+the\s+best|sincerely|"
    r"(?:best|kind|warm|warmest)\s+(?:regards|wishes)|"
    r"danke(?:\s+sch[öo]n)?|vielen\s+dank|(?:viele|beste|liebe)\s+gr[üu](?:ß|ss)e|gr[üu](?:ß|ss)e|"
    r"merci(?:\s+beaucoup)?|cordialement|bien\s+(?:cordialement|[àa]\s+vous)|bonne\s+journ[ée]e|"
    r"gracias|muchas\s+gracias|saludos|un\s+saludo|atentamente)"
    r"(?:\s+(?:a\s+lot|so\s+much|again|very\s+much|in\s+advance))?"
    rf"{_NAME}[\s,!.:)]*$",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^(?:sent\s+from\s+my\b|sent\s+from\s+(?:mail|outlook|yahoo\s+mail)\b|sent\s+with\b|"
    r"sent\s+via\b|get\s+outlook\s+for\b|von\s+meinem\b.*\bgesendet\b|gesendet\s+von\b|"
    r"envoy[ée]\s+(?:de|depuis)\s+mon\b|enviado\s+desde\s+mi\b)",
    re.IGNORECASE,
)
# The owner signing with a bare name ("Alex", "Alex Doe") as the last line they wrote.
_NAME_LINE = re.compile(r"[^\W\d_][\w.'-]{0,30}(?:\s+[^\W\d_][\w.'-]{0,30}){0,2}")
# A sign-off is followed by a name block of a few short lines, not by more commands.
_MAX_NAME_BLOCK_LINES = 4
_MAX_NAME_BLOCK_WIDTH = 60
_MAX_REPORTED_PROBLEMS = 20
_MAX_RIVALS = 3  # conflicting lines named in one problem


def _is_name(line: str) -> bool:
    """A bare name, and not a misspelt verb ("Aprove" is reported, not taken for a name)."""
    if not (_NAME_LINE.fullmatch(line) and line[0].isupper()):
        return False
    first_word = line.split(maxsplit=1)[0].lower()
    return not difflib.get_close_matches(first_word, _VERBS, n=1, cutoff=0.75)


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_signature_delimiter(line: str) -> bool:
    return line.rstrip() == "--"  # "-- " by RFC 3676, "--" after clients strip the space


# --- the reply -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Where the owner's words are: lines[:cut], minus `>` lines and attribution lines."""

    lines: list[str]
    cut: int
    attributions: frozenset[int]
    written: tuple[int, ...]  # indices of the owner's non-blank lines, in order

    @classmethod
    def of(cls, lines: list[str]) -> _Layout:
        cut, attributions = _find_top_post_cut(lines)
        written = tuple(
            index
            for index in range(cut)
            if lines[index].strip() and index not in attributions and not _is_quoted(lines[index])
        )
        return cls(lines, cut, frozenset(attributions), written)

    def _written_after(self, index: int, at_most: int) -> tuple[int, ...] | None:
        """The owner's lines after `index`; None when there are more than `at_most`."""
        position = bisect.bisect_right(self.written, index)
        if len(self.written) - position > at_most:
            return None
        return self.written[position:]

    def only_name_block_after(self, index: int) -> bool:
        """Whether the owner wrote nothing after `index` but a short name block."""
        rest = self._written_after(index, at_most=_MAX_NAME_BLOCK_LINES)
        return rest is not None and all(
            len(self.lines[i].strip()) <= _MAX_NAME_BLOCK_WIDTH
            and not _starts_with_verb(self.lines[i])
            for i in rest
        )

    def is_last_written(self, index: int) -> bool:
        """Whether the owner wrote nothing after the line at `index`."""
        return self._written_after(index, at_most=0) is not None

    def edit_end(self, start: int) -> int | None:
        """Index of the `end` line closing an edit whose text starts at `start`; None when
        the quote (or the text) begins first. `>` lines are part of the new text."""
        for index in range(start, self.cut):
            if index in self.attributions:
                return None
            if self.lines[index].strip().lower() == "end":
                return index
        return None


def _unclosed_edit(code: str | None) -> str:
    edit = f"edit {code}" if code else "edit"
    return f"{edit}: no line `end` closes the new text, so nothing below it was read"


def _edit_text(block: list[str]) -> str:
    """The new draft text: `>` removed when every line has it, blank edges and common
    indentation trimmed, everything else exactly as written."""
    written = [line for line in block if line.strip()]
    if written and all(_is_quoted(line) for line in written):
        block = [_QUOTE_MARK.sub("", line, count=1) for line in block]
    while block and not block[-1].strip():
        block = block[:-1]
    while block and not block[0].strip():
        block = block[1:]
    return textwrap.dedent("\n".join(block))


def parse_command_text(text: str) -> ReplyCommands:
    """The commands in the plain text of a reply. Quoted text (the digest), greetings,
    thanks and signatures are skipped; anything else that is not a command is reported."""
    lines = text.splitlines()
    layout = _Layout.of(lines)
    found: list[tuple[int, Command]] = []
    problems: list[tuple[int, str]] = []
    index = 0
    owners_lines = frozenset(layout.written)
    while index < layout.cut:
        line = lines[index].strip()
        if index not in owners_lines:
            index += 1
            continue
        if _is_signature_delimiter(lines[index]):
            break
        if not _HAS_WORDS.search(line) or _MOBILE_SIGNATURE.match(line):
            index += 1
            continue
        reading = _read_command(line)
        if reading is None:
            if _THANKS.match(line) and layout.only_name_block_after(index):
                break
            courtesy = _GREETING.match(line) or _THANKS.match(line)
            signed = _is_name(line) and layout.is_last_written(index)
            if not (courtesy or signed):
                problems.append((index, f"'{_shown(line)}' is not a command I know"))
        elif isinstance(reading, str):
            problems.append((index, f"'{_shown(line)}' is not a command I know ({reading})"))
            if (_verb_and_rest(line) or ("", ""))[0] == "edit":
                # The lines below are the new text of a draft, not commands: acting on an
                # "approve" in them would be a guess. Skip them as the edit would have.
                end = layout.edit_end(index + 1)
                if end is None:
                    problems.append((index, _unclosed_edit(None)))
                    break
                index = end + 1
                continue
        elif reading.verb == "edit":
            code = reading.codes[0]
            end = layout.edit_end(index + 1)
            if end is None:
                problems.append((index, _unclosed_edit(code)))
                break
            new_text = _edit_text(lines[index + 1 : end])
            if new_text:
                found.append((index, Command("edit", code, None, new_text, line)))
            else:
                problems.append((index, f"edit {code}: the new text before `end` is empty"))
            index = end + 1
            continue
        else:
            found.extend(
                (index, Command(reading.verb, code, reading.snooze, None, line))
                for code in reading.codes
            )
        index += 1
    commands, conflicts = _set_aside_conflicts(found)
    return ReplyCommands(
        commands=tuple(command for _, command in commands),
        problems=_numbered(problems + conflicts),
    )


def parse_commands(message: Message) -> ReplyCommands:
    """The commands in a parsed reply to the digest (its whole plain text, HTML-only
    replies included; see the module docstring for why not just its new text)."""
    if message.unparseable is not None:
        return ReplyCommands((), (f"the reply could not be read ({message.unparseable})",))
    return parse_command_text(message.text)


def _set_aside_conflicts(
    found: list[tuple[int, Command]],
) -> tuple[list[tuple[int, Command]], list[tuple[int, str]]]:
    """Commands that are alone about their draft, and a problem for each one that is not.

    `approve all` is about every draft, so it conflicts with any command naming a code.
    Duplicates conflict too: which of two snoozes or two edits was meant is a guess.
    """
    by_code: dict[str | None, list[int]] = {}
    for at, (_, command) in enumerate(found):
        by_code.setdefault(command.code, []).append(at)
    everything = by_code.pop(None, [])
    # A line names a code at most once, so each line appears at most once in a group.
    rival_lines: dict[int, list[int]] = {}  # position in found → lines of its group, sorted
    lines_against_everything: set[int] = set()
    for members in [*by_code.values(), []]:
        group = members + everything
        if len(group) > 1:
            lines = sorted(found[at][0] for at in group)
            rival_lines.update(dict.fromkeys(members, lines))
            lines_against_everything.update(lines)
    if lines_against_everything:
        rival_lines.update(dict.fromkeys(everything, sorted(lines_against_everything)))
    line_at = {index: command.line for index, command in found}
    problems: list[tuple[int, str]] = []
    for at in sorted(rival_lines):
        index, command = found[at]
        group_lines = rival_lines[at]  # its own line included, once
        named = itertools.islice((line for line in group_lines if line != index), _MAX_RIVALS)
        described = ", ".join(f"line {other + 1} ('{_shown(line_at[other])}')" for other in named)
        if len(group_lines) - 1 > _MAX_RIVALS:
            described += f" and {len(group_lines) - 1 - _MAX_RIVALS} more"
        about = f" about {command.code}" if command.code else ""
        whom = "neither was" if len(group_lines) == 2 else "none of them was"
        problems.append(
            (index, f"'{_shown(command.line)}' conflicts with {described}{about}; {whom} applied")
        )
    kept = [item for at, item in enumerate(found) if at not in rival_lines]
    return kept, problems


def _numbered(problems: list[tuple[int, str]]) -> tuple[str, ...]:
    """Problems in line order, each once, prefixed with its 1-based line number; a long
    list is cut (a pasted document should not come back as a hundred complaints)."""
    in_order = sorted(problems, key=lambda problem: problem[0])
    ordered = list(dict.fromkeys(f"line {index + 1}: {text}" for index, text in in_order))
    if len(ordered) > _MAX_REPORTED_PROBLEMS:
        hidden = len(ordered) - _MAX_REPORTED_PROBLEMS
        ordered = [*ordered[:_MAX_REPORTED_PROBLEMS], f"... and {hidden} more problems"]
    return tuple(ordered)
