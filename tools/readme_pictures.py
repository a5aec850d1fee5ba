"""Make docs/pack-pages.png: four pages of a real pack side by side, for the README.

Run: .venv/bin/python tools/readme_pictures.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

import brochure

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    """Build a two-city pack and paste the cover, contents, a city and a topic page together."""
    with tempfile.TemporaryDirectory() as tmp:
        result = brochure.build_pack(
            cities=["shanghai", "hong-kong"],
            topics=["investment", "trip-planning"],
            traveller="Alex Chen",
            trip_start=dt.date(2026, 12, 7),
            trip_end=dt.date(2026, 12, 11),
            build_date=dt.date(2026, 11, 29),
            output=Path(tmp) / "pack.pdf",
        )
        pdf = pdfium.PdfDocument(result.path)
        marks = {b.get_title().split(" ")[0]: b.get_dest().get_index() for b in pdf.get_toc()}
        pages = [0, 1, marks["Hong"], marks["Investment"]]
        images = [pdf[i].render(scale=0.9).to_pil() for i in pages]
    gap = 24
    width = sum(im.width for im in images) + gap * (len(images) + 1)
    height = max(im.height for im in images) + 2 * gap
    sheet = Image.new("RGB", (width, height), (226, 230, 234))
    x = gap
    for im in images:
        sheet.paste(im, (x, gap))
        x += im.width + gap
    DOCS.mkdir(exist_ok=True)
    sheet.save(DOCS / "pack-pages.png", optimize=True)


if __name__ == "__main__":
    main()
