"""Render PDF pages to PNG to look at: python tools/render_pages.py PACK.pdf OUTDIR [PAGE...]."""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium


def main(argv: list[str]) -> None:
    """Write page-N.png for the chosen pages (1-based; default: all)."""
    pdf = pdfium.PdfDocument(argv[0])
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    pages = [int(p) for p in argv[2:]] or range(1, len(pdf) + 1)
    for number in pages:
        image = pdf[number - 1].render(scale=1.4).to_pil()
        image.save(out / f"page-{number:02d}.png")


if __name__ == "__main__":
    main(sys.argv[1:])
