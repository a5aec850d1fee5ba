"""Saddle-stitch imposition: pages two-up on landscape sheets, in folding order."""

from __future__ import annotations

import io

import pikepdf

from ..errors import RenderError

#: Sheet size for each page size, in points: two pages side by side.
SHEETS = {
    (round(419.53), round(595.28)): (841.89, 595.28),  # A5 pages on A4 landscape
    (396, 612): (792.0, 612.0),  # half-letter pages on Letter landscape
}


def booklet_order(pages: int) -> list[tuple[int, int]]:
    """(left, right) page numbers for each sheet side, 1-based; 0 is a blank page.

    `pages` is padded to a multiple of four. Side 1 of sheet 1 holds the last and
    the first page, its back the second and the second-to-last, and so on inwards.
    """
    total = pages + (-pages) % 4
    sides = []
    for k in range(total // 2):
        left, right = (total - k, k + 1) if k % 2 == 0 else (k + 1, total - k)
        sides.append((left if left <= pages else 0, right if right <= pages else 0))
    return sides


def impose(pdf_bytes: bytes) -> bytes:
    """Impose a PDF of A5 or half-letter pages as a saddle-stitched booklet."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as source, pikepdf.new() as out:
        first = source.pages[0]
        trim = first.trimbox
        size = (round(float(trim[2] - trim[0])), round(float(trim[3] - trim[1])))
        if size not in SHEETS:
            raise RenderError(
                f"a booklet needs A5 or half-letter pages, not {size[0]}x{size[1]} pt"
            )
        sheet_w, sheet_h = SHEETS[size]
        half = sheet_w / 2
        for left, right in booklet_order(len(source.pages)):
            sheet = out.add_blank_page(page_size=(sheet_w, sheet_h))
            for number, x in ((left, 0.0), (right, half)):
                if number:
                    page = out.copy_foreign(source.pages[number - 1].obj)
                    placed = pikepdf.Page(page)
                    sheet.add_overlay(placed, pikepdf.Rectangle(x, 0, x + half, sheet_h))
        out.docinfo = out.copy_foreign(source.docinfo)  # type: ignore[assignment]
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
        return buffer.getvalue()
