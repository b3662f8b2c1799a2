"""The `followup` console script, also `python -m tracker`.

`followup [--config PATH] run`, the command systemd keeps running for days, goes straight to
`tracker.daemon`: the command line's own imports (typer, rich, and the modules of commands the
daemon never runs) would cost it ~3 MB of memory for as long as it runs. Every other command
line, `run --help` and anything `run` would refuse included, is `tracker.cli`'s to parse.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def daemon_arguments(argv: Sequence[str]) -> list[str] | None:
    """`tracker.daemon.main`'s arguments when `argv` is exactly `[--config PATH] run` (the
    forms the full command line accepts for it); None for anything else."""
    if not argv or argv[-1] != "run":
        return None
    options = list(argv[:-1])
    match options:
        case []:
            return options
        case ["--config", path] if path and not path.startswith("-"):
            return options
        case [option] if option.startswith("--config=") and option != "--config=":
            return options
    return None


def main() -> None:
    arguments = daemon_arguments(sys.argv[1:])
    if arguments is not None:
        from tracker.daemon import main as run_daemon  # noqa: PLC0415 - see the docstring

        raise SystemExit(run_daemon(arguments))
    from tracker.cli import main as run_command_line  # noqa: PLC0415 - see the docstring

    run_command_line()


if __name__ == "__main__":
    main()
