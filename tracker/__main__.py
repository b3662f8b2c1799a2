"""`python -m tracker`, the same as the `followup` console script."""

from __future__ import annotations

from tracker.cli import main

if __name__ == "__main__":
    main()
