"""What the command line prints: content tables and one-line summaries of results.

The library builds these; `cli.py` only echoes them, so a script using the API can print
the same lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .content.catalog import Catalog
from .look.templating import format_count
from .pack import BuildResult, CheckReport
from .render.cache import CacheInfo
from .wording import columns, plural

if TYPE_CHECKING:  # a build does not pay for importing the batch machinery
    from .many.batch import BatchReport

#: A table cell wider than this is cut, with an ellipsis.
MAX_CELL = 60


def city_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """One row per city: id, names, region, population, airports, depth."""
    return [
        {
            "id": city.id,
            "name": city.name,
            "name_zh": city.name_zh,
            "region": catalog.region(city).name,
            "population": city.population.value,
            "airports": " ".join(a.code for a in city.airports),
            "depth": city.depth.value,
        }
        for city in catalog.cities.values()
    ]


def topic_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """One row per topic: id, title, how many cities it notes, summary."""
    return [
        {"id": t.id, "title": t.title, "cities": len(t.cities), "summary": t.summary}
        for t in catalog.topics.values()
    ]


def text_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table with a header row; wide text columns are cut to fit."""
    if not rows:
        return "(none)"
    cells = [
        [format_count(v) if k == "population" else str(v) for k, v in row.items()] for row in rows
    ]
    cells = [[c if len(c) <= MAX_CELL else c[: MAX_CELL - 3] + "..." for c in row] for row in cells]
    header = [k.replace("_", " ").upper() for k in rows[0]]
    widths = [max(columns(r[i]) for r in [header, *cells]) for i in range(len(header))]
    lines = []
    for row in [header, *cells]:
        padded = (c + " " * (w - columns(c)) for c, w in zip(row, widths, strict=True))
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def build_messages(result: BuildResult) -> list[str]:
    """The notes and warnings of a build, one line each, for the error stream."""
    lines = [f"note: {note}" for note in result.notes]
    lines += [f"warning: {warning}" for warning in result.warnings]
    if result.warnings:
        count = plural(len(result.warnings), "warning")
        lines.append(f"preflight: {count} (--strict makes them errors)")
    return lines


def build_summary(result: BuildResult) -> str:
    """`wrote output/x.pdf (2 cities, 3 topics, 20 pages laid out in 2 parts)`."""
    pages = f", {result.pages} pages" if result.pages else ""
    if result.parts > 1:
        pages += f" laid out in {result.parts} parts"
    what = f"{plural(len(result.cities), 'city', 'cities')}, {plural(len(result.topics), 'topic')}"
    return f"wrote {result.path} ({what}{pages})"


def check_summary(report: CheckReport) -> str:
    """`ok: 7 cities, 9 topics, 150 sources in data; brand kit brand.yml`."""
    catalog = report.catalog
    kit = f"; brand kit {report.kit.file}" if report.kit else ""
    return (
        f"ok: {plural(len(catalog.cities), 'city', 'cities')}, "
        f"{plural(len(catalog.topics), 'topic')}, "
        f"{plural(len(catalog.sources), 'source')} in {catalog.root}{kit}"
    )


def batch_failures(report: BatchReport) -> list[str]:
    """One line per pack that failed, in manifest order."""
    from .many.batch import iter_outcomes  # a build does not pay for the batch machinery

    return [
        f"failed: row {o.row} ({o.output}): {o.reason}" for o in iter_outcomes(report, "failed")
    ]


def batch_warnings(report: BatchReport) -> list[str]:
    """One line per warning about the batch as a whole (a damaged record, say)."""
    return [f"warning: {warning}" for warning in report.warnings]


def batch_summary(report: BatchReport, report_file: Path) -> str:
    """`built 3, skipped 1 unchanged, failed 0; report in out/batch-report.json`.

    Ends `no report` instead when the report could not be written.
    """
    where = f"report in {report_file}" if report.report_written else "no report"
    return (
        f"built {report.count('built')}, skipped {report.count('skipped')} unchanged, "
        f"failed {report.count('failed')}; {where}"
    )


def cache_summary(info: CacheInfo) -> str:
    """`brochure cache info`: the folder, its entries and size against the bound."""
    mb = info.size / 1e6
    return (
        f"{info.root}: {plural(info.entries, 'part')}, {mb:,.1f} MB "
        f"(at most {info.max_bytes / 1e6:,.0f} MB; least recently used go first)"
    )
