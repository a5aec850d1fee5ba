"""Manifests and checks shared by the fault tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from holds import leftovers, pdf_pages

#: The smallest pack that makes a point: one city, one topic (about 240 KB).
CITY, TOPIC = "tianjin", "sustainability"


def slug(traveller: str) -> str:
    return "-".join(traveller.casefold().split())


def manifest(folder: Path, travellers: Sequence[str], name: str = "team.csv") -> Path:
    """A CSV manifest with one small pack per traveller, written to `SLUG.pdf`."""
    path = folder / name
    rows = "".join(f"{t},{CITY},{TOPIC},{slug(t)}.pdf\n" for t in travellers)
    path.write_text("traveller,cities,topics,output\n" + rows, encoding="utf-8")
    return path


def report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    return data


def packs(out: Path) -> dict[str, dict[str, Any]]:
    """The report's packs by output name."""
    return {p["output"]: p for p in report(out)["packs"]}


def pdfs(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("*.pdf"))


def assert_whole(out: Path, names: Sequence[str]) -> None:
    """Exactly `names` are the PDFs in `out`, each whole and valid; no temporary file."""
    assert pdfs(out) == sorted(names)
    for name in names:
        assert pdf_pages(out / name) > 1, name
    assert leftovers(out) == []
