"""QR codes for printed links, as inline SVG.

segno encodes; the SVG is written here so that it fits the packs' conventions: sized
in millimetres, one user unit per module, a white background over the whole quiet
zone (so a code on a tinted panel still scans), and every dark module in one filled
path, which prints without hairline seams between modules.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import segno

from .charts import svg_document

QUIET_ZONE = 4  #: modules of light margin all round, as ISO/IEC 18004 asks


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
    code = segno.make(url, error="m", micro=False, boost_error=True)
    matrix = code.matrix
    count = len(matrix) + 2 * QUIET_ZONE

    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")

    title = f"QR code: {url}"
    body = [
        f'<rect width="{count}" height="{count}" fill="#ffffff"/>',
        f'<path d="{"".join(runs)}" fill={quoteattr(colour)}/>',
    ]
    return svg_document(
        size_mm,
        size_mm,
        title,
        body,
        kind="qr",
        view=(count, count),
        attributes='shape-rendering="crispEdges"',
    )
