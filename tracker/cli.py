"""The `followup` command: parses arguments, calls the piece that owns the job, prints."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from tracker import config
from tracker.errors import FollowupError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="followup: polite, approved check-ins on your hiring threads.",
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(no_args_is_help=True, help="Check the configuration or print its schema.")
app.add_typer(config_app, name="config")

err = Console(stderr=True, highlight=False)
T = TypeVar("T")


@dataclass
class Globals:
    config_path: Path


def _globals(ctx: typer.Context) -> Globals:
    obj = ctx.find_root().obj
    assert isinstance(obj, Globals)
    return obj


@app.callback()
def _root(
    ctx: typer.Context,
    config_path: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="The YAML configuration (default: $FOLLOWUP_CONFIG, "
            "then ~/.config/followup/config.yaml).",
        ),
    ] = None,
) -> None:
    ctx.obj = Globals(config_path=config_path or config.default_config_path(os.environ))


def _run(action: Callable[[], T]) -> T:
    """Run `action`, turning a FollowupError into its message and exit code (no traceback)."""
    try:
        return action()
    except FollowupError as exc:
        err.print(f"followup: {exc}", markup=False)
        raise typer.Exit(exc.exit_code) from None


def _print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


@config_app.command("check")
def config_check(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="The file to check (default: the --config file).")
    ] = None,
) -> None:
    """Validate a configuration file and list every problem in it."""
    target = path or _globals(ctx).config_path
    _run(lambda: config.load_settings(target, environ=os.environ))
    err.print(f"{target}: ok", markup=False)


@config_app.command("schema")
def config_schema() -> None:
    """Print the JSON Schema of the configuration (for yaml-language-server and editors)."""
    _print_json(config.settings_schema())


def main() -> None:
    app()
