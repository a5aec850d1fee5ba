"""The Jinja environment: sandboxed, autoescaped, strict, overridable directory by directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateError
from ..resources import builtin_templates
from .visuals import qr

#: The template every pack starts from.
PACK_TEMPLATE = "pack.html"
#: What a sandboxed template can raise by its own fault while rendering.
_TEMPLATE_RUNTIME_ERRORS = (
    jinja2.TemplateError,
    ArithmeticError,
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
    MemoryError,
)
#: Prefix that always reaches the built-in templates, for `{% extends "!default/x.html" %}`.
DEFAULT_PREFIX = "!default"


def format_date(value: dt.date | None) -> str:
    """`2026-11-29` as `29 November 2026`."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def format_month(value: dt.date) -> str:
    """`2026-11-29` as `November 2026`."""
    return f"{value:%B %Y}"


def format_count(value: int) -> str:
    """A head count in words a reader takes in at a glance: `24.0 million`."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} million"
    return f"{value:,}"


#: Largest template file brochure reads, in bytes.
MAX_TEMPLATE_BYTES = 1_000_000


class FolderLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses files which resolve outside its folder (symlinks)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = Path(folder).resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        """Load `template`, after checking where it really is and how big it is."""
        pieces = split_template_path(template)  # refuses ".." as Jinja always does
        for base in self.searchpath:
            candidate = Path(base, *pieces)
            if candidate.exists():
                real = candidate.resolve()
                if not real.is_relative_to(self.folder) or not real.is_file():
                    raise SecurityError(
                        f"template {template!r} in {self.folder} is a link to a file "
                        "outside that folder"
                    )
                if real.stat().st_size > MAX_TEMPLATE_BYTES:
                    raise SecurityError(f"template {candidate} is over {MAX_TEMPLATE_BYTES} bytes")
        return super().get_source(environment, template)


def make_environment(template_dirs: Sequence[Path] = ()) -> SandboxedEnvironment:
    """An environment that looks in `template_dirs` first, then the built-in templates.

    Environments are kept per process (the few most recent), so that the templates
    compiled for one build serve the next (`--watch`, a batch worker, the tests), as
    long as no file in the folders was added, removed, replaced or changed: a kit that
    gains an override gets it at once, and the loader's checks run again.
    """
    folders = (*(Path(d).resolve() for d in template_dirs), builtin_templates().resolve())
    return _environment(folders, _state(folders))


def _state(folders: Sequence[Path]) -> tuple[tuple[str, int, int, int], ...]:
    """Every file under `folders`: its path, inode, size and modification time."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            try:
                stat = path.lstat()
            except OSError:
                continue
            found.append((str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


@lru_cache(maxsize=8)
def _environment(
    folders: tuple[Path, ...],
    state: tuple[tuple[str, int, int, int], ...],  # a key only
) -> SandboxedEnvironment:
    *template_dirs, builtins = folders
    builtin = FolderLoader(builtins)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({DEFAULT_PREFIX: builtin}, delimiter="/"),
            *(FolderLoader(d) for d in template_dirs),
            builtin,
        ]
    )
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.filters["count"] = format_count
    env.filters["month"] = format_month
    env.globals["qr"] = qr
    return env


def render_html(context: dict[str, Any], template_dirs: Sequence[Path] = ()) -> str:
    """Fill the pack template with `context`; raise TemplateError naming the file and line."""
    env = make_environment(template_dirs)
    try:
        return env.get_template(PACK_TEMPLATE).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template not found: {exc.name}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{_where(exc)}{exc.message}") from exc
    except SecurityError as exc:
        raise TemplateError(f"{_where(exc)}unsafe template: {exc}") from exc
    except RecursionError as exc:
        raise TemplateError(
            f"{_where(exc)}templates recurse too deeply (a macro calling itself?)"
        ) from exc
    except _TEMPLATE_RUNTIME_ERRORS as exc:  # a template's own mistake, such as 1/0
        raise TemplateError(f"{_where(exc)}{type(exc).__name__}: {exc}") from exc


def check_templates(template_dirs: Sequence[Path] = ()) -> list[str]:
    """Compile every template that would be used; return the problems found."""
    env = make_environment(template_dirs)
    problems = []
    for name in env.list_templates(extensions=["html"]):
        if name.startswith(DEFAULT_PREFIX + "/"):
            continue
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{exc.filename or name}:{exc.lineno}: {exc.message}")
    return problems


def _where(exc: Exception) -> str:
    """`file:line: ` of the innermost template frame in a traceback, if any."""
    tb = exc.__traceback__
    found = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            found = f"{filename}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return found
