"""Rebuild data/geo/china.json from Natural Earth outlines in the npm package world-atlas.

    python tools/make_geo.py                      # fetches world-atlas@2.0.2 with `npm pack`
    python tools/make_geo.py --source PATH        # a world-atlas .tgz or unpacked folder

world-atlas (ISC, Mike Bostock) redistributes Natural Earth's 1:50m Admin 0 countries
(public domain), version 4.1.0, as quantized TopoJSON. This script decodes the
TopoJSON (delta-encoded arcs plus the quantization transform), merges China with
Hong Kong and Macau into one outline, keeps the countries around China as faint
context, simplifies the shared arcs once (so neighbouring borders still meet), clips
the context to a box around China and writes lon/lat rings rounded to 0.01 degree.
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
TOPOLOGY = "countries-50m.json"
HERE = Path(__file__).resolve().parent.parent
OUTPUT = HERE / "data" / "geo" / "china.json"

#: China and the two special administrative regions, drawn as one outline.
CHINA = {"156": "China", "344": "Hong Kong", "446": "Macao"}
#: Taiwan is kept as its own group, so the way it is drawn is one decision in geomap.py.
TAIWAN = {"158"}
#: Countries whose outline touches this box are kept as context (lon, lat).
CONTEXT_BOX = (70.0, 15.0, 140.0, 55.0)
#: Context outlines are cut to this larger box, which holds any view of China.
CLIP_BOX = (55.0, 0.0, 155.0, 62.0)
#: Douglas-Peucker tolerance in degrees (about 0.1 mm on a 160 mm map of China).
TOLERANCE = 0.03
#: Rings smaller than this (square degrees) are dropped: specks at print size.
MIN_AREA = {"china": 0.004, "taiwan": 0.004, "neighbour": 0.03}
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


def merge_rings(rings: list[list[int]]) -> list[list[int]]:
    """Dissolve the arcs that two rings share (an arc `a` in one, its reverse `~a` in another).

    Splicing the rest of the second ring in place of `a` removes the shared border, as
    topojson's merge does; a ring that meets itself this way splits in two.
    """
    rings = [list(r) for r in rings]
    changed = True
    while changed:
        changed = False
        where = {arc: (i, j) for i, ring in enumerate(rings) for j, arc in enumerate(ring)}
        for arc, (i, j) in where.items():
            if ~arc not in where:
                continue
            k, m = where[~arc]
            if i != k:
                other = rings[k][m + 1 :] + rings[k][:m]
                rings[i] = rings[i][:j] + other + rings[i][j + 1 :]
                del rings[k]
            else:
                ring = rings[i]
                lo, hi = sorted((j, m))
                inner, outer = ring[lo + 1 : hi], ring[:lo] + ring[hi + 1 :]
                rings[i : i + 1] = [r for r in (outer, inner) if r]
            changed = True
            break
    return rings


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


def bbox(rings: Iterable[Sequence[Point]]) -> tuple[float, float, float, float]:
    """West, south, east, north of some rings."""
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


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
    """The compact outline document written to data/geo/china.json."""
    raw = decode_arcs(topology)
    arcs = [simplify(arc, TOLERANCE) for arc in raw]
    geometries = topology["objects"]["countries"]["geometries"]

    china_rings: list[list[int]] = []
    features: list[dict[str, Any]] = []
    west, south, east, north = CONTEXT_BOX
    for geometry in geometries:
        code = str(geometry.get("id", ""))
        polygons = polygons_of(geometry)
        if not polygons:
            continue
        if code in CHINA:
            china_rings += [polygon[0] for polygon in polygons]  # no holes in these three
            continue
        group = "taiwan" if code in TAIWAN else "neighbour"
        rings = [ring_points(ring, raw) for polygon in polygons for ring in polygon]
        w, s, e, n = bbox(rings)
        if e < west or w > east or n < south or s > north:
            continue
        kept = [ring_points(ring, arcs) for polygon in polygons for ring in polygon]
        features.append(_feature(code, geometry["properties"]["name"], group, kept))

    merged = [ring_points(ring, arcs) for ring in merge_rings(china_rings)]
    features.insert(0, _feature("156", "China", "china", merged))
    return {
        "source": {
            "data": "Natural Earth 1:50m Admin 0 countries, version 4.1.0 (public domain)",
            "package": f"{PACKAGE} (npm, ISC licence), {TOPOLOGY}",
            "made_by": "tools/make_geo.py",
            "tolerance_deg": TOLERANCE,
            "clip_box": CLIP_BOX,
            "note": "China includes Hong Kong and Macao; rings are flat [lon, lat, ...] lists",
        },
        "features": [f for f in features if f["rings"]],
    }


def _feature(code: str, name: str, group: str, rings: list[Ring]) -> dict[str, Any]:
    kept: list[list[float]] = []
    for ring in rings:
        if group != "china":
            ring = clip(ring, CLIP_BOX)
        if len(ring) < 3 or area(ring) < MIN_AREA[group]:
            continue
        flat = compact(ring)
        if flat:
            kept.append(flat)
    return {"id": code, "name": name, "group": group, "rings": kept}


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
    points = sum(len(r) // 2 for f in document["features"] for r in f["rings"])
    names = ", ".join(f["name"] for f in document["features"])
    print(f"{args.output}: {len(text) // 1024} KiB, {points} points; {names}")


if __name__ == "__main__":
    main()
