"""A content folder for the travel tests: the bundled content plus tests/travel_fixture/."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from brochure.resources import builtin_data

FIXTURE = Path(__file__).resolve().parent / "travel_fixture"
#: The day the travel packs are built (SOURCE_DATE_EPOCH for the CLI).
BUILD_DATE = dt.date(2026, 12, 2)
EPOCH = str(int(dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC).timestamp()))


def travel_content(target: Path) -> Path:
    """Copy the bundled content to `target` (a folder named data) with the fixture's
    calendar, routes, topic and sources; return `target`."""
    shutil.copytree(builtin_data(), target)
    for name in ("calendar.yml", "routes.yml"):
        shutil.copy(FIXTURE / name, target / name)
    for topic in (FIXTURE / "topics").glob("*.yml"):
        shutil.copy(topic, target / "topics" / topic.name)
    extra = (FIXTURE / "sources.yml").read_text(encoding="utf-8")
    with (target / "sources.yml").open("a", encoding="utf-8") as sources:
        sources.write("\n" + extra)
    return target


def change(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file with `new` (which must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str, after: int = 0) -> int:
    """The 1-based number of the first line after line `after` that contains `needle`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and needle in line)
