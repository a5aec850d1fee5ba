"""The `brochure` command line: a thin layer over the library API."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .content.catalog import load_catalog
from .content.models import Layout, OutputFormat, PackRequest, Paper, Profile
from .errors import BrochureError
from .listing import (
    batch_failures,
    batch_summary,
    batch_warnings,
    build_messages,
    build_summary,
    cache_summary,
    check_summary,
    city_rows,
    text_table,
    topic_rows,
)
from .look.scaffold import new_kit
from .pack import build_pack, check_project, make_request, watched_paths
from .render.cache import PartCache
from .render.limits import cores
from .resources import builtin_data
from .watch import watch as watch_paths
from .wording import plural

_DATE = click.DateTime(formats=["%Y-%m-%d"])


class _Age(click.ParamType[int]):
    """An age in days, given as `400`, `400d`, `18m` (months) or `2y`."""

    name = "age"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value).strip().lower()
        units = {"d": 1, "w": 7, "m": 30, "y": 365}
        number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "d")
        if not number.isdigit():
            self.fail(f"{value!r} is not an age such as 400, 18m or 2y", param, ctx)
        return int(number) * units[unit]


_AGE = _Age()
_CACHE = click.option(
    "--cache/--no-cache",
    default=None,
    help="Take unchanged parts from the part cache (see `brochure cache info`) [cache].",
)
_DATA = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Another content folder.",
)


def _run(action: Callable[[], object]) -> None:
    """Run `action`, turning brochure's errors into a message and an exit code."""
    try:
        action()
    except BrochureError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="brochure")
def main() -> None:
    """Build printed briefing packs on China's industrial cities."""


@main.command()
@click.option("-c", "--city", "cities", multiple=True, metavar="ID", help="A city (repeatable).")
@click.option(
    "-t",
    "--topic",
    "topics",
    multiple=True,
    metavar="ID",
    help="A topic (repeatable; default: all).",
)
@click.option("--all-cities", is_flag=True, default=None, help="Cover every city.")
@click.option("--all-topics", is_flag=True, default=None, help="Cover every topic.")
@click.option(
    "--paper",
    type=click.Choice([p.value for p in Paper], case_sensitive=False),
    default=None,
    help="Paper size [default: the brand's, else a4].",
)
@click.option(
    "--profile",
    type=click.Choice([p.value for p in Profile]),
    default=None,
    help="screen: tagged PDF/UA [default]; print: bleed and crop marks; archive: PDF/A-3b.",
)
@click.option(
    "--bleed", type=float, default=None, metavar="MM", help="Bleed for --profile print [3]."
)
@click.option(
    "--booklet", is_flag=True, default=None, help="Impose A5 pages two-up for saddle-stitching."
)
@click.option("--traveller", default=None, help="Name printed on the cover.")
@click.option("--title", default=None, help="Title of the pack.")
@click.option("--trip-start", type=_DATE, default=None, help="First day of the trip (YYYY-MM-DD).")
@click.option("--trip-end", type=_DATE, default=None, help="Last day of the trip (YYYY-MM-DD).")
@_DATA
@click.option(
    "--brand",
    type=click.Path(path_type=Path),
    default=None,
    help="A brand kit folder or brand.yml file.",
)
@click.option("--strict", is_flag=True, default=None, help="Treat warnings as errors.")
@click.option(
    "--allow-remote",
    multiple=True,
    metavar="HOST",
    help="Let the document fetch http(s) resources from HOST (repeatable; default: none).",
)
@click.option(
    "--timeout", type=float, default=None, metavar="SECONDS", help="Render time limit [120]."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Output file [default: a name in output/].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in OutputFormat]),
    default=None,
    help="pdf, or html to debug templates [default: pdf].",
)
@click.option(
    "--layout",
    type=click.Choice([layout.value for layout in Layout]),
    default=None,
    help="auto: long packs part by part, so memory stays flat [default]; whole; parts.",
)
@_CACHE
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1, max=256),
    default=None,
    envvar="BROCHURE_JOBS",
    show_envvar=True,
    help="Worker processes that lay out a pack's parts side by side [cores].",
)
@click.option(
    "--watch", is_flag=True, help="Rebuild when content, templates, styles or brand change."
)
def build(
    cities: Sequence[str],
    topics: Sequence[str],
    trip_start: dt.datetime | None,
    trip_end: dt.datetime | None,
    fmt: str | None,
    watch: bool,
    **options: Any,
) -> None:
    """Build one briefing pack.

    \b
    Example:
      brochure build -c shanghai -c "Hong Kong" -t investment --traveller "A. Chen"
    """
    if cities and options["all_cities"]:
        raise click.UsageError("give --city or --all-cities, not both")
    if topics and options["all_topics"]:
        raise click.UsageError("give --topic or --all-topics, not both")
    if not cities and not options["all_cities"]:
        raise click.UsageError("choose at least one city with -c/--city, or --all-cities")

    options["allow_remote"] = tuple(options["allow_remote"]) or None
    options["jobs"] = options["jobs"] or cores()

    def make() -> PackRequest:
        return make_request(
            cities=tuple(cities),
            topics=tuple(topics),
            trip_start=_date(trip_start),
            trip_end=_date(trip_end),
            format=fmt,
            **options,
        )

    def action() -> None:
        result = build_pack(make())
        for line in build_messages(result):
            click.echo(line, err=True)
        click.echo(build_summary(result))

    if not watch:
        _run(action)
        return

    def rebuild() -> None:
        try:
            action()
        except BrochureError as exc:  # keep watching: the next save may mend it
            click.echo(f"error: {exc}", err=True)

    _run(make)  # bad options stop here, before watching starts
    paths = watched_paths(options["data_dir"], options["brand"])
    click.echo(f"watching {', '.join(map(str, paths))}; press Ctrl-C to stop", err=True)
    try:
        watch_paths(paths, rebuild)
    except KeyboardInterrupt:  # a rebuild cut short has written nothing (see output.py)
        click.echo("stopped watching", err=True)
        sys.exit(130)


@main.command(name="list")
@click.argument("what", type=click.Choice(["cities", "topics"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@_DATA
def list_(what: str, as_json: bool, data_dir: Path | None) -> None:
    """List the cities or topics the content offers."""

    def action() -> None:
        catalog = load_catalog((data_dir or builtin_data()).resolve())
        rows = city_rows(catalog) if what == "cities" else topic_rows(catalog)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            click.echo(text_table(rows))

    _run(action)


@main.command()
@_DATA
@click.option("--brand", type=click.Path(path_type=Path), default=None, help="A kit to check too.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--max-age",
    type=_AGE,
    default=None,
    metavar="AGE",
    help="Warn about facts older than AGE: days, or 18m, 2y.",
)
def check(data_dir: Path | None, brand: Path | None, strict: bool, max_age: int | None) -> None:
    """Validate the content, templates and a brand kit, reporting every problem."""

    def action() -> None:
        report = check_project(data_dir, brand, strict=strict, max_age_days=max_age)
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(check_summary(report))

    _run(action)


@main.group()
def brand() -> None:
    """Work with brand kits."""


@brand.command(name="new")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", default="Example Company", help="The company's name.")
def brand_new(folder: Path, name: str) -> None:
    """Create a starter brand kit in FOLDER that builds at once."""

    def action() -> None:
        written = new_kit(folder, name)
        click.echo(f"created a brand kit in {folder} ({len(written)} files)")
        click.echo(f"try: brochure build -c shanghai --brand {folder}")

    _run(action)


@main.command()
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for the packs, the report and the state that makes reruns incremental.",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [cores]."
)
@click.option("--force", is_flag=True, help="Rebuild packs whose inputs have not changed.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", help="Run on a Dask cluster.")
@_DATA
@click.option("--timeout", type=float, default=None, metavar="SECONDS", help="Per-pack time limit.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@_CACHE
def batch(
    manifest: Path,
    out_dir: Path,
    jobs: int | None,
    force: bool,
    scheduler: str | None,
    data_dir: Path | None,
    timeout: float | None,
    strict: bool,
    cache: bool | None,
) -> None:
    """Build one pack per row of MANIFEST (CSV or YAML) into a folder."""
    from .many.batch import REPORT_FILE, run_batch
    from .many.manifest import plan
    from .many.progress import progress_listener

    def action() -> None:
        planned = plan(
            manifest, out_dir, data_dir=data_dir, timeout=timeout, strict=strict, cache=cache
        )
        with progress_listener(len(planned)) as listener:
            report = run_batch(
                planned, out_dir, workers=jobs, force=force, scheduler=scheduler, listener=listener
            )
        for line in [*batch_warnings(report), *batch_failures(report)]:
            click.echo(line, err=True)
        click.echo(batch_summary(report, out_dir / REPORT_FILE))
        if report.count("failed") or not report.report_written:
            sys.exit(1)

    _run(action)


@main.group()
def cache() -> None:
    """The part cache: laid-out parts kept so that unchanged pages are not laid out again."""


@cache.command(name="info")
def cache_info() -> None:
    """Where the part cache is, how many parts it holds and their size."""
    _run(lambda: click.echo(cache_summary(PartCache().info())))


@cache.command(name="clear")
def cache_clear() -> None:
    """Delete every part in the part cache."""
    _run(lambda: click.echo(f"removed {plural(PartCache().clear(), 'part')} from the cache"))
