"""Make the README's pictures from real builds.

docs/pack-pages.png: four pages of a pack side by side.
docs/brand-kits.png: the same two pages in the built-in look and in each example kit.
docs/travel-pages.png: the locator map, the show-the-driver cards and the comparison charts.

Run: .venv/bin/python tools/readme_pictures.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

import brochure

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
KITS = [None, ROOT / "examples" / "meridian-consulting", ROOT / "examples" / "harbour-trade-office"]


def pages(brand: Path | None, names: list[str], scale: float) -> list[Image.Image]:
    """Build the sample pack with `brand` and render the named pages ("cover" or a bookmark)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = brochure.build_pack(
            cities=["shanghai", "hong-kong"],
            topics=["investment", "trip-planning"],
            traveller="Alex Chen",
            trip_start=dt.date(2026, 12, 7),
            trip_end=dt.date(2026, 12, 11),
            build_date=dt.date(2026, 11, 29),
            brand=brand,
            output=Path(tmp) / "pack.pdf",
        )
        pdf = pdfium.PdfDocument(result.path)
        marks = {
            b.get_title().split(" ")[0]: b.get_dest().get_index()
            for b in pdf.get_toc()
            if b.level == 0  # chapters only
        }
        marks["cover"] = 0
        images = [pdf[marks[name]].render(scale=scale).to_pil() for name in names]
        pdf.close()
        return images


def sheet(rows: list[list[Image.Image]], name: str) -> None:
    """Paste rows of page images onto one grey sheet and save it in docs/."""
    gap = 24
    width = max(sum(im.width for im in row) + gap * (len(row) + 1) for row in rows)
    height = sum(max(im.height for im in row) for row in rows) + gap * (len(rows) + 1)
    canvas = Image.new("RGB", (width, height), (226, 230, 234))
    y = gap
    for row in rows:
        x = gap
        for im in row:
            canvas.paste(im, (x, y))
            x += im.width + gap
        y += max(im.height for im in row) + gap
    DOCS.mkdir(exist_ok=True)
    canvas.save(DOCS / name, optimize=True)


def main() -> None:
    """Write the three pictures."""
    sheet([pages(None, ["cover", "Contents", "Hong", "Investment"], 0.9)], "pack-pages.png")
    sheet([pages(None, ["China", "Show", "The"], 0.8)], "travel-pages.png")
    looks = [pages(kit, ["cover", "Hong"], 0.6) for kit in KITS if kit is None or kit.is_dir()]
    sheet([[look[0] for look in looks], [look[1] for look in looks]], "brand-kits.png")


if __name__ == "__main__":
    main()
