"""The pipeline for one pack: request, selection, context, HTML, PDF, file."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ._version import __version__
from .access import ResourcePolicy
from .content.catalog import (
    Catalog,
    Selection,
    iter_sourced,
    load_catalog,
    load_catalog_again,
    select_for,
)
from .content.models import Layout, OutputFormat, PackRequest, Paper
from .errors import BrochureError, RenderError
from .look.brand import BrandKit, load_brand
from .look.context import build_context, build_date_today
from .look.lapses import lapsed_facts
from .look.templating import check_templates, render_html
from .render.cache import PartCache
from .render.heap import collect_garbage, fewer_collections
from .render.limits import Limits, bounded
from .render.output import DEFAULT_DIR, check_writable, default_name, write_atomic
from .render.parts.plan import PartPolicy, plan_layout
from .render.preflight import broken_links, empty_chapters, low_resolution, missing_glyphs
from .resources import builtin_data, builtin_fonts, builtin_styles, builtin_templates
from .wording import plural

if TYPE_CHECKING:
    from .render.weasy import Rendered, RenderOptions


#: The bundled Chinese font (Noto Sans CJK SC cut to GB2312 and Big5 level 1), in fonts/.
CJK_FONT = "NotoSansSC-Regular-subset.otf"


@dataclass(frozen=True)
class BuildResult:
    """What a build made: the result of `build_pack`, and of each pack a batch built
    (`Outcome.result`). `render_pack` gives one beside the bytes it has not written yet."""

    path: Path
    format: OutputFormat
    pages: int | None
    cities: tuple[str, ...]
    topics: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    parts: int = 1  # documents the PDF was laid out in: 1 is whole (see render/parts/)
    notes: tuple[str, ...] = ()  # with trip dates: facts that lapse, events inside the trip
    layout: str = ""  # why the PDF was laid out whole or in parts


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
    limits: Limits  # started: the whole build's time runs from the templates on
    notes: tuple[str, ...] = ()  # see BuildResult.notes


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


def prepare(
    request: PackRequest, *, catalog: Catalog | None = None, kit: BrandKit | None = None
) -> PreparedPack:
    """Load content and brand (unless given, already loaded), select, fill the templates.

    The request's time limit starts here and covers the whole build (see render/limits.py).
    Garbage a long document of an earlier build left is freed first, and collections are
    rarer meanwhile (render/heap.py).
    """
    collect_garbage()
    with fewer_collections():
        return _prepare(request, catalog, kit)


def _prepare(request: PackRequest, catalog: Catalog | None, kit: BrandKit | None) -> PreparedPack:
    limits = Limits(seconds=request.timeout).started()
    data_dir = (request.data_dir or builtin_data()).resolve()
    catalog = catalog or load_catalog_again(data_dir)
    selection = select_for(catalog, request)
    kit = kit or load_kit(request)
    paper = request.paper or kit.settings.paper or (Paper.a5 if request.booklet else Paper.a4)
    request = request.model_copy(
        update={"build_date": request.build_date or build_date_today(), "paper": paper}
    )
    context = build_context(catalog, selection, request, kit, stylesheets())
    with bounded(limits):  # templates are code: bound them too
        html = render_html(context.variables(), kit.template_dirs)
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
        limits,
        context.notes,
    )


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


def render_pack(
    prepared: PreparedPack, part_policy: PartPolicy | None = None
) -> tuple[bytes, BuildResult]:
    """Render a prepared pack to PDF (or HTML) bytes, with preflight; write nothing.

    The result names the file the bytes are meant for (`output_path`).
    """
    request = prepared.request
    result = BuildResult(
        output_path(request, prepared.selection),
        request.format,
        None,
        tuple(c.id for c in prepared.selection.cities),
        tuple(t.id for t in prepared.selection.topics),
        prepared.kit.warnings,
        notes=prepared.notes,
    )
    if request.format is OutputFormat.html:
        return prepared.html.encode("utf-8"), result

    rendered = render_document(prepared, part_policy)
    problems = [
        *rendered.warnings,
        *broken_links(rendered.anchors, rendered.internal_links),
        *empty_chapters(prepared.html),
        *missing_glyphs(prepared.html, builtin_fonts() / CJK_FONT),
        *low_resolution(((i.url, i.dpi) for i in rendered.images), request.profile),
    ]
    if request.strict and problems:
        raise RenderError(
            f"preflight found {plural(len(problems), 'problem')}; nothing written (--strict)",
            problems,
        )
    if request.booklet:
        from .render.booklet import impose  # pikepdf: only booklets and long packs load it

        pdf = impose(rendered.pdf)
    else:
        pdf = rendered.pdf
    warnings = (*prepared.kit.warnings, *problems)
    return pdf, replace(
        result,
        pages=rendered.pages,
        warnings=warnings,
        parts=rendered.parts,
        layout=rendered.layout,
    )


def render_document(prepared: PreparedPack, part_policy: PartPolicy | None = None) -> Rendered:
    """The pack's PDF, laid out whole or in parts as the request and `part_policy` say.

    With the part cache on (the default) and no `part_policy`, a pack is cut at every
    chapter, and each document is taken from the cache when nothing it depends on changed.
    """
    from .render.parts.layout import render_planned  # WeasyPrint is slow to import

    request = prepared.request
    if part_policy is None:
        part_policy = PartPolicy(reuse=request.cache)
    plan = plan_layout(prepared.html, _styles(prepared), request.layout, part_policy)
    options = render_options(prepared)
    cache = PartCache() if request.cache else None
    jobs = request.jobs or 1
    return render_planned(
        plan, prepared.html, prepared.base_url, prepared.policy, options, cache, jobs
    )


def _styles(prepared: PreparedPack) -> list[str]:
    """The texts of the pack's stylesheets: built-in, then the kit's.

    Read through the pack's resource policy, as WeasyPrint reads them: a kit's stylesheet
    may be a FIFO or a link to a device or a file outside the allowed folders, and is
    refused (ResourceError) without being opened.
    """
    sheets = [*stylesheets(), *prepared.kit.stylesheets]
    bodies = (prepared.policy.open(p.resolve().as_uri()).body for p in sheets)
    return [body.decode("utf-8", errors="replace") for body in bodies]


def build_pack(
    request: PackRequest | None = None, *, part_policy: PartPolicy | None = None, **options: Any
) -> BuildResult:
    """Build one pack and write it; see PackRequest for the options.

    `part_policy` says when a long pack is laid out in parts (see render/parts/plan.py).

    >>> build_pack(cities=["shanghai"], topics=["investment"], output="pack.pdf")  # doctest: +SKIP
    """
    if request is None:
        request = make_request(**options)
    elif options:
        raise BrochureError("give either a PackRequest or keyword options, not both")
    if _may_use_workers(request):
        from .render.layouter import start_fork_server  # imports WeasyPrint

        start_fork_server()
    prepared = prepare(request)
    check_writable(output_path(prepared.request, prepared.selection))
    body, result = render_pack(prepared, part_policy)
    write_atomic(result.path, body)
    return result


def _may_use_workers(request: PackRequest) -> bool:
    """Whether a build may lay parts out in workers: a PDF, two or more jobs, and parts
    (asked for, or cut at every chapter for the part cache; see render_document)."""
    cut = request.layout is Layout.parts or (request.layout is Layout.auto and request.cache)
    return request.format is OutputFormat.pdf and (request.jobs or 1) > 1 and cut


def render_options(prepared: PreparedPack) -> RenderOptions:
    """PDF settings for the request's profile."""
    from .render.weasy import FileToAttach, RenderOptions

    request = prepared.request
    assert request.build_date is not None
    created = dt.datetime.combine(request.build_date, dt.time(), tzinfo=dt.UTC)
    rules = request.profile.rules
    attachments: tuple[FileToAttach, ...] = ()
    if rules.attaches_content:
        attachments = (
            FileToAttach(
                "brochure-content.json",
                content_json(prepared).encode("utf-8"),
                "The content this pack was built from: request, country, cities, topics, sources",
            ),
        )
    return RenderOptions(prepared.limits, rules.pdf_variant, attachments, created)


def content_json(prepared: PreparedPack) -> str:
    """The selected content as JSON, for provenance in archive PDFs."""
    request = prepared.request.model_dump(
        mode="json", exclude={"data_dir", "brand", "output", "allow_remote", *PackRequest.HOW}
    )
    cities = {c.id for c in prepared.selection.cities}
    used = {fact.source for c in prepared.selection.cities for _, fact in iter_sourced(c)}
    used |= {fact.source for t in prepared.selection.topics for _, fact in iter_sourced(t)}
    used |= {fact.source for _, fact in iter_sourced(prepared.catalog.country)}
    data = {
        "brochure": __version__,
        "request": request,
        "country": prepared.catalog.country.model_dump(mode="json"),
        "cities": [c.model_dump(mode="json") for c in prepared.selection.cities],
        "topics": [
            {
                **t.model_dump(mode="json", exclude={"cities"}),
                "cities": {
                    k: v.model_dump(mode="json") for k, v in t.cities.items() if k in cities
                },
            }
            for t in prepared.selection.topics
        ],
        "sources": [
            s.model_dump(mode="json") for k, s in prepared.catalog.sources.items() if k in used
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


@dataclass(frozen=True)
class CheckReport:
    """What `check_project` found valid, and its warnings."""

    catalog: Catalog
    kit: BrandKit | None
    warnings: tuple[str, ...]


def stale_facts(catalog: Catalog, max_age_days: int, today: dt.date) -> list[str]:
    """Facts whose as-of date is more than `max_age_days` before `today`."""
    limit = today - dt.timedelta(days=max_age_days)
    found = []
    named: list[tuple[str, Any]] = [("country.yml", catalog.country)]
    named += [(_content_file(catalog, "cities", c.id), c) for c in catalog.cities.values()]
    named += [(_content_file(catalog, "topics", t.id), t) for t in catalog.topics.values()]
    for name, model in named:
        for loc, fact in iter_sourced(model):
            if fact.as_of < limit:
                age = (today - fact.as_of).days
                found.append(
                    f"{catalog.root / name}: {loc or 'topic'}: as of {fact.as_of}, "
                    f"{age} days old (limit {max_age_days})"
                )
    return found


def _content_file(catalog: Catalog, folder: str, item_id: str) -> str:
    """The file an item was loaded from: `<id>.yml`, or `<id>.yaml` when that is the one."""
    yml = f"{folder}/{item_id}.yml"
    yaml = f"{folder}/{item_id}.yaml"
    return yaml if not (catalog.root / yml).is_file() and (catalog.root / yaml).is_file() else yml


def check_project(
    data_dir: Path | None = None,
    brand: Path | None = None,
    *,
    strict: bool = False,
    max_age_days: int | None = None,
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
            request = PackRequest(all_cities=True, data_dir=catalog.root, brand=brand)
            prepare(request, catalog=catalog, kit=kit)
        except BrochureError as exc:
            problems.extend(exc.problems or [str(exc)])
    if problems or catalog is None:
        raise BrochureError(f"check found {plural(len(problems), 'problem')}", problems)
    warnings = list(kit.warnings if kit else ())
    if max_age_days is not None:
        warnings += stale_facts(catalog, max_age_days, build_date_today())
    warnings += lapsed_facts(catalog, build_date_today())
    if strict and warnings:
        raise BrochureError("warnings are errors with --strict", warnings)
    return CheckReport(catalog, kit, tuple(warnings))


def watched_paths(data_dir: Path | None = None, brand: Path | None = None) -> list[Path]:
    """The folders whose changes should trigger a rebuild."""
    paths = [(data_dir or builtin_data()), builtin_templates(), builtin_styles()]
    if brand is not None:
        paths.append(brand if brand.is_dir() else brand.parent)
    return [p.resolve() for p in paths]
