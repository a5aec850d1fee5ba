"""The Jinja environment: sandboxed, autoescaped, strict, overridable directory by directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError
from .resources import builtin_templates

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


def make_environment(template_dirs: Sequence[Path] = ()) -> SandboxedEnvironment:
    """An environment that looks in `template_dirs` first, then the built-in templates."""
    builtin = jinja2.FileSystemLoader(str(builtin_templates()))
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({DEFAULT_PREFIX: builtin}, delimiter="/"),
            *(jinja2.FileSystemLoader(str(d)) for d in template_dirs),
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
