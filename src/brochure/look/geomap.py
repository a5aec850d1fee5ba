"""Locator maps as inline SVG: an overview with the pack's cities, and small insets.

Land comes from `data/geo/land.json`: Natural Earth's land layer via world-atlas (see
data/geo/LICENCE.md and tools/make_geo.py). The maps draw land, coast, the chosen cities
and their labels, and say on the map that boundaries are not shown: no national or
disputed boundary, no country shape, every piece of land in one fill. The view is
eastern China, widened to take in any city outside it. Land is projected with an
Albers equal-area conic (standard parallels 25 and 47 degrees north, centred on 115
degrees east), so nothing beyond the standard library is needed. Like the charts,
every function is pure: data in, SVG out.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from xml.sax.saxutils import escape, quoteattr

from ..resources import builtin_data
from .charts import CJK_FAMILY, LABEL_SIZE, PT, SANS, num, svg_document, text_width
from .palette import Palette

#: (name, Chinese name, latitude, longitude)
CityPoint = tuple[str, str, float, float]
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1

_LAT1, _LAT2, _LON0 = math.radians(25), math.radians(47), 115.0
_N = (math.sin(_LAT1) + math.sin(_LAT2)) / 2
_C = math.cos(_LAT1) ** 2 + 2 * _N * math.sin(_LAT1)

#: The region a map shows (west, south, east, north in degrees) when every city is in it.
VIEW = (103.5, 18.0, 135.0, 41.5)
#: What land.json holds: a view never reaches beyond it.
EXTENT = (60.0, 0.0, 155.0, 58.0)
#: Degrees kept around a city that widens the view.
MARGIN = 2.5
#: The words every map carries.
CAPTION = "Land and coast only; boundaries are not shown."
SHORT_CAPTION = "Boundaries are not shown."
ZH_SIZE = 7.5 * PT
CAPTION_SIZE = 6.5 * PT
DOT = 0.85


@cache
def land() -> tuple[tuple[Point, ...], ...]:
    """The bundled land rings as (lon, lat) points, read once."""
    path = builtin_data() / "geo" / "land.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        tuple(zip(ring[0::2], ring[1::2], strict=True)) for ring in document["rings"] if ring
    )


def project(lat: float, lon: float) -> Point:
    """Albers equal-area conic on the unit sphere: x east, y south (SVG's direction)."""
    rho = math.sqrt(_C - 2 * _N * math.sin(math.radians(lat))) / _N
    theta = _N * math.radians(lon - _LON0)
    return rho * math.sin(theta), rho * math.cos(theta)


def _bounds(points: Iterable[Point]) -> Box:
    xs, ys = zip(*points, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


class _Frame:
    """Projected unit-sphere coordinates to millimetres inside a frame."""

    def __init__(self, box: Box, width: float, pad: float) -> None:
        x0, y0, x1, y1 = box
        self.key = (box, width, pad)  # all a frame is made of
        self.scale = (width - 2 * pad) / (x1 - x0)
        self.x0, self.y0, self.pad = x0, y0, pad
        self.width = width
        self.height = (y1 - y0) * self.scale + 2 * pad

    def __call__(self, lat: float, lon: float) -> Point:
        x, y = project(lat, lon)
        return (x - self.x0) * self.scale + self.pad, (y - self.y0) * self.scale + self.pad


def view(cities: Sequence[CityPoint]) -> Box:
    """The region shown: VIEW, widened (within EXTENT) to hold every city with a margin."""
    west, south, east, north = VIEW
    for _, _, lat, lon in cities:
        west, east = min(west, lon - MARGIN), max(east, lon + MARGIN)
        south, north = min(south, lat - MARGIN), max(north, lat + MARGIN)
    w, s, e, n = EXTENT
    return max(west, w + 1), max(south, s + 1), min(east, e - 1), min(north, n - 1)


def _frame_for(width: float, pad: float, cities: Sequence[CityPoint]) -> _Frame:
    """A frame around the view, whose edges curve once projected (so each is sampled)."""
    west, south, east, north = view(cities)
    lons = [west + (east - west) * k / 40 for k in range(41)]
    lats = [south + (north - south) * k / 40 for k in range(41)]
    edge = [(lat, lon) for lon in lons for lat in (south, north)]
    edge += [(lat, lon) for lat in lats for lon in (west, east)]
    return _Frame(_bounds(project(lat, lon) for lat, lon in edge), width, pad)


def _rings_mm(frame: _Frame, min_step: float) -> list[list[Point]]:
    """Land rings projected, cut at the frame and thinned to `min_step` mm."""
    edge = (0.0, 0.0, frame.width, frame.height)
    out: list[list[Point]] = []
    for ring in land():
        thinned: list[Point] = []
        for x, y in _clip([frame(lat, lon) for lon, lat in ring], edge):
            if not thinned or math.hypot(x - thinned[-1][0], y - thinned[-1][1]) >= min_step:
                thinned.append((x, y))
        if len(thinned) >= 3:
            out.append(thinned)
    return out


def _on_edge(a: Point, b: Point, frame: _Frame) -> bool:
    """Whether a segment runs along the frame's edge (where land was cut, not a coast)."""
    for axis, limit in ((0, 0.0), (0, frame.width), (1, 0.0), (1, frame.height)):
        if abs(a[axis] - limit) < 1e-6 and abs(b[axis] - limit) < 1e-6:
            return True
    return False


def _coastline(rings: list[list[Point]], frame: _Frame) -> list[list[Point]]:
    """The rings as open lines, leaving out the stretches along the frame's edge."""
    lines: list[list[Point]] = []
    for ring in rings:
        closed = [*ring, ring[0]]
        run: list[Point] = [closed[0]]
        for a, b in itertools.pairwise(closed):
            if _on_edge(a, b, frame):
                if len(run) > 1:
                    lines.append(run)
                run = [b]
            else:
                run.append(b)
        if len(run) > 1:
            lines.append(run)
    return lines


def _d(lines: Iterable[Sequence[Point]], close: bool) -> str:
    parts: list[str] = []
    for (x0, y0), *rest in lines:
        parts.append(f"M{num(x0)} {num(y0)}L" + " ".join(f"{num(x)} {num(y)}" for x, y in rest))
        if close:
            parts.append("Z")
    return "".join(parts)


def _clip(points: list[Point], box: Box) -> list[Point]:
    """Sutherland-Hodgman against the frame: land stops at the map's edge."""
    x0, y0, x1, y1 = box
    for axis, value, keep_greater in ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)):
        if not points:
            return points

        def inside(
            p: Point, axis: int = axis, value: float = value, k: bool = keep_greater
        ) -> bool:
            return p[axis] >= value if k else p[axis] <= value

        out: list[Point] = []
        prev = points[-1]
        for point in points:
            if inside(point) != inside(prev):
                t = (value - prev[axis]) / (point[axis] - prev[axis])
                cross = (prev[0] + t * (point[0] - prev[0]), prev[1] + t * (point[1] - prev[1]))
                out.append(cross)
            if inside(point):
                out.append(point)
            prev = point
        points = out
    return points


def _land(palette: Palette, frame: _Frame, *, stroke: float, step: float) -> list[str]:
    """All land in one fill, all coast in one line: nothing tells one country from another."""
    land_d, coast_d = _land_paths(frame.key, step)
    return [
        f'<path class="map-land" d="{land_d}" fill={quoteattr(palette.tint)} '
        f'stroke="none" fill-rule="evenodd"/>',
        f'<path class="map-coast" d="{coast_d}" fill="none" '
        f'stroke={quoteattr(palette.primary)} stroke-width="{num(stroke)}" '
        f'stroke-linejoin="round" stroke-linecap="round"/>',
    ]


@lru_cache(maxsize=16)
def _land_paths(frame: tuple[Box, float, float], step: float) -> tuple[str, str]:
    """The land's and the coast's path data in a frame. Every city's locator of a pack
    shows the same region (the view that holds all its cities): it is drawn once."""
    shape = _Frame(*frame)
    rings = _rings_mm(shape, step)
    return _d(rings, True), _d(_coastline(rings, shape), False)


def _caption(frame: _Frame, words: str, size: float, palette: Palette) -> tuple[float, list[str]]:
    """A band under the land with the boundaries caption: its height and its SVG."""
    band = size * 2.0
    y = frame.height + band / 2 + size * 0.35
    return band, [
        f'<rect class="map-caption-band" x="0" y="{num(frame.height)}" '
        f'width="{num(frame.width)}" height="{num(band)}" fill="#ffffff"/>',
        f'<path class="map-rule" d="M0 {num(frame.height)}H{num(frame.width)}" '
        f'stroke={quoteattr(palette.rule)} stroke-width="0.2"/>',
        f'<text class="map-caption" x="{num(frame.width - size * 0.8)}" y="{num(y)}" '
        f'text-anchor="end" font-family={quoteattr(SANS)} font-size="{num(size)}" '
        f"fill={quoteattr(palette.muted)}>{escape(words)}</text>",
    ]


def _border(width: float, height: float, palette: Palette) -> str:
    return (
        f'<rect class="map-border" x="0.1" y="0.1" width="{num(width - 0.2)}" '
        f'height="{num(height - 0.2)}" fill="none" stroke={quoteattr(palette.rule)} '
        f'stroke-width="0.2"/>'
    )


# -- labels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    box: Box
    x: float  # text start
    y: float  # baseline
    leader: tuple[Point, Point] | None


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _candidates(x: float, y: float, r: float, w: float, h: float) -> Iterable[tuple[_Label, float]]:
    """Places for a w x h label around a dot at (x, y), each with a cost of its own.

    Right of the dot is best, then left, then the diagonals, then above and below; the
    rings further out (in 16 directions) get a leader line and cost more.
    """
    desc = h * 0.26  # the box's share below the baseline
    for reach, leader, penalty, ways in (
        (r + 0.8, False, 0.0, 8),
        (r + 4.5, True, 6.0, 16),
        (r + 8.5, True, 10.0, 16),
    ):
        for k in range(ways):
            angle = 2 * math.pi * k / ways
            cos, sin = math.cos(angle), math.sin(angle)
            px, py = x + reach * cos, y - reach * sin * (0.75 if abs(cos) > 0.3 else 1.0)
            left = px if cos > 0.3 else px - w if cos < -0.3 else px - w / 2
            top = py - h if sin > 0.3 else py if sin < -0.3 else py - h / 2
            box = (left, top, left + w, top + h)
            line = None
            if leader:
                near = (min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3]))
                dx, dy = near[0] - x, near[1] - y
                dist = math.hypot(dx, dy) or 1.0
                end = max(dist - 0.5, r + 0.3)  # stop short of the text
                line = (
                    (x + dx / dist * (r + 0.2), y + dy / dist * (r + 0.2)),
                    (x + dx / dist * end, y + dy / dist * end),
                )
            preference = abs(sin) + (0.6 if cos < -0.01 else 0.0)
            yield _Label(box, left, top + h - desc, line), penalty + preference


class _Grid:
    """Outline points bucketed by 4 mm cells, to count how many a label box would cover."""

    CELL = 4.0

    def __init__(self, points: Iterable[Point]) -> None:
        self.cells: dict[tuple[int, int], list[Point]] = {}
        for x, y in points:
            self.cells.setdefault((int(x // self.CELL), int(y // self.CELL)), []).append((x, y))

    def count(self, box: Box, spare: Point, radius: float) -> int:
        """Points inside `box`, leaving out those within `radius` of `spare` (the dot)."""
        x0, y0, x1, y1 = box
        sx, sy = spare
        total = 0
        for i in range(int(x0 // self.CELL), int(x1 // self.CELL) + 1):
            for j in range(int(y0 // self.CELL), int(y1 // self.CELL) + 1):
                total += sum(
                    1
                    for x, y in self.cells.get((i, j), ())
                    if x0 <= x <= x1 and y0 <= y <= y1 and math.hypot(x - sx, y - sy) > radius
                )
        return total


def _spread(points: list[Point], radii: Sequence[float], gap: float = 0.35) -> list[Point]:
    """Push apart dots that would touch, keeping their directions from each other."""
    moved = list(points)
    for _ in range(30):
        calm = True
        for i in range(len(moved)):
            for j in range(i + 1, len(moved)):
                (ax, ay), (bx, by) = moved[i], moved[j]
                need = radii[i] + radii[j] + gap
                dx, dy = bx - ax, by - ay
                dist = math.hypot(dx, dy)
                if dist >= need - 1e-6:
                    continue
                calm = False
                if dist < 1e-9:
                    dx, dy, dist = 0.0, 1.0, 1.0
                push = (need - dist) / 2
                ux, uy = dx / dist * push, dy / dist * push
                moved[i] = (ax - ux, ay - uy)
                moved[j] = (bx + ux, by + uy)
        if calm:
            break
    return moved


def _place(
    points: Sequence[tuple[float, float, float, float, float]], limit: Box, coast: _Grid
) -> list[_Label]:
    """Greedy placement: each label takes its cheapest place in the order given.

    `points` are (x, y, dot radius, label width, label height). Going outside `limit`,
    covering a dot or a placed label, and crossing the coastline all cost.
    """
    dots = [(x - r - 0.3, y - r - 0.3, x + r + 0.3, y + r + 0.3) for x, y, r, _, _ in points]
    placed: list[_Label] = []
    for i, (x, y, r, w, h) in enumerate(points):
        best: _Label | None = None
        best_cost = math.inf
        for candidate, penalty in _candidates(x, y, r, w, h):
            box = candidate.box
            outside = (
                max(0.0, limit[0] - box[0])
                + max(0.0, box[2] - limit[2])
                + max(0.0, limit[1] - box[1])
                + max(0.0, box[3] - limit[3])
            )
            cost = penalty + outside * 1000
            cost += sum(_overlap(box, d) for j, d in enumerate(dots) if j != i) * 100
            cost += sum(_overlap(box, other.box) for other in placed) * 100
            if candidate.leader is not None:
                hits = [other.box for other in placed] + [d for j, d in enumerate(dots) if j != i]
                cost += 50 * sum(_crosses(candidate.leader, hit) for hit in hits)
                cost += 50 * sum(
                    _intersect(candidate.leader, other.leader)
                    for other in placed
                    if other.leader is not None
                )
            cost += 50 * sum(
                _crosses(other.leader, box) for other in placed if other.leader is not None
            )
            if candidate.leader is None:
                # A label must sit nearer its own dot than any other, or it names the wrong one.
                own = _distance(box, (x, y))
                for j, (ox, oy, *_) in enumerate(points):
                    if j != i:
                        cost += 20 * max(0.0, own + 1.0 - _distance(box, (ox, oy)))
            padded = (box[0] - 0.3, box[1] - 0.3, box[2] + 0.3, box[3] + 0.3)
            # A coastal city's label may touch the coast next to its dot, not further out.
            cost += coast.count(padded, (x, y), r + 1.0) * 1.0
            if cost < best_cost:
                best, best_cost = candidate, cost
        assert best is not None
        placed.append(best)
    return placed


def _distance(box: Box, point: Point) -> float:
    """From a point to the nearest edge of a box (0 inside)."""
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def _intersect(a: tuple[Point, Point], b: tuple[Point, Point]) -> bool:
    """Whether two line segments cross."""

    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    (p1, p2), (q1, q2) = a, b
    return side(p1, p2, q1) * side(p1, p2, q2) < 0 and side(q1, q2, p1) * side(q1, q2, p2) < 0


def _crosses(line: tuple[Point, Point], box: Box) -> bool:
    """Whether a straight leader line passes through a label box (sampled)."""
    (ax, ay), (bx, by) = line
    if max(ax, bx) < box[0] or min(ax, bx) > box[2] or max(ay, by) < box[1] or min(ay, by) > box[3]:
        return False  # every sample lies within the line's own box
    for k in range(11):
        t = k / 10
        x, y = ax + (bx - ax) * t, ay + (by - ay) * t
        if box[0] <= x <= box[2] and box[1] <= y <= box[3]:
            return True
    return False


def _label_size(name: str, name_zh: str) -> tuple[float, float]:
    width = text_width(name, LABEL_SIZE)
    if name_zh:
        width += 0.9 + len(name_zh) * ZH_SIZE
    return width, LABEL_SIZE * 1.05


def _label_svg(label: _Label, name: str, name_zh: str, palette: Palette) -> str:
    parts = []
    if label.leader is not None:
        (ax, ay), (bx, by) = label.leader
        parts.append(
            f'<path class="map-leader" d="M{num(ax)} {num(ay)}L{num(bx)} {num(by)}" '
            f'stroke={quoteattr(palette.muted)} stroke-width="0.15" fill="none"/>'
        )
    zh = (
        f'<tspan dx="0.9" font-family={quoteattr(CJK_FAMILY)} font-size="{num(ZH_SIZE)}" '
        f'font-weight="normal" fill={quoteattr(palette.muted)}>{escape(name_zh)}</tspan>'
        if name_zh
        else ""
    )
    parts.append(
        f'<text class="map-label" x="{num(label.x)}" y="{num(label.y)}" '
        f'font-family={quoteattr(SANS)} font-size="{num(LABEL_SIZE)}" '
        f"fill={quoteattr(palette.foreground)}>{escape(name)}{zh}</text>"
    )
    return "".join(parts)


# -- public ---------------------------------------------------------------------------


def china_map(cities: Sequence[CityPoint], palette: Palette, width_mm: float = 160) -> str:
    """Eastern China's land and coast with the given cities, labelled in English and Chinese.

    `cities` are (name, Chinese name, latitude, longitude). No boundary is drawn and the
    map says so. Dots that would touch are nudged apart along the line between them;
    labels avoid dots, other labels, the caption and the coastline, and get a thin
    leader line when they have to sit away from their dot.
    """
    pad = width_mm * 0.03
    frame = _frame_for(width_mm, pad, cities)
    body = [
        f'<rect class="map-frame" x="0" y="0" width="{num(frame.width)}" '
        f'height="{num(frame.height)}" fill="#ffffff"/>',
        *_land(palette, frame, stroke=0.25, step=0.12),
    ]
    band, caption = _caption(frame, CAPTION, CAPTION_SIZE, palette)

    spots = _spread([frame(c[2], c[3]) for c in cities], [DOT] * len(cities))
    specs = [(x, y, DOT, *_label_size(c[0], c[1])) for c, (x, y) in zip(cities, spots, strict=True)]
    limit = (1.0, 1.0, frame.width - 1.0, frame.height - 1.0)
    labels = _place(specs, limit, _Grid(_coast(frame)))

    dots: list[str] = []
    texts: list[str] = []
    for (name, name_zh, lat, lon), (x, y, r, _, _), label in zip(
        cities, specs, labels, strict=True
    ):
        dots.append(
            f'<circle class="map-city" data-name={quoteattr(name)} data-lat="{lat:g}" '
            f'data-lon="{lon:g}" cx="{num(x)}" cy="{num(y)}" r="{num(r)}" '
            f'fill={quoteattr(palette.primary)} stroke="#ffffff" stroke-width="0.3"/>'
        )
        texts.append(_label_svg(label, name, name_zh, palette))
    # Dots first, in reverse so the first city is on top; leader lines and labels over them.
    body += [*dots[::-1], *texts, *caption, _border(frame.width, frame.height + band, palette)]
    names = ", ".join(c[0] for c in cities)
    title = f"Map of China showing {names}" if cities else "Map of China"
    return svg_document(frame.width, frame.height + band, title, body, kind="map")


def _coast(frame: _Frame, spacing: float = 0.4) -> list[Point]:
    """Points along the projected coast inside the frame, no more than `spacing` mm apart."""
    edge = (0.0, 0.0, frame.width, frame.height)
    out: list[Point] = []
    for ring in land():
        points = _clip([frame(lat, lon) for lon, lat in ring], edge)
        for (ax, ay), (bx, by) in zip(points, [*points[1:], *points[:1]], strict=True):
            steps = max(1, int(math.hypot(bx - ax, by - ay) / spacing))
            out += [(ax + (bx - ax) * k / steps, ay + (by - ay) * k / steps) for k in range(steps)]
    return out


def city_inset(
    city: CityPoint,
    others: Sequence[CityPoint],
    palette: Palette,
    width_mm: float = 45,
) -> str:
    """A small locator: land and coast with `city` marked and `others` as small dots."""
    pad = width_mm * 0.02
    frame = _frame_for(width_mm, pad, [city, *others])
    body = [
        f'<rect class="map-frame" x="0" y="0" width="{num(frame.width)}" '
        f'height="{num(frame.height)}" fill="#ffffff"/>',
        *_land(palette, frame, stroke=0.15, step=0.25),
    ]
    name, name_zh, lat, lon = city
    for other in others:
        if other[0] == name:
            continue
        x, y = frame(other[2], other[3])
        body.append(
            f'<circle class="map-city" data-name={quoteattr(other[0])} cx="{num(x)}" '
            f'cy="{num(y)}" r="0.45" fill={quoteattr(palette.muted)}/>'
        )
    x, y = frame(lat, lon)
    body.append(
        f'<circle class="map-city map-highlight" data-name={quoteattr(name)} cx="{num(x)}" '
        f'cy="{num(y)}" r="1.2" fill={quoteattr(palette.secondary)} stroke="#ffffff" '
        f'stroke-width="0.3"/>'
    )
    band, caption = _caption(frame, SHORT_CAPTION, 5 * PT, palette)
    body += [*caption, _border(frame.width, frame.height + band, palette)]
    label = f"{name} ({name_zh})" if name_zh else name
    title = f"Where {label} is in China"
    return svg_document(frame.width, frame.height + band, title, body, kind="inset")
