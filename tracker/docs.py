"""Keeps the README's configuration reference equal to the one the settings model produces."""

from __future__ import annotations

import sys
from pathlib import Path

from tracker.config import config_reference_markdown

START = "<!-- config-reference:start -->"
END = "<!-- config-reference:end -->"


def with_reference(readme: str) -> str:
    """`readme` with the text between the reference markers replaced by the generated table."""
    head, start, rest = readme.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README.md lacks the markers {START} ... {END}")
    return f"{head}{START}\n{config_reference_markdown().strip()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else Path("README.md")
    path.write_text(with_reference(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
