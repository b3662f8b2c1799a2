"""HTML mail body → readable plain text, with blockquotes kept as `>` quoted lines.

A real HTML parser (the stdlib's `HTMLParser`), not regular expressions: mail HTML is
full of unclosed tags, comments inside `<style>` and conditional comments, and the
quoting code downstream needs the line structure (block elements, `<br>`, lists) and
the quote depth (`<blockquote>`) to find where the new text ends.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

# Elements whose content is never shown to the reader.
_HIDDEN = frozenset({"script", "style", "head", "title", "noscript", "template", "xml", "object"})
# Elements that start and end on a line of their own.
_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "legend",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "caption",
        "body",
        "html",
    }
)
# Block elements that are separated from what follows by an empty line.
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr"})
_SPACES = re.compile(r"[ \t\r\n\f\u200b]+")
_BLANK_RUNS = re.compile(r"\n{3,}")
_CHUNK = 16 * 1024


class _TextCollector(HTMLParser):
    """Collects visible text as lines, each tagged with the blockquote depth it is in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.collected = 0  # characters of text so far, to stop early on huge input
        self._current: list[str] = []
        self._hidden_depth = 0
        self._hidden_tag: list[str] = []
        self._quote_depth = 0
        self._pre_depth = 0
        self._list_stack: list[int] = []  # 0 for <ul>, else the next <ol> number

    # --- line assembly -------------------------------------------------------------

    def _newline(self, *, blank: bool = False) -> None:
        line = "".join(self._current).strip(" ") if not self._pre_depth else "".join(self._current)
        self._current = []
        if line:
            self.lines.append((self._quote_depth, line))
        if blank and self.lines and self.lines[-1][1] != "":
            self.lines.append((self._quote_depth, ""))

    def _write(self, text: str) -> None:
        if self._pre_depth:
            parts = text.split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._newline()
                self._current.append(part)
            return
        text = _SPACES.sub(" ", text)
        if not self._current or "".join(self._current).endswith(" "):
            text = text.lstrip(" ")
        if text:
            self._current.append(text)
            self.collected += len(text)

    # --- HTMLParser callbacks ------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            if tag not in _VOID:
                self._hidden_depth += 1
                self._hidden_tag.append(tag)
            return
        if self._hidden_depth:
            return
        if tag == "br":
            self._newline()
        elif tag == "blockquote":
            self._newline(blank=False)
            self._quote_depth += 1
        elif tag in ("ul", "ol"):
            self._newline()
            self._list_stack.append(0 if tag == "ul" else 1)
        elif tag == "li":
            self._newline()
            if self._list_stack and self._list_stack[-1]:
                number = self._list_stack[-1]
                self._list_stack[-1] += 1
                self._current.append(f"{number}. ")
            else:
                self._current.append("- ")
        elif tag == "pre":
            self._newline()
            self._pre_depth += 1
        elif tag in ("td", "th"):
            if self._current and not "".join(self._current).endswith(" "):
                self._current.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and alt.strip():
                self._write(f" {alt.strip()} ")
        elif tag in _BLOCK:
            self._newline(blank=tag in _PARAGRAPH)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # `<br/>` and `<div/>`: never open a container, whatever the tag.
        if tag in _HIDDEN or self._hidden_depth:
            return
        if tag == "br" or tag in _BLOCK:
            self._newline()
        elif tag == "img":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            if tag in self._hidden_tag:
                # Unwind to the matching opener: an unclosed <style> inside must not hide
                # the rest of the message.
                while self._hidden_tag:
                    self._hidden_depth -= 1
                    if self._hidden_tag.pop() == tag:
                        break
            return
        if self._hidden_depth:
            return
        if tag == "blockquote":
            self._newline()
            self._quote_depth = max(0, self._quote_depth - 1)
        elif tag in ("ul", "ol"):
            self._newline(blank=True)
            if self._list_stack:
                self._list_stack.pop()
        elif tag == "pre":
            self._newline(blank=True)
            self._pre_depth = max(0, self._pre_depth - 1)
        elif tag in _BLOCK or tag == "li":
            self._newline(blank=tag in _PARAGRAPH)

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._write(data)

    def finish(self) -> str:
        self.close()
        self._newline()
        out: list[str] = []
        for depth, line in self.lines:
            prefix = "> " * depth if depth else ""
            out.append(f"{prefix}{line}".rstrip() if line else prefix.rstrip())
        return _BLANK_RUNS.sub("\n\n", "\n".join(out)).strip("\n")


def html_to_text(html: str, max_chars: int | None = None) -> str:
    """Visible text of `html`: blocks on their own lines, blockquotes as `> ` lines.

    Entities are decoded; scripts, styles and the head are dropped. With `max_chars`,
    parsing stops soon after that much text was collected (a huge newsletter stays
    cheap). Never raises on malformed HTML: what was collected before a failure is kept.
    """
    collector = _TextCollector()
    try:
        for start in range(0, len(html), _CHUNK):
            collector.feed(html[start : start + _CHUNK])
            if max_chars is not None and collector.collected > max_chars:
                break
        return collector.finish()
    except (AssertionError, ValueError, IndexError) as exc:  # pragma: no cover - defensive
        # HTMLParser is tolerant, but has raised on pathological markup in past releases.
        logger.debug("html parse stopped early error=%s", type(exc).__name__)
        collector._newline()
        return "\n".join(line for _, line in collector.lines)
