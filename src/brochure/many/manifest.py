"""Batch manifests: one pack per row, read from CSV or YAML and validated as a whole."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content.catalog import Catalog, load_catalog, select_for
from ..content.models import PackRequest
from ..content.yamlfile import MAX_YAML_BYTES, read_yaml
from ..errors import BrochureError, DataError
from ..look.brand import BrandKit, load_brand
from ..pack import make_request
from ..render.output import default_name, not_a_file
from ..resources import builtin_data
from ..wording import plural

#: Columns a CSV manifest may have; `cities` is the only one required.
COLUMNS = (
    "traveller",
    "cities",
    "topics",
    "trip_start",
    "trip_end",
    "brand",
    "paper",
    "profile",
    "output",
)
_LISTS = ("cities", "topics")


@dataclass(frozen=True)
class Job:
    """One validated row: what to build and where it goes."""

    row: int
    request: PackRequest
    output: Path


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The manifest's rows with their numbers (CSV: line numbers; YAML: 1-based items)."""
    path = Path(path)
    if _is_yaml(path):
        doc = read_yaml(path)
        rows = doc.data.get("packs") if isinstance(doc.data, dict) else doc.data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise DataError(f"{path}: a YAML manifest is a list of packs (or `packs:` with one)")
        for row in rows:
            for key in _LISTS:
                if isinstance(row.get(key), str):
                    row[key] = [p.strip() for p in row[key].split(";") if p.strip()]
        return list(enumerate(rows, start=1))
    try:
        if path.stat().st_size > MAX_YAML_BYTES * 10:
            raise DataError(f"{path}: the manifest is too large")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the manifest ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    unknown = [c for c in reader.fieldnames or () if c and c.strip() not in COLUMNS]
    if unknown or "cities" not in (reader.fieldnames or ()):
        raise DataError(
            f"{path}:1: columns must include cities and may be {', '.join(COLUMNS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    rows = []
    for record in reader:
        values = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        clean: dict[str, Any] = {k: v for k, v in values.items() if v}
        for key in _LISTS:
            if key in clean:
                clean[key] = [p.strip() for p in clean[key].split(";") if p.strip()]
        # a quoted field may span lines: the row is named by the line it starts on
        spanned = sum(v.count("\n") for k, v in record.items() if k and isinstance(v, str))
        rows.append((reader.line_num - spanned, clean))
    return rows


def _is_yaml(path: Path) -> bool:
    """YAML by its suffix, in any case (`.yml`, `.YAML`); anything else is read as CSV."""
    return path.suffix.lower() in (".yml", ".yaml")


def plan(
    manifest: Path,
    out_dir: Path,
    *,
    data_dir: Path | None = None,
    timeout: float | None = None,
    strict: bool = False,
    cache: bool | None = None,
) -> list[Job]:
    """Validate every row before anything renders; raise BrochureError listing all bad rows.

    `cache=False` builds every pack without the part cache.
    """
    manifest = Path(manifest)
    rows = read_rows(manifest)
    catalog = load_catalog((data_dir or builtin_data()).resolve())
    base = manifest.parent
    kits: dict[Path, BrandKit | BrochureError] = {}
    problems: list[str] = []
    jobs: list[Job] = []
    claimed: dict[Path, int] = {}
    bad_rows: set[int] = set()
    is_yaml = _is_yaml(manifest)
    # A batch runs packs side by side: each pack is laid out in its own worker alone.
    settings: dict[str, Any] = {"jobs": 1} if cache is None else {"jobs": 1, "cache": cache}
    for number, raw in rows:
        where = f"{manifest}: pack {number}" if is_yaml else f"{manifest}:{number}"
        try:
            job = _job(
                number, raw, base, out_dir, catalog, kits, data_dir, timeout, strict, settings
            )
        except BrochureError as exc:
            problems.extend(f"{where}: {line}" for line in _lines(exc))
            bad_rows.add(number)
            continue
        if job.output in claimed:
            name = job.output.relative_to(out_dir.resolve()).as_posix()
            problems.append(f"{where}: output {name} is also written by row {claimed[job.output]}")
            bad_rows.add(number)
            continue
        claimed[job.output] = number
        jobs.append(job)
    if not rows:
        problems.append(f"{manifest}: no packs in the manifest")
    if problems:
        bad = len(bad_rows) or 1
        raise BrochureError(f"{plural(bad, 'bad row')}; nothing was built", problems)
    return jobs


def _lines(exc: BrochureError) -> list[str]:
    return list(exc.problems) if exc.problems else [str(exc)]


def _job(
    number: int,
    raw: dict[str, Any],
    base: Path,
    out_dir: Path,
    catalog: Catalog,
    kits: dict[Path, BrandKit | BrochureError],
    data_dir: Path | None,
    timeout: float | None,
    strict: bool,
    settings: dict[str, Any],
) -> Job:
    """Turn one row into a Job, checking cities, topics and brand against the content;
    `settings` override the row's (the batch's own)."""
    fields = dict(raw)
    output = fields.pop("output", None)
    brand = fields.pop("brand", None)
    if brand is not None:
        brand_path = (base / _plain(str(brand), "brand")).resolve()
        if kind := not_a_file(brand_path):
            raise BrochureError(f"brand: {brand_path} is {kind}, not a kit folder or brand file")
        if brand_path not in kits:
            try:
                kits[brand_path] = load_brand(brand_path, strict=strict)
            except BrochureError as exc:
                kits[brand_path] = exc
        found = kits[brand_path]
        if isinstance(found, BrochureError):
            raise found
        fields["brand"] = brand_path
    request = make_request(
        **fields, data_dir=catalog.root if data_dir else None, strict=strict, timeout=timeout
    )
    selection = select_for(catalog, request)
    if output is None:
        who = _slug(request.traveller or f"pack-{number}")
        ids = [c.id for c in selection.cities]
        output = f"{who}-" + default_name(
            ids, request.all_cities, str(request.paper or "a4"), "pdf"
        )
        output = output.replace("briefing-", "", 1)
    target = (out_dir / _plain(str(output), "output")).resolve()
    if not target.is_relative_to(out_dir.resolve()) or target.suffix.lower() != ".pdf":
        raise BrochureError(f"output: {output!r} must be a .pdf file name inside {out_dir}")
    if kind := not_a_file(target):
        raise BrochureError(f"output: {target} is {kind}, not a file")
    return Job(number, request.model_copy(update={"output": target, **settings}), target)


def _plain(text: str, column: str) -> str:
    """`text` if it holds no control character (NUL, newline...) that no file name should."""
    if _CONTROL.search(text):
        raise BrochureError(
            f"{column}: {text!r} holds a control character (NUL, newline, tab...); "
            "give a plain file name"
        )
    return text


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "pack"
