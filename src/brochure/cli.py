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
from .catalog import Catalog, load_catalog
from .context import city_view
from .errors import BrochureError
from .models import OutputFormat, Paper
from .pack import build_pack, check_project
from .resources import builtin_data
from .templating import format_count

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _run(action: Callable[[], None]) -> None:
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
@click.option(
    "-c", "--city", "cities", multiple=True, metavar="ID", help="A city to cover (repeatable)."
)
@click.option(
    "-t",
    "--topic",
    "topics",
    multiple=True,
    metavar="ID",
    help="A topic to cover (repeatable; default: all).",
)
@click.option("--all-cities", is_flag=True, default=None, help="Cover every city.")
@click.option("--all-topics", is_flag=True, default=None, help="Cover every topic.")
@click.option(
    "--paper",
    type=click.Choice([p.value for p in Paper], case_sensitive=False),
    default=None,
    help="Paper size [default: a4].",
)
@click.option("--traveller", default=None, help="Name printed on the cover.")
@click.option("--title", default=None, help="Title of the pack.")
@click.option("--trip-start", type=_DATE, default=None, help="First day of the trip (YYYY-MM-DD).")
@click.option("--trip-end", type=_DATE, default=None, help="Last day of the trip (YYYY-MM-DD).")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Another content folder.",
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
def build(
    cities: Sequence[str],
    topics: Sequence[str],
    all_cities: bool | None,
    all_topics: bool | None,
    trip_start: dt.datetime | None,
    trip_end: dt.datetime | None,
    fmt: str | None,
    **options: Any,
) -> None:
    """Build one briefing pack.

    \b
    Example:
      brochure build -c shanghai -c "Hong Kong" -t investment --traveller "A. Chen"
    """
    if cities and all_cities:
        raise click.UsageError("give --city or --all-cities, not both")
    if topics and all_topics:
        raise click.UsageError("give --topic or --all-topics, not both")
    if not cities and not all_cities:
        raise click.UsageError("choose at least one city with -c/--city, or --all-cities")

    def action() -> None:
        result = build_pack(
            cities=tuple(cities),
            topics=tuple(topics),
            all_cities=all_cities,
            all_topics=all_topics,
            trip_start=_date(trip_start),
            trip_end=_date(trip_end),
            format=fmt,
            **options,
        )
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        pages = f", {result.pages} pages" if result.pages else ""
        click.echo(
            f"wrote {result.path} ({len(result.cities)} cities, {len(result.topics)} topics{pages})"
        )

    _run(action)


@main.command(name="list")
@click.argument("what", type=click.Choice(["cities", "topics"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Another content folder.",
)
def list_(what: str, as_json: bool, data_dir: Path | None) -> None:
    """List the cities or topics the content offers."""

    def action() -> None:
        catalog = load_catalog((data_dir or builtin_data()).resolve())
        rows = _city_rows(catalog) if what == "cities" else _topic_rows(catalog)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            click.echo(_table(rows))

    _run(action)


def _city_rows(catalog: Catalog) -> list[dict[str, Any]]:
    rows = []
    for city in catalog.cities.values():
        view = city_view(catalog, city)
        rows.append(
            {
                "id": city.id,
                "name": city.name,
                "name_zh": city.name_zh,
                "region": view.region.name,
                "population": city.population.value,
                "airports": " ".join(a.code for a in city.airports),
                "depth": city.depth.value,
            }
        )
    return rows


def _topic_rows(catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {"id": t.id, "title": t.title, "cities": len(t.cities), "summary": t.summary}
        for t in catalog.topics.values()
    ]


def _table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table with a header row; wide text columns are cut to fit."""
    if not rows:
        return "(none)"
    cells = [
        [format_count(v) if k == "population" else str(v) for k, v in row.items()] for row in rows
    ]
    cells = [[c if len(c) <= 60 else c[:57] + "..." for c in row] for row in cells]
    header = [k.replace("_", " ").upper() for k in rows[0]]
    widths = [max(_width(r[i]) for r in [header, *cells]) for i in range(len(header))]
    lines = []
    for row in [header, *cells]:
        lines.append(
            "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        )
    return "\n".join(lines)


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" else 1 for ch in text)


@main.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Another content folder.",
)
def check(data_dir: Path | None) -> None:
    """Validate the content and templates, reporting every problem."""

    def action() -> None:
        catalog = check_project(data_dir)
        click.echo(
            f"ok: {len(catalog.cities)} cities, {len(catalog.topics)} topics, "
            f"{len(catalog.sources)} sources in {catalog.root}"
        )

    _run(action)
