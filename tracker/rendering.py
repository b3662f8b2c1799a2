"""Jinja2 templates: the bundled ones in tracker/templates/, overridable file by file from the
`templates.directory` setting, rendered with errors that name the file and the line.

Drafts and the digest's text part are plain text (no escaping: it would corrupt "&" and quotes
in names); the digest's HTML part escapes everything, because it shows text from other
people's mail, which must never become markup.

Jinja2 is imported at the first rendering, not with this module: the daemon renders only when
it drafts or sends a digest, and spends ~3 MB less memory until then.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tracker.errors import FollowupError

if TYPE_CHECKING:
    import jinja2


class TemplateProblem(FollowupError):
    """A template fails to load or render; the message names the file and the line."""

    exit_code = 2


@lru_cache(maxsize=16)
def _environment(directory: str | None, html: bool) -> jinja2.Environment:
    import jinja2  # noqa: PLC0415 - at the first rendering (see the docstring)

    loaders: list[jinja2.BaseLoader] = []
    if directory is not None:
        loaders.append(jinja2.FileSystemLoader(directory))
    loaders.append(jinja2.PackageLoader("tracker", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=html,  # noqa: S701 - on for HTML, off for plain text (see the docstring)
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )


def render_template(
    name: str, directory: Path | None, variables: dict[str, Any], *, html: bool = False
) -> str:
    """Render the template `name` (the user's copy in `directory` when there is one)."""
    import jinja2  # noqa: PLC0415 - at the first rendering (see the docstring)

    environment = _environment(str(directory) if directory is not None else None, html)
    try:
        template = environment.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise template_problem(
            exc.filename, name, exc.lineno, exc.message or "syntax error"
        ) from exc
    except jinja2.TemplateError as exc:
        raise template_problem(None, name, None, str(exc)) from exc
    try:
        return template.render(variables)
    except jinja2.TemplateSyntaxError as exc:  # in a file the template includes
        raise template_problem(
            exc.filename, name, exc.lineno, exc.message or "syntax error"
        ) from exc
    # A user's template can fail in any way a Python expression can; each is the template's
    # fault and is reported with its line rather than as a crash.
    except Exception as exc:
        filename, line = _template_line(exc.__traceback__)
        what = str(exc) or type(exc).__name__
        raise template_problem(filename or template.filename, name, line, what) from exc


def template_problem(
    filename: str | None, name: str, line: int | None, what: str
) -> TemplateProblem:
    location = f"{filename or name}:{line}" if line is not None else (filename or name)
    return TemplateProblem(
        f"{location}: the template {name} failed: {what}. Fix it, or remove it to use the "
        "bundled one."
    )


def _template_line(traceback: TracebackType | None) -> tuple[str | None, int | None]:
    """The template file and line a rendering error came from (Jinja2 rewrites the frames)."""
    where: tuple[str | None, int | None] = (None, None)
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = (filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return where
