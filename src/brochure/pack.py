"""The pipeline for one pack: request, selection, context, HTML, PDF, file."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError

from .brand import BrandKit, load_brand
from .catalog import Catalog, Selection, load_catalog, select
from .context import build_context
from .errors import BrochureError, RenderError
from .fetcher import ResourcePolicy
from .limits import Limits
from .models import OutputFormat, PackRequest, Paper
from .output import DEFAULT_DIR, check_writable, default_name, write_atomic
from .resources import builtin_data, builtin_fonts, builtin_styles, builtin_templates
from .templating import check_templates, render_html


@dataclass(frozen=True)
class BuildResult:
    """What `build_pack` wrote."""

    path: Path
    format: OutputFormat
    pages: int | None
    cities: tuple[str, ...]
    topics: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedPack:
    """A pack up to its HTML: everything but the PDF."""

    request: PackRequest
    catalog: Catalog
    selection: Selection
    kit: BrandKit
    html: str
    base_url: str
    policy: ResourcePolicy


def build_date_today() -> dt.date:
    """Today, or the date in SOURCE_DATE_EPOCH when it is set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
        except (ValueError, OverflowError, OSError) as exc:
            raise BrochureError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970"
            ) from exc
    return dt.date.today()


def make_request(**options: Any) -> PackRequest:
    """Validate keyword options into a PackRequest; raise BrochureError on bad values."""
    clean = {k: v for k, v in options.items() if v is not None}
    try:
        return PackRequest(**clean)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}" for e in exc.errors()
        ]
        raise BrochureError("invalid pack options", problems) from exc


def stylesheets() -> list[Path]:
    """The built-in stylesheets, in the order they apply (by file name)."""
    return sorted(builtin_styles().glob("*.css"))


def load_kit(request: PackRequest) -> BrandKit:
    """The brand kit the request names, or the built-in look (an empty kit)."""
    if request.brand is None:
        return BrandKit(root=builtin_templates())
    return load_brand(request.brand, strict=request.strict)


def prepare(request: PackRequest) -> PreparedPack:
    """Load content and brand, select, and fill the templates for `request`."""
    data_dir = (request.data_dir or builtin_data()).resolve()
    catalog = load_catalog(data_dir)
    selection = select(
        catalog,
        request.cities,
        request.topics,
        all_cities=request.all_cities,
        all_topics=request.all_topics,
    )
    kit = load_kit(request)
    paper = request.paper or kit.settings.paper or Paper.a4
    request = request.model_copy(
        update={"build_date": request.build_date or build_date_today(), "paper": paper}
    )
    context = build_context(catalog, selection, request)
    context["stylesheets"] = [p.resolve().as_uri() for p in stylesheets()]
    context["paper_size"] = paper.css
    context["brand"] = brand_context(kit)
    html = render_html(context, kit.template_dirs)
    policy = ResourcePolicy(
        [builtin_templates(), builtin_styles(), builtin_fonts(), data_dir, kit.root],
        allow_remote=request.allow_remote,
    )
    return PreparedPack(
        request,
        catalog,
        selection,
        kit,
        html,
        builtin_templates().resolve().as_uri() + "/",
        policy,
    )


def brand_context(kit: BrandKit) -> dict[str, Any]:
    """What templates see of the brand (`brand.*`)."""
    settings = kit.settings
    return {
        "name": kit.name,
        "full_name": kit.full_name,
        "link": kit.link,
        "contact": settings.contact,
        "legal": settings.legal,
        "confidentiality": settings.confidentiality,
        "cover_logo": kit.logo(settings.cover_logo),
        "header_logo": kit.logo(settings.header_logo),
        "css": Markup(kit.css),  # built only from validated values: see brand.py
        "stylesheets": [p.resolve().as_uri() for p in kit.stylesheets],
    }


def output_path(request: PackRequest, selection: Selection) -> Path:
    """Where the pack goes: the requested path, or a descriptive name in `output/`."""
    if request.output is not None:
        return request.output
    name = default_name(
        [c.id for c in selection.cities],
        request.all_cities,
        Paper(request.paper or Paper.a4).value,
        request.format.value,
    )
    return DEFAULT_DIR / name


def build_pack(request: PackRequest | None = None, **options: Any) -> BuildResult:
    """Build one pack and write it; see PackRequest for the options.

    >>> build_pack(cities=["shanghai"], topics=["investment"], output="pack.pdf")  # doctest: +SKIP
    """
    if request is None:
        request = make_request(**options)
    elif options:
        raise BrochureError("give either a PackRequest or keyword options, not both")
    prepared = prepare(request)
    request = prepared.request
    target = output_path(request, prepared.selection)
    check_writable(target)
    cities = tuple(c.id for c in prepared.selection.cities)
    topics = tuple(t.id for t in prepared.selection.topics)
    if request.format is OutputFormat.html:
        write_atomic(target, prepared.html.encode("utf-8"))
        return BuildResult(target, request.format, None, cities, topics, prepared.kit.warnings)

    from .pdf import render_pdf  # WeasyPrint is slow to import: only when rendering

    rendered = render_pdf(
        prepared.html, prepared.base_url, prepared.policy, Limits(seconds=request.timeout)
    )
    warnings = (*prepared.kit.warnings, *rendered.warnings)
    if request.strict and rendered.warnings:
        raise RenderError("warnings are errors with --strict", rendered.warnings)
    write_atomic(target, rendered.pdf)
    return BuildResult(target, request.format, rendered.pages, cities, topics, warnings)


@dataclass(frozen=True)
class CheckReport:
    """What `check_project` found valid, and its warnings."""

    catalog: Catalog
    kit: BrandKit | None
    warnings: tuple[str, ...]


def check_project(
    data_dir: Path | None = None, brand: Path | None = None, *, strict: bool = False
) -> CheckReport:
    """Validate content, templates and a brand kit; raise BrochureError listing all problems."""
    problems: list[str] = []
    catalog = None
    kit = None
    try:
        catalog = load_catalog((data_dir or builtin_data()).resolve())
    except BrochureError as exc:
        problems.extend(exc.problems or [str(exc)])
    if brand is not None:
        try:
            kit = load_brand(brand, strict=strict)
        except BrochureError as exc:
            problems.extend(exc.problems or [str(exc)])
    problems.extend(check_templates(kit.template_dirs if kit else ()))
    if catalog is not None and not problems:
        try:  # fill every template with every city and topic: catches undefined names
            prepare(PackRequest(all_cities=True, data_dir=catalog.root, brand=brand))
        except BrochureError as exc:
            problems.extend(exc.problems or [str(exc)])
    if problems or catalog is None:
        count = len(problems)
        raise BrochureError(f"check found {count} problem{'s' if count != 1 else ''}", problems)
    return CheckReport(catalog, kit, kit.warnings if kit else ())


def watched_paths(data_dir: Path | None = None, brand: Path | None = None) -> list[Path]:
    """The folders whose changes should trigger a rebuild."""
    paths = [(data_dir or builtin_data()), builtin_templates(), builtin_styles()]
    if brand is not None:
        paths.append(brand if brand.is_dir() else brand.parent)
    return [p.resolve() for p in paths]
