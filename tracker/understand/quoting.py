"""Split a message's plain text into what it adds, what it quotes, and its signature.

Recognises the reply styles of the common clients in English, German, French and
Spanish: Gmail/Thunderbird attributions ("On <date>, <name> wrote:"), Apple Mail
("On <date>, at <time>, <name> wrote:"), Outlook header blocks ("From: ... Sent: ...")
and "-----Original Message-----" separators, forwarded-message markers, and `>`
quoting (interleaved replies keep their unquoted lines as new text). Signatures start
at the "-- " delimiter, a "Sent from my iPhone"-style line, or a closing sign-off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class QuoteSplit:
    """The three parts of a message text; each stripped, "" when absent."""

    new_text: str
    quoted_text: str
    signature: str


# Words that open an attribution line, and the verbs that close it.
_ATTRIBUTION_LEAD = re.compile(r"^[\s>\-]*(?:on|am|le|el|il|op|em|w dniu|den|på)\b", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"(?:\b(?:wrote|writes|a\s+écrit|a\s+ecrit|escribió|escribio|ha\s+escrito|scrisse|"
    r"ha\s+scritto|escreveu|napisał|skrev|написал|написала)\s*:\s*$)"
    # German and Dutch put the name after the verb: "Am ... schrieb Jane Doe <jane@x>:".
    r"|(?:\b(?:schrieb|schreef)\b.{0,200}:\s*$)",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:from|von|de|da|van|från|fra)\s*:\*?\s*\S", re.IGNORECASE)
_OUTLOOK_WHEN = re.compile(
    r"^\s*\*?(?:sent|gesendet|envoyé|envoye|enviado(?:\s+el)?|enviada(?:\s+el)?|date|datum|fecha|inviato|"
    r"verzonden|skickat|sendt)\s*:",
    re.IGNORECASE,
)
_OUTLOOK_OTHER = re.compile(
    r"^\s*\*?(?:to|an|à|para|cc|subject|betreff|objet|asunto)\s*:", re.IGNORECASE
)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|original-nachricht|"
    r"message d'origine|message original|mensaje original|forwarded message|"
    r"weitergeleitete nachricht|message transféré|mensaje reenviado)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_INTRO = re.compile(
    r"^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|"
    r"début du message réexpédié|inicio del mensaje reenviado)\s*:\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my\b|sent from (?:mail|outlook|yahoo mail|my mobile)|sent with \w+|"
    r"sent via\b|get outlook for\b|von meinem \S+ gesendet|gesendet von meinem\b|"
    r"envoyé de mon\b|envoyé depuis mon\b|enviado desde mi\b|enviado do meu\b)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:best|kind|warm|warmest|many)\s+(?:regards|wishes|thanks)|regards|best|cheers|"
    r"thanks|thank you|many thanks|thanks again|sincerely|yours sincerely|yours|all the best|"
    r"viele grüße|beste grüße|liebe grüße|mit freundlichen grüßen|freundliche grüße|grüße|"
    r"cordialement|bien cordialement|bien à vous|merci|amitiés|"
    r"saludos|un saludo|saludos cordiales|atentamente|gracias|muchas gracias)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
_CONTINUES = re.compile(r"[<,(\"'@]\s*$")
# A postscript after the signature is still the message ("P.S. you'll hear from me by Friday").
_POSTSCRIPT = re.compile(r"^\s*(?:P\.?\s?S|P\.?-S|P\.?\s?D)\b\.?", re.IGNORECASE)
_MAX_ATTRIBUTION_LINES = 3
_MAX_LINE_FOR_MARKER = 400


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index].strip():
            return index
    return None


def _attribution_span(lines: list[str], index: int) -> int:
    """How many lines (1..3) the attribution starting at `index` spans; 0 when none."""
    first = lines[index]
    if len(first) > _MAX_LINE_FOR_MARKER or not first.strip():
        return 0
    leads = bool(_ATTRIBUTION_LEAD.match(first))
    joined = first
    for span in range(1, _MAX_ATTRIBUTION_LINES + 1):
        if _ATTRIBUTION_END.search(joined):
            if leads:
                return span
            # "<name> wrote:" without "On ...": an attribution only when quoting follows.
            following = _next_nonblank(lines, index + span)
            return span if following is not None and _is_quoted(lines[following]) else 0
        if index + span >= len(lines) or not lines[index + span].strip():
            return 0
        if not leads and not _CONTINUES.search(lines[index + span - 1]):
            return 0  # without "On ...", only a visibly unfinished line runs on
        joined = f"{joined} {lines[index + span].strip()}"
    return 0


def _is_outlook_block(lines: list[str], index: int) -> bool:
    """A "From: ..." line followed closely by "Sent:"/"Date:"/"To:"-style header lines."""
    if not _OUTLOOK_FROM.match(lines[index]) or _is_quoted(lines[index]):
        return False
    block = lines[index + 1 : index + 6]
    when = sum(1 for line in block if _OUTLOOK_WHEN.match(line))
    other = sum(1 for line in block if _OUTLOOK_OTHER.match(line))
    return when >= 1 and when + other >= 2


def _find_top_post_cut(lines: list[str]) -> tuple[int, set[int]]:
    """Index where everything below is quoted (len(lines) when none) and the indices of
    attribution lines that introduce a `>` quoted block (interleaved or bottom posting)."""
    attribution_lines: set[int] = set()
    for index, line in enumerate(lines):
        if _is_quoted(line) or len(line) > _MAX_LINE_FOR_MARKER:
            continue
        if _SEPARATOR.match(line) or _FORWARD_INTRO.match(line) or _is_outlook_block(lines, index):
            return _include_rule_above(lines, index), attribution_lines
        span = _attribution_span(lines, index)
        if span:
            following = _next_nonblank(lines, index + span)
            if following is not None and _is_quoted(lines[following]):
                attribution_lines.update(range(index, index + span))
            else:
                # Quoted text without `>` markers (Outlook mobile, some webmails).
                return index, attribution_lines
    return len(lines), attribution_lines


def _include_rule_above(lines: list[str], index: int) -> int:
    """Outlook draws a "____" rule above its header block; it belongs to the quote."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    return above if above >= 0 and _RULE.match(lines[above]) else index


def _signature_start(lines: list[str]) -> int:
    """Index in `lines` (the new text) where the signature starts; len(lines) when none."""
    for index, line in enumerate(lines):
        if line.rstrip() == "--" or line == "-- ":
            return index
    nonblank = [index for index, line in enumerate(lines) if line.strip()]
    tail = nonblank[-4:]
    for index in tail:
        if _MOBILE_SIGNATURE.match(lines[index]):
            return index
    for position, index in enumerate(nonblank[-6:]):
        if _SIGN_OFF.match(lines[index]):
            after = nonblank[-6:][position + 1 :]
            # A sign-off is followed by a short name block, not by more paragraphs.
            # Keep the sign-off out of the new text only when something precedes it.
            short_tail = len(after) <= 4 and all(len(lines[i].strip()) <= 60 for i in after)
            if short_tail and any(lines[i].strip() for i in range(index)):
                return index
    return len(lines)


def split_quoted(text: str) -> QuoteSplit:
    """Separate `text` into new text, quoted text and signature. Pure; never raises."""
    lines = text.splitlines()
    cut, attribution_lines = _find_top_post_cut(lines)
    new_lines: list[str] = []
    quoted_lines: list[str] = []
    for index, line in enumerate(lines[:cut]):
        if index in attribution_lines or _is_quoted(line):
            quoted_lines.append(line)
        else:
            new_lines.append(line)
    quoted_lines.extend(lines[cut:])
    signature_at = _signature_start(new_lines)
    kept, signature = new_lines[:signature_at], new_lines[signature_at:]
    postscript = next((i for i, line in enumerate(signature) if _POSTSCRIPT.match(line)), None)
    if postscript is not None:
        gap = [""] if kept and kept[-1].strip() else []
        kept, signature = [*kept, *gap, *signature[postscript:]], signature[:postscript]
    return QuoteSplit(
        new_text="\n".join(kept).strip(),
        quoted_text="\n".join(quoted_lines).strip(),
        signature="\n".join(signature).strip(),
    )
