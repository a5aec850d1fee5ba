"""QR codes for printed links, as inline SVG.

segno encodes; the SVG is written here so that it fits the packs' conventions: sized
in millimetres, a white background over the whole quiet zone (so a code on a tinted
panel still scans), and every dark module in one path, which prints without hairline
seams between modules.

The path strokes each run of dark modules in a row as one line, two user units wide,
with relative moves between runs: two units per module keep every coordinate an
integer, and the path is a third of the length of one with a filled rectangle per
run, which matters because WeasyPrint parses and draws every code of every page.
Codes are cached: a pack prints the same source addresses many times over. The code
is segno's, made in half the time by qrmask.py.
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import quoteattr

from .charts import svg_document
from .qrmask import qr_matrix

QUIET_ZONE = 4  #: modules of light margin all round, as ISO/IEC 18004 asks


@lru_cache(maxsize=1024)
def qr_svg(url: str, size_mm: float = 18, colour: str = "#000000") -> str:
    """A QR code for `url`, `size_mm` wide and high including the quiet zone.

    Error correction is at least M (segno raises it further when that costs no extra
    size). The SVG's title and aria-label give the address in words. Raises ValueError
    for an empty `url` or a size that is not positive.
    """
    if not url:
        raise ValueError("a QR code needs a non-empty address")
    if size_mm <= 0:
        raise ValueError(f"size_mm must be positive, not {size_mm}")
    matrix = qr_matrix(url)
    units = 2 * (len(matrix) + 2 * QUIET_ZONE)
    title = f"QR code: {url}"
    body = [
        f'<rect width="{units}" height="{units}" fill="#ffffff"/>',
        f'<path d="{_stroked_runs(matrix)}" fill="none" stroke={quoteattr(colour)}'
        ' stroke-width="2"/>',
    ]
    return svg_document(
        size_mm,
        size_mm,
        title,
        body,
        kind="qr",
        view=(units, units),
        attributes='shape-rendering="crispEdges"',
    )


def _stroked_runs(matrix: tuple[bytearray, ...]) -> str:
    """Path data drawing each row's runs of dark modules as 2-unit-wide strokes."""
    parts: list[str] = []
    pen: tuple[int, int] | None = None  # where the last run ended
    for row_index, row in enumerate(matrix):
        y = 2 * (row_index + QUIET_ZONE) + 1  # the stroke's centre line
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            left = 2 * (start + QUIET_ZONE)
            if pen is None:
                parts.append(f"M{left} {y}")
            else:
                parts.append(f"m{left - pen[0]} {y - pen[1]}")
            parts.append(f"h{2 * (x - start)}")
            pen = (2 * (x + QUIET_ZONE), y)
    return "".join(parts)
