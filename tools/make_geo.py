"""Rebuild data/geo/land.json from Natural Earth's land layer in the npm package world-atlas.

    python tools/make_geo.py                      # fetches world-atlas@2.0.2 with `npm pack`
    python tools/make_geo.py --source PATH        # a world-atlas .tgz or unpacked folder

world-atlas (ISC, Mike Bostock) redistributes Natural Earth's 1:50m land polygons
(public domain), version 4.1.0, as quantized TopoJSON. Land is one layer with no
national or disputed boundaries in it, so a map drawn from it makes no claim about
any border. This script decodes the TopoJSON (delta-encoded arcs plus the
quantization transform), simplifies the arcs with Douglas-Peucker, cuts the land to
a box around East Asia, drops specks and writes lon/lat rings rounded to 0.01 degree.
Run by hand; neither the build nor CI needs it. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

PACKAGE = "world-atlas@2.0.2"
TOPOLOGY = "land-50m.json"
HERE = Path(__file__).resolve().parent.parent
OUTPUT = HERE / "data" / "geo" / "land.json"

#: Land is cut to this box (west, south, east, north); it holds every view geomap.py draws.
CLIP_BOX = (60.0, 0.0, 155.0, 58.0)
#: Douglas-Peucker tolerance in degrees (about 0.1 mm on a 165 mm map of eastern China).
TOLERANCE = 0.03
#: Rings smaller than this (square degrees) are dropped: specks at print size.
MIN_AREA = 0.004
DIGITS = 2

Point = tuple[float, float]
Ring = list[Point]


def fetch(source: Path | None) -> dict[str, Any]:
    """The TopoJSON topology, from `source` or from a fresh `npm pack`."""
    if source is not None and source.is_dir():
        return dict(json.loads((source / TOPOLOGY).read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as tmp:
        if source is None:
            done = subprocess.run(
                ["npm", "pack", PACKAGE, "--silent"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            )
            source = Path(tmp) / done.stdout.strip().splitlines()[-1]
        with tarfile.open(source) as archive:
            member = archive.extractfile(f"package/{TOPOLOGY}")
            if member is None:
                raise SystemExit(f"{source}: no package/{TOPOLOGY}")
            return dict(json.loads(member.read()))


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Absolute lon/lat points for every arc: undo the delta encoding and quantization."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        x = y = 0
        points: list[Point] = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def polygons_of(geometry: dict[str, Any]) -> list[list[list[int]]]:
    """A Polygon or MultiPolygon's rings as lists of arc indexes."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker: keep the points that stray more than `tolerance` from the chord."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - ax, py - ay)
            else:
                distance = abs(dy * (px - ax) - dx * (py - ay)) / length
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def ring_points(ring: Iterable[int], arcs: list[list[Point]]) -> Ring:
    """Join a ring's (simplified) arcs into one closed list of points."""
    out: Ring = []
    for index in ring:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        out.extend(points[1:] if out else points)
    return out


def area(ring: Sequence[Point]) -> float:
    """Unsigned shoelace area in square degrees."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def clip(ring: Ring, box: tuple[float, float, float, float]) -> Ring:
    """Sutherland-Hodgman: the part of a ring inside an axis-aligned box."""
    west, south, east, north = box
    out = ring
    for axis, value, keep_greater in (
        (0, west, True),
        (0, east, False),
        (1, south, True),
        (1, north, False),
    ):
        points, out = out, []
        if not points:
            break
        prev = points[-1]
        for point in points:
            here = point[axis] >= value if keep_greater else point[axis] <= value
            there = prev[axis] >= value if keep_greater else prev[axis] <= value
            if here != there:
                out.append(_cross(prev, point, axis, value))
            if here:
                out.append(point)
            prev = point
    return out


def _cross(a: Point, b: Point, axis: int, value: float) -> Point:
    t = (value - a[axis]) / (b[axis] - a[axis])
    x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    return (value, y) if axis == 0 else (x, value)


def compact(ring: Ring) -> list[float]:
    """Round to DIGITS decimals, drop repeated points and the closing point; flatten."""
    flat: list[float] = []
    last: tuple[float, float] | None = None
    for x, y in ring:
        point = (round(x, DIGITS), round(y, DIGITS))
        if point != last:
            flat += point
            last = point
    if len(flat) >= 4 and flat[:2] == flat[-2:]:
        flat = flat[:-2]
    return flat if len(flat) >= 6 else []


def build(topology: dict[str, Any]) -> dict[str, Any]:
    """The compact land document written to data/geo/land.json."""
    arcs = [simplify(arc, TOLERANCE) for arc in decode_arcs(topology)]
    rings: list[list[float]] = []
    for geometry in topology["objects"]["land"]["geometries"]:
        for polygon in polygons_of(geometry):
            for arc_ring in polygon:
                ring = clip(ring_points(arc_ring, arcs), CLIP_BOX)
                if len(ring) < 3 or area(ring) < MIN_AREA:
                    continue
                flat = compact(ring)
                if flat:
                    rings.append(flat)
    return {
        "source": {
            "data": "Natural Earth 1:50m physical vectors, land, version 4.1.0 (public domain)",
            "package": f"{PACKAGE} (npm, ISC licence), {TOPOLOGY}",
            "made_by": "tools/make_geo.py",
            "tolerance_deg": TOLERANCE,
            "clip_box": CLIP_BOX,
            "note": "land and coast only, no boundaries; rings are flat [lon, lat, ...] lists",
        },
        "rings": rings,
    }


def main(argv: list[str] | None = None) -> None:
    """Fetch, convert and write; print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, help="world-atlas .tgz or unpacked folder")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    document = build(fetch(args.source))
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    rings = document["rings"]
    points = sum(len(r) // 2 for r in rings)
    print(f"{args.output}: {len(text) // 1024} KiB, {len(rings)} rings, {points} points")


if __name__ == "__main__":
    main()
