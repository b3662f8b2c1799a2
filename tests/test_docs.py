"""The README stays true: its configuration reference is the one the settings model makes."""

from __future__ import annotations

from pathlib import Path

from tracker.docs import with_reference

ROOT = Path(__file__).resolve().parents[1]


def test_readme_configuration_reference_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == with_reference(readme), "run scripts/update-docs and commit README.md"


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## ", 1)[0]
    assert "./scripts/demo" in quick_start
    assert "./scripts/test" in quick_start
    assert "bash scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
