"""Charts for the packs, drawn at build time as inline SVG (no scripts, no network).

Every function is pure: data in, an `<svg>` string out, sized in millimetres with a
viewBox in millimetres too, so one user unit is one millimetre on paper. Text is
escaped, sized for print (8 pt labels, 7 pt ticks) and set in the bundled fonts; no
meaning rests on colour alone, so the charts read the same printed in grey.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape, quoteattr

from ..resources import builtin_fonts
from ..wording import CJK as WIDE
from .palette import Palette

PT = 25.4 / 72  #: one point in millimetres
LABEL_SIZE = 8 * PT
SMALL_SIZE = 7 * PT
SANS = "Brochure Sans, Brochure CJK, sans-serif"
CJK_FAMILY = "Brochure CJK, sans-serif"
SVG_NS = "http://www.w3.org/2000/svg"

# -- text and numbers -----------------------------------------------------------------


@cache
def _advances(bold: bool) -> tuple[dict[int, float], float]:
    """Advance widths (em) of the bundled Brochure Sans, and a fallback width."""
    try:
        from fontTools.ttLib import TTFont

        name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
        font = TTFont(builtin_fonts() / name, lazy=True)
        units = float(font["head"].unitsPerEm)
        hmtx = font["hmtx"]
        table = {code: hmtx[glyph][0] / units for code, glyph in font.getBestCmap().items()}
        font.close()
        return table, 0.6
    except (OSError, KeyError, ImportError):
        return {}, 0.6


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """How wide `text` sets at `size` (mm) in Brochure Sans; CJK characters are 1 em."""
    table, fallback = _advances(bold)
    total = 0.0
    for char in text:
        code = ord(char)
        if code in table:
            total += table[code]
        elif WIDE.match(char):
            total += 1.0
        else:
            total += fallback
    return total * size


def num(value: float) -> str:
    """A coordinate for SVG: two decimals at most, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def millions(value: float) -> str:
    """A head count in millions with one decimal: 24 870 895 -> '24.9 m'."""
    return f"{value / 1e6:.1f} m"


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` ticks."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def wrap(text: str, size: float, limit: float) -> list[str]:
    """Break `text` at spaces into lines no wider than `limit` where it can."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= limit:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


# -- SVG building blocks --------------------------------------------------------------


def svg_document(
    width: float,
    height: float,
    title: str,
    body: Iterable[str],
    *,
    kind: str,
    view: tuple[float, float] | None = None,
    attributes: str = "",
) -> str:
    """An `<svg>` root sized in mm, accessible (role img, title), around `body`.

    Its viewBox is `view` (width, height in user units), or the size in mm: one user
    unit a millimetre. Every picture brochure draws has this root (charts, maps, QR).
    """
    view_w, view_h = view or (width, height)
    extra = f" {attributes}" if attributes else ""
    return (
        f'<svg xmlns="{SVG_NS}" width="{num(width)}mm" height="{num(height)}mm" '
        f'viewBox="0 0 {num(view_w)} {num(view_h)}" role="img" aria-label={quoteattr(title)} '
        f'class="brochure-{kind}"{extra}>'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = LABEL_SIZE,
    fill: str,
    anchor: str = "start",
    bold: bool = False,
    cls: str | None = None,
    transform: str | None = None,
    family: str = SANS,
) -> str:
    """One `<text>` element; `y` is the baseline."""
    attrs = [
        f'x="{num(x)}" y="{num(y)}"',
        f"font-family={quoteattr(family)}",
        f'font-size="{num(size)}"',
        f"fill={quoteattr(fill)}",
    ]
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if bold:
        attrs.append('font-weight="bold"')
    if cls:
        attrs.append(f'class="{cls}"')
    if transform:
        attrs.append(f'transform="{transform}"')
    return f"<text {' '.join(attrs)}>{escape(content)}</text>"


def _empty(width: float, title: str, palette: Palette, kind: str) -> str:
    height = 8.0
    body = [text(0, height / 2 + LABEL_SIZE * 0.35, "No data", fill=palette.muted)]
    return svg_document(width, height, title, body, kind=kind)


# -- population bars ------------------------------------------------------------------

ROW = 6.0
BAR = 3.6
GAP = 2.5


def population_chart(
    cities: Sequence[tuple[str, int]], palette: Palette, width_mm: float = 160
) -> str:
    """Horizontal bars of population, one per city in the order given.

    Names sit left of the bars, the value in millions right of each bar ("24.9 m"),
    with a light axis and tick labels underneath.
    """
    title = "Population by city, millions: " + "; ".join(
        f"{name} {millions(value)}" for name, value in cities
    )
    if not cities:
        return _empty(width_mm, "Population by city: no data", palette, "population")
    axis = _BarAxis.fit(cities, width_mm)
    body = [*_bar_grid(axis, palette), *_bars(axis, cities, palette), *_bar_ticks(axis, palette)]
    height = axis.bottom + 1.0 + SMALL_SIZE + SMALL_SIZE * 1.5 + 1.2
    return svg_document(width_mm, height, title, body, kind="population")


@dataclass(frozen=True)
class _BarAxis:
    """Where the population chart's bars start, how long a million is, and its ticks."""

    label_w: float
    x0: float
    scale: float  # mm per million
    step: float
    ticks: tuple[float, ...]
    top: float
    bottom: float

    @classmethod
    def fit(cls, cities: Sequence[tuple[str, int]], width_mm: float) -> _BarAxis:
        label_w = max(text_width(name, LABEL_SIZE) for name, _ in cities) + GAP
        label_w = min(label_w, width_mm * 0.4)
        value_w = max(text_width(millions(v), LABEL_SIZE) for _, v in cities) + GAP + 1
        plot_w = max(width_mm - label_w - value_w, 10.0)
        top = max(max(v for _, v in cities) / 1e6, 0.0)
        step = nice_step(top, 5)
        axis_max = max(math.ceil(top / step - 1e-9), 1) * step
        ticks = tuple(i * step for i in range(round(axis_max / step) + 1))
        top_pad = 1.0
        bottom = top_pad + ROW * len(cities)
        return cls(label_w, label_w, plot_w / axis_max, step, ticks, top_pad, bottom)


def _bar_grid(axis: _BarAxis, palette: Palette) -> list[str]:
    x0, scale = axis.x0, axis.scale
    grid = "".join(
        f"M{num(x0 + t * scale)} {num(axis.top)}V{num(axis.bottom)}" for t in axis.ticks[1:]
    )
    if not grid:
        return []
    return [
        f'<path class="chart-grid" d="{grid}" stroke={quoteattr(palette.rule)} '
        f'stroke-width="0.2" fill="none"/>'
    ]


def _bars(axis: _BarAxis, cities: Sequence[tuple[str, int]], palette: Palette) -> list[str]:
    body: list[str] = []
    for i, (name, value) in enumerate(cities):
        mid = axis.top + ROW * i + ROW / 2
        length = max(value, 0) / 1e6 * axis.scale
        baseline = mid + LABEL_SIZE * 0.35
        fg = palette.foreground
        body.append(
            text(axis.label_w - GAP, baseline, name, fill=fg, anchor="end", cls="chart-label")
        )
        body.append(
            f'<rect class="chart-bar" x="{num(axis.x0)}" y="{num(mid - BAR / 2)}" '
            f'width="{num(length)}" height="{num(BAR)}" fill={quoteattr(palette.primary)}/>'
        )
        body.append(
            text(axis.x0 + length + 1.2, baseline, millions(value), fill=fg, cls="chart-value")
        )
    return body


def _bar_ticks(axis: _BarAxis, palette: Palette) -> list[str]:
    """The axis line, its tick labels and the caption under them."""
    x0, muted = axis.x0, palette.muted
    body = [
        f'<path class="chart-axis" d="M{num(x0)} {num(axis.top)}V{num(axis.bottom)}" '
        f'stroke={quoteattr(muted)} stroke-width="0.25" fill="none"/>'
    ]
    tick_y = axis.bottom + 1.0 + SMALL_SIZE
    decimals = 0 if float(axis.step).is_integer() else 1
    body += [
        text(
            x0 + t * axis.scale,
            tick_y,
            f"{t:.{decimals}f}",
            size=SMALL_SIZE,
            fill=muted,
            anchor="middle",
            cls="chart-tick",
        )
        for t in axis.ticks
    ]
    caption = "Population, millions"
    body.append(
        text(
            x0, tick_y + SMALL_SIZE * 1.5, caption, size=SMALL_SIZE, fill=muted, cls="chart-caption"
        )
    )
    return body


# -- sector matrix --------------------------------------------------------------------

COS45 = math.sqrt(0.5)
COLUMN_MAX = 13.0
DOT = 1.7
RING = 0.9
HEADER_WRAP = 24.0
INSET = 1.5  #: space between the row band's left edge and the longest city name


def sector_matrix(
    cities: Sequence[tuple[str, Sequence[str]]],
    sectors: Sequence[tuple[str, str]],
    palette: Palette,
    width_mm: float = 160,
) -> str:
    """Which city works in which sector: rows are cities, columns are sectors.

    `cities` are (name, sector ids); `sectors` are (id, label) in column order. A filled
    dot marks a sector the city lists, a small empty ring one it does not; column labels
    are set at 45 degrees and wrap onto a second line when long.
    """
    listed = {name: set(ids) for name, ids in cities}
    title = "Sectors by city: " + "; ".join(
        f"{name}: " + (", ".join(label for sid, label in sectors if sid in listed[name]) or "none")
        for name, _ in cities
    )
    if not cities or not sectors:
        return _empty(width_mm, "Sectors by city: no data", palette, "sectors")
    grid = _Grid.fit(cities, sectors, width_mm)
    body = [
        *_bands(grid, len(cities), palette),
        *_sector_headers(grid, palette),
        *_city_rows(grid, cities, sectors, listed, palette),
    ]
    height = grid.top + ROW * len(cities) + 1.0
    return svg_document(width_mm, height, title, body, kind="sectors")


@dataclass(frozen=True)
class _Grid:
    """The sector matrix's geometry: label column, column width, rotated headers."""

    label_w: float
    column: float
    headers: tuple[list[str], ...]
    line_h: float
    top: float

    @classmethod
    def fit(
        cls,
        cities: Sequence[tuple[str, Sequence[str]]],
        sectors: Sequence[tuple[str, str]],
        width_mm: float,
    ) -> _Grid:
        widest = max(text_width(name, LABEL_SIZE) for name, _ in cities)
        label_w = min(widest + GAP + INSET, width_mm * 0.35)
        headers = tuple(wrap(label, SMALL_SIZE, HEADER_WRAP) for _, label in sectors)
        line_h = SMALL_SIZE * 1.15
        widths = [max(text_width(line, SMALL_SIZE) for line in lines) for lines in headers]
        # Width each rotated label reaches to the right of its column centre.
        reach = [
            w * COS45 + (len(lines) - 1) * line_h * COS45
            for w, lines in zip(widths, headers, strict=True)
        ]
        room = width_mm - label_w - 1.0
        column = min(
            [COLUMN_MAX, room / len(sectors)]
            + [(room - r) / (i + 0.5) for i, r in enumerate(reach) if room - r > 0]
        )
        column = max(column, 2 * DOT + 1.0)
        header_h = max(
            w * COS45 + len(lines) * line_h * COS45
            for w, lines in zip(widths, headers, strict=True)
        )
        return cls(label_w, column, headers, line_h, header_h + 2.5)

    def x(self, j: int) -> float:
        """The centre of column `j`."""
        return self.label_w + self.column * (j + 0.5)


def _bands(grid: _Grid, rows: int, palette: Palette) -> list[str]:
    width = grid.label_w + grid.column * len(grid.headers)
    return [
        f'<rect class="matrix-band" x="0" y="{num(grid.top + ROW * i)}" '
        f'width="{num(width)}" height="{num(ROW)}" '
        f"fill={quoteattr(palette.tint)}/>"
        for i in range(0, rows, 2)
    ]


def _sector_headers(grid: _Grid, palette: Palette) -> list[str]:
    body = []
    for j, lines in enumerate(grid.headers):
        y = grid.top - 1.5
        # Later lines sit below the first in the rotated frame, so shift the first up.
        spans = "".join(
            f'<tspan x="0" dy="{num(0 if k == 0 else grid.line_h)}">{escape(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        lift = (len(lines) - 1) * grid.line_h
        body.append(
            f'<text class="matrix-sector" transform="translate({num(grid.x(j))} {num(y)}) '
            f'rotate(-45) translate(0 {num(-lift)})" font-family={quoteattr(SANS)} '
            f'font-size="{num(SMALL_SIZE)}" fill={quoteattr(palette.foreground)}>{spans}</text>'
        )
    return body


def _city_rows(
    grid: _Grid,
    cities: Sequence[tuple[str, Sequence[str]]],
    sectors: Sequence[tuple[str, str]],
    listed: dict[str, set[str]],
    palette: Palette,
) -> list[str]:
    body = []
    for i, (name, _) in enumerate(cities):
        mid = grid.top + ROW * i + ROW / 2
        body.append(
            text(
                grid.label_w - GAP,
                mid + LABEL_SIZE * 0.35,
                name,
                fill=palette.foreground,
                anchor="end",
                cls="matrix-city",
            )
        )
        for j, (sid, label) in enumerate(sectors):
            cx, cy = num(grid.x(j)), num(mid)
            data = f"data-city={quoteattr(name)} data-sector={quoteattr(sid)}"
            if sid in listed[name]:
                body.append(
                    f'<circle class="matrix-yes" {data} cx="{cx}" cy="{cy}" '
                    f'r="{DOT}" fill={quoteattr(palette.primary)}><title>'
                    f"{escape(f'{name}: {label}')}</title></circle>"
                )
            else:
                body.append(
                    f'<circle class="matrix-no" {data} cx="{cx}" cy="{cy}" '
                    f'r="{RING}" fill="none" stroke={quoteattr(palette.muted)} '
                    f'stroke-width="0.18"/>'
                )
    return body
