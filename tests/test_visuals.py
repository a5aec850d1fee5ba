"""Charts, maps and QR codes: the SVG they return, and what it looks like once rendered."""

from __future__ import annotations

import itertools
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import segno
import weasyprint
import zxingcpp
from PIL import Image

from brochure.look.brand import load_brand
from brochure.look.charts import LABEL_SIZE, population_chart, sector_matrix, text_width
from brochure.look.geomap import ZH_SIZE, CityPoint, china_map, city_inset, land
from brochure.look.palette import Palette, root_properties
from brochure.look.qr import QUIET_ZONE, qr_svg
from brochure.look.qrmask import qr_matrix
from brochure.resources import builtin_data, builtin_styles
from pdftools import fonts_of, page_texts

NS = {"svg": "http://www.w3.org/2000/svg"}
S = "{http://www.w3.org/2000/svg}"
HOSTILE = "<b>&"

POPULATION = [
    ("Shanghai", 24_870_895),
    ("Guangzhou", 18_676_605),
    ("Tianjin", 13_866_009),
    ("Ningbo", 9_404_283),
]
CITIES: list[CityPoint] = [
    ("Shanghai", "上海", 31.23, 121.47),
    ("Tianjin", "天津", 39.13, 117.20),
    ("Guangzhou", "广州", 23.13, 113.26),
    ("Shenzhen", "深圳", 22.54, 114.06),
    ("Hong Kong", "香港", 22.32, 114.17),
    ("Ningbo", "宁波", 29.87, 121.55),
    ("Qingdao", "青岛", 36.07, 120.38),
]


def parse(svg: str) -> ET.Element:
    """Parse and check what every SVG here must have: mm size, viewBox, role, title."""
    assert not svg.lstrip().startswith("<?xml")
    root = ET.fromstring(svg)
    assert root.tag == f"{S}svg"
    assert re.fullmatch(r"[\d.]+mm", root.get("width", ""))
    assert re.fullmatch(r"[\d.]+mm", root.get("height", ""))
    box = [float(v) for v in root.get("viewBox", "").split()]
    assert len(box) == 4 and box[2] > 0 and box[3] > 0
    assert root.get("role") == "img"
    title = root.find("svg:title", NS)
    assert title is not None and title.text
    assert root.get("aria-label") == title.text
    for element in root.iter():
        assert element.tag.split("}")[-1] not in ("script", "image", "foreignObject", "use")
        assert not any(name.endswith("href") for name in element.attrib)
        assert "url(" not in " ".join(element.attrib.values())
    return root


def texts(root: ET.Element, cls: str) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{S}text") if t.get("class") == cls]


def by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{S}{tag}") if cls in (e.get("class") or "").split()]


def path_points(d: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[0::2], numbers[1::2], strict=True))


def inside(point: tuple[float, float], ring: Sequence[tuple[float, float]]) -> bool:
    """Even-odd ray casting."""
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def render(svg: str, tmp_path: Path, *, scale: float = 4, name: str = "page") -> Image.Image:
    """Lay the SVG out in a page with the bundled fonts, as the packs do; return a PNG."""
    fonts = (builtin_styles() / "fonts.css").as_uri()
    html = (
        f'<html><head><link rel="stylesheet" href="{fonts}">'
        "<style>@page { size: 190mm 160mm; margin: 5mm } body { margin: 0 }</style>"
        f"</head><body>{svg}</body></html>"
    )
    pdf_path = tmp_path / f"{name}.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf_path)
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        image: Image.Image = pdf[0].render(scale=scale).to_pil().convert("RGB")
    finally:
        pdf.close()
    return image


# -- palette --------------------------------------------------------------------------


def test_default_palette_matches_base_css() -> None:
    css = (builtin_styles() / "base.css").read_text(encoding="utf-8")
    assert Palette.default().with_stylesheets([css]) == Palette.default()
    assert {f"--brand-{k}": v for k, v in vars(Palette.default()).items()}.items() <= (
        root_properties(css).items()
    )


def test_the_brand_stage_gives_the_palette_of_the_brand_file() -> None:
    kit = load_brand(Path(__file__).resolve().parent.parent / "examples" / "harbour-trade-office")
    palette = kit.palette
    assert palette.primary == "#a6192e"
    assert palette.secondary == "#2b2f33"
    assert palette.tint == "#f0f2f4"
    assert palette.muted == Palette.default().muted  # not in the kit


def test_a_kit_stylesheet_colour_reaches_the_charts(tmp_path: Path) -> None:
    """The kit's stylesheets come after the brand file's colours, in the pack and here."""
    (tmp_path / "brand.yml").write_text(
        "meta:\n  name: Test\ncolor:\n  primary: '#112233'\n  secondary: '#445566'\n",
        encoding="utf-8",
    )
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "colours.css").write_text(
        "/* ours */\n:root { --brand-primary: #00aa00; --brand-rule: rgb(1 2 3); }\n"
        ".note { --brand-muted: #ffffff; }\n",
        encoding="utf-8",
    )
    palette = load_brand(tmp_path).palette
    assert palette.primary == "#00aa00"
    assert palette.secondary == "#445566"
    assert palette.rule == "rgb(1 2 3)"
    assert palette.muted == Palette.default().muted  # not a :root rule


def test_palette_ignores_what_is_not_a_colour() -> None:
    css = ":root {\n  --brand-primary: var(--x);\n  --brand-rule: red;\n  --brand-tint: #abc\n}"
    css += ":root { --brand-muted: url(evil); --brand-palette-x: #000; --brand-secondary: a b }"
    palette = Palette.default().with_stylesheets([css])
    assert palette.primary == Palette.default().primary
    assert palette.muted == Palette.default().muted
    assert palette.secondary == Palette.default().secondary
    assert (palette.rule, palette.tint) == ("red", "#abc")


# -- population chart -----------------------------------------------------------------


def test_population_chart_has_one_bar_per_city_in_proportion() -> None:
    root = parse(population_chart(POPULATION, Palette.default()))
    bars = by_class(root, "rect", "chart-bar")
    assert len(bars) == len(POPULATION)
    widths = [float(b.get("width", "0")) for b in bars]
    for width, (_, value) in zip(widths, POPULATION, strict=True):
        assert width / widths[0] == pytest.approx(value / POPULATION[0][1], rel=1e-3)
    starts = {b.get("x") for b in bars}
    assert len(starts) == 1  # one baseline
    tops = [float(b.get("y", "0")) for b in bars]
    assert tops == sorted(tops)  # in the order given
    assert texts(root, "chart-label") == [name for name, _ in POPULATION]
    assert texts(root, "chart-value") == ["24.9 m", "18.7 m", "13.9 m", "9.4 m"]
    assert texts(root, "chart-tick")[0] == "0"
    assert root.get("width") == "160mm"


def test_population_chart_fits_its_width_and_value_labels_follow_bars() -> None:
    root = parse(population_chart(POPULATION, Palette.default(), width_mm=100))
    width = float(root.get("viewBox", "").split()[2])
    assert width == 100
    bars = by_class(root, "rect", "chart-bar")
    values = [t for t in root.iter(f"{S}text") if t.get("class") == "chart-value"]
    for bar, value in zip(bars, values, strict=True):
        end = float(bar.get("x", "0")) + float(bar.get("width", "0"))
        x = float(value.get("x", "0"))
        assert end < x
        assert x + text_width("".join(value.itertext()), LABEL_SIZE) <= width


def test_population_chart_escapes_names_and_handles_no_data() -> None:
    svg = population_chart([(HOSTILE, 1_000_000)], Palette.default())
    assert "<b>" not in svg
    assert texts(parse(svg), "chart-label") == [HOSTILE]
    root = parse(population_chart([], Palette.default()))
    assert not by_class(root, "rect", "chart-bar")
    assert "No data" in "".join(root.itertext())


# -- sector matrix --------------------------------------------------------------------


def test_sector_matrix_fills_exactly_the_listed_cells() -> None:
    sectors = [("autos", "Automotive"), ("ports", "Ports and shipping"), ("chips", "Chips")]
    cities = [("Shanghai", ["autos", "chips"]), ("Ningbo", ["ports"]), ("Tianjin", [])]
    root = parse(sector_matrix(cities, sectors, Palette.default()))
    filled = {
        (c.get("data-city"), c.get("data-sector")) for c in by_class(root, "circle", "matrix-yes")
    }
    empty = {
        (c.get("data-city"), c.get("data-sector")) for c in by_class(root, "circle", "matrix-no")
    }
    assert filled == {("Shanghai", "autos"), ("Shanghai", "chips"), ("Ningbo", "ports")}
    assert len(empty) == 9 - 3 and not filled & empty
    yes = by_class(root, "circle", "matrix-yes")[0]
    no = by_class(root, "circle", "matrix-no")[0]
    assert float(yes.get("r", "0")) > float(no.get("r", "0"))  # shape, not just colour
    assert no.get("fill") == "none"
    assert texts(root, "matrix-city") == ["Shanghai", "Ningbo", "Tianjin"]
    assert texts(root, "matrix-sector") == ["Automotive", "Ports and shipping", "Chips"]
    # Columns left to right, rows top to bottom, in the order given.
    xs = sorted({float(c.get("cx", "0")) for c in root.iter(f"{S}circle")})
    ys = sorted({float(c.get("cy", "0")) for c in root.iter(f"{S}circle")})
    assert len(xs) == 3 and len(ys) == 3
    for circle in root.iter(f"{S}circle"):
        column = [s for s, _ in sectors].index(circle.get("data-sector", ""))
        row = [c for c, _ in cities].index(circle.get("data-city", ""))
        assert xs.index(float(circle.get("cx", "0"))) == column
        assert ys.index(float(circle.get("cy", "0"))) == row


def test_sector_matrix_labels_stay_inside_and_escape() -> None:
    sectors = [(f"s{i}", f"Sector {HOSTILE} number {i}") for i in range(12)]
    svg = sector_matrix([(HOSTILE, ["s0", "s11"])], sectors, Palette.default())
    assert "<b>" not in svg
    root = parse(svg)
    assert texts(root, "matrix-city") == [HOSTILE]
    assert all(HOSTILE in t for t in texts(root, "matrix-sector"))
    assert {c.get("data-city") for c in root.iter(f"{S}circle")} == {HOSTILE}
    width = float(root.get("viewBox", "").split()[2])
    assert all(float(c.get("cx", "0")) < width for c in root.iter(f"{S}circle"))


@pytest.mark.parametrize(
    ("cities", "sectors"),
    [([], [("a", "A")]), ([("Ningbo", ["a"])], []), ([], [])],
)
def test_sector_matrix_without_rows_or_columns(
    cities: list[tuple[str, list[str]]], sectors: list[tuple[str, str]]
) -> None:
    root = parse(sector_matrix(cities, sectors, Palette.default()))
    assert not list(root.iter(f"{S}circle"))
    assert "No data" in "".join(root.itertext())


# -- outlines and maps ----------------------------------------------------------------


def test_geo_data_is_small_licensed_land_without_boundaries() -> None:
    folder = builtin_data() / "geo"
    assert sorted(p.name for p in folder.iterdir()) == ["LICENCE.md", "land.json"]
    assert (folder / "land.json").stat().st_size < 150_000
    licence = (folder / "LICENCE.md").read_text(encoding="utf-8")
    assert "Natural Earth" in licence and "ISC" in licence and "land-50m.json" in licence
    assert "No national or disputed boundaries" in licence
    document = json.loads((folder / "land.json").read_text(encoding="utf-8"))
    assert set(document) == {"source", "rings"}  # one layer: no countries, no groups
    rings = land()
    on_land = [(31.23, 121.47), (39.13, 117.20), (23.13, 113.26), (39.9, 116.4), (22.6, 114.1)]
    on_land += [(22.45, 114.10), (22.22, 113.52), (25.03, 121.56), (37.57, 126.98)]
    for lat, lon in on_land:  # ... Hong Kong's New Territories, Macao, Taipei, Seoul
        assert sum(inside((lon, lat), ring) for ring in rings) == 1, (lat, lon)
    at_sea = [(38.8, 119.8), (35.0, 123.0), (29.0, 125.0), (24.3, 119.3), (19.0, 116.0)]
    for lat, lon in at_sea:  # Bohai, Yellow Sea, East China Sea, Taiwan Strait, South China Sea
        assert not any(inside((lon, lat), ring) for ring in rings), (lat, lon)
    # Shenzhen and Hong Kong are one piece of land: nothing is drawn between them.
    (ring,) = [r for r in rings if inside((114.1, 22.6), r)]
    assert inside((114.1, 22.45), ring)


def land_styles(root: ET.Element) -> set[tuple[str | None, str | None]]:
    """(fill, stroke) of every shape on the map that is not a dot, label, leader or frame."""
    skip = {"map-city", "map-leader", "map-frame", "map-border", "map-caption-band", "map-rule"}
    return {
        (e.get("fill"), e.get("stroke"))
        for tag in ("path", "polygon", "rect", "polyline", "circle")
        for e in root.iter(f"{S}{tag}")
        if not skip & set((e.get("class") or "").split())
    }


def test_maps_draw_one_land_and_no_boundaries() -> None:
    palette = Palette.default()
    for svg in (
        china_map(CITIES, palette),
        city_inset(CITIES[0], CITIES, palette),
    ):
        root = parse(svg)
        (fill,) = by_class(root, "path", "map-land")
        (coast,) = by_class(root, "path", "map-coast")
        assert (fill.get("fill"), fill.get("stroke")) == (palette.tint, "none")
        assert (coast.get("fill"), coast.get("stroke")) == ("none", palette.primary)
        # One land fill and one coast line: no country, neighbour or highlight shape.
        assert land_styles(root) == {(palette.tint, "none"), ("none", palette.primary)}
        assert not by_class(root, "path", "map-china") and not by_class(root, "path", "map-context")
        words = " ".join("".join(t.itertext()) for t in by_class(root, "text", "map-caption"))
        assert "boundaries are not shown" in words.lower()
        # The coast is not stroked where land is cut at the map's edge.
        _, _, width, _ = (float(v) for v in root.get("viewBox", "").split())
        for line in coast.get("d", "").split("M")[1:]:
            for (x1, y1), (x2, y2) in itertools.pairwise(path_points(line)):
                assert not (x1 == x2 == 0 or x1 == x2 == width or y1 == y2 == 0), (x1, y1)


def test_map_view_widens_for_a_city_outside_it() -> None:
    urumqi: CityPoint = ("Urumqi", "乌鲁木齐", 43.83, 87.62)
    wide = parse(china_map([*CITIES, urumqi], Palette.default()))
    usual = parse(china_map(CITIES, Palette.default()))
    dots = {c.get("data-name"): c for c in by_class(wide, "circle", "map-city")}
    _, _, width, height = (float(v) for v in wide.get("viewBox", "").split())
    for dot in dots.values():
        assert 0 < float(dot.get("cx", "0")) < width and 0 < float(dot.get("cy", "0")) < height
    assert float(dots["Urumqi"].get("cx", "0")) < float(dots["Shanghai"].get("cx", "0"))
    assert usual.get("viewBox") != wide.get("viewBox")


def test_china_map_places_cities_where_they_are() -> None:
    palette = Palette.default()
    root = parse(china_map(CITIES, palette))
    dots = {c.get("data-name"): c for c in by_class(root, "circle", "map-city")}
    assert set(dots) == {c[0] for c in CITIES}
    pos = {name: (float(c.get("cx", "0")), float(c.get("cy", "0"))) for name, c in dots.items()}
    # Every dot but Hong Kong's (Victoria Harbour is sea at this scale) is on the land drawn.
    rings = land_rings(root)
    for name, point in pos.items():
        if name != "Hong Kong":
            assert sum(inside(point, ring) for ring in rings) == 1, name
    assert pos["Shanghai"][0] > pos["Tianjin"][0]  # east of Tianjin
    assert pos["Shanghai"][1] > pos["Tianjin"][1]  # and south of it
    assert pos["Guangzhou"][1] > pos["Shanghai"][1] and pos["Guangzhou"][0] < pos["Shanghai"][0]
    assert pos["Qingdao"][1] < pos["Ningbo"][1]
    assert pos["Hong Kong"][1] > pos["Shenzhen"][1]  # close, but still in order
    # Close dots are nudged apart rather than stacked.
    for a, b in itertools.combinations(dots.values(), 2):
        gap = math.dist(
            (float(a.get("cx", "0")), float(a.get("cy", "0"))),
            (float(b.get("cx", "0")), float(b.get("cy", "0"))),
        )
        assert gap >= float(a.get("r", "0")) + float(b.get("r", "0"))


def land_rings(root: ET.Element) -> list[list[tuple[float, float]]]:
    """The land path's rings in map millimetres."""
    (fill,) = by_class(root, "path", "map-land")
    return [path_points(part) for part in fill.get("d", "").split("Z") if part.strip()]


def label_boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """The box each map label takes, from its position and the font's widths."""
    boxes = {}
    for label in by_class(root, "text", "map-label"):
        name = label.text or ""
        zh = "".join(t.text or "" for t in label.iter(f"{S}tspan"))
        width = text_width(name, LABEL_SIZE, bold=label.get("font-weight") == "bold")
        width += (0.9 + len(zh) * ZH_SIZE) if zh else 0
        x, y = float(label.get("x", "0")), float(label.get("y", "0"))
        boxes[name] = (x, y - LABEL_SIZE * 0.8, x + width, y + LABEL_SIZE * 0.2)
    return boxes


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def test_china_map_labels_do_not_collide() -> None:
    root = parse(china_map(CITIES, Palette.default()))
    labels = by_class(root, "text", "map-label")
    first = CITIES[0]
    assert "".join(labels[0].itertext()) == first[0] + first[1]  # placed in the given order
    boxes = label_boxes(root)
    assert set(boxes) == {c[0] for c in CITIES}
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not overlaps(box_a, box_b), (a, b)
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    for name, (x0, y0, x1, y1) in boxes.items():
        assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height, name
    for dot in by_class(root, "circle", "map-city"):
        x, y, r = (float(dot.get(k, "0")) for k in ("cx", "cy", "r"))
        for name, box in boxes.items():
            if name != dot.get("data-name"):
                assert not overlaps(box, (x - r, y - r, x + r, y + r)), (name, dot.get("data-name"))


def test_china_map_escapes_names() -> None:
    palette = Palette.default()
    cities: list[CityPoint] = [(HOSTILE, "\"'&<", 31.23, 121.47), *CITIES[1:3]]
    svg = china_map(cities, palette, width_mm=120)
    assert "<b>" not in svg
    root = parse(svg)
    assert root.get("width") == "120mm"
    dots = by_class(root, "circle", "map-city")
    assert [c.get("data-name") for c in dots] == [c[0] for c in cities][::-1]
    assert all(c.get("fill") == palette.primary for c in dots)
    assert len({c.get("r") for c in dots}) == 1  # no city drawn larger than the others
    assert f"{HOSTILE}\"'&<" in ["".join(t.itertext()) for t in root.iter(f"{S}text")]
    assert HOSTILE in (root.findtext("svg:title", namespaces=NS) or "")


def test_china_map_without_cities_is_still_a_map() -> None:
    root = parse(china_map([], Palette.default()))
    assert by_class(root, "path", "map-land") and by_class(root, "text", "map-caption")
    assert not list(root.iter(f"{S}circle"))


def test_city_inset_marks_one_city() -> None:
    palette = Palette.default()
    svg = city_inset(CITIES[2], [*CITIES, (HOSTILE, "", 30.0, 110.0)], palette)
    assert "<b>" not in svg
    root = parse(svg)
    assert root.get("width") == "45mm"
    (mark,) = by_class(root, "circle", "map-highlight")
    assert mark.get("data-name") == "Guangzhou" and mark.get("fill") == palette.secondary
    others = [c.get("data-name") for c in by_class(root, "circle", "map-city") if c is not mark]
    assert "Guangzhou" not in others and HOSTILE in others and len(others) == len(CITIES)
    assert "Guangzhou" in (root.findtext("svg:title", namespaces=NS) or "")
    x, y = float(mark.get("cx", "0")), float(mark.get("cy", "0"))
    assert sum(inside((x, y), ring) for ring in land_rings(root)) == 1  # Guangzhou is on land


# -- rendering ------------------------------------------------------------------------


def test_visuals_render_with_the_bundled_fonts(tmp_path: Path) -> None:
    palette = Palette.default()
    svg = china_map(CITIES, palette) + population_chart(POPULATION, palette)
    fonts = (builtin_styles() / "fonts.css").as_uri()
    html = f'<html><head><link rel="stylesheet" href="{fonts}"></head><body>{svg}</body></html>'
    path = tmp_path / "visuals.pdf"
    weasyprint.HTML(string=html).write_pdf(path)
    text = "".join(page_texts(path))
    for name, zh, _, _ in CITIES:
        assert name in text and zh in text
    assert "24.9 m" in text
    assert fonts_of(path, "上海天津") == {"Brochure-CJK"}
    assert fonts_of(path, "Tianjn") == {"Brochure-Sans"}  # labels are regular: none stands out


def test_maps_draw_land_dots_and_the_insets_mark(tmp_path: Path) -> None:
    palette = Palette.default()
    image = render(china_map(CITIES, palette), tmp_path, scale=2)
    inset = render(city_inset(CITIES[0], CITIES, palette), tmp_path, scale=4, name="inset")

    def share(picture: Image.Image, hex_colour: str) -> int:
        """How many pixels are (nearly) this colour."""
        rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
        total = 0
        for count, colour in picture.getcolors(maxcolors=1 << 20) or []:
            assert isinstance(colour, tuple)
            if all(abs(a - b) <= 3 for a, b in zip(colour, rgb, strict=True)):
                total += count
        return total

    assert share(image, palette.tint) > 20_000  # the land's fill
    assert share(image, palette.primary) > 1_000  # outline and dots
    assert share(image, palette.secondary) == 0  # no city stands out on the overview map
    assert share(inset, palette.secondary) > 20  # the inset's marked city


# -- QR codes -------------------------------------------------------------------------


def test_qr_svg_structure() -> None:
    url = "https://www.example.com/a?b=1&c=<2>"
    svg = qr_svg(url)
    assert "<2>" not in svg
    root = parse(svg)
    assert root.get("width") == root.get("height") == "18mm"
    _, _, w, h = (float(v) for v in root.get("viewBox", "").split())
    assert w == h and w >= 2 * (21 + 2 * QUIET_ZONE)  # two user units per module
    assert url in (root.findtext("svg:title", namespaces=NS) or "")
    (modules,) = root.iter(f"{S}path")
    coordinates = re.findall(r"-?[\d.]+", modules.get("d", ""))
    assert all(c.lstrip("-").isdigit() for c in coordinates)  # whole modules: crisp edges
    first = re.match(r"M(\d+) (\d+)", modules.get("d", ""))
    assert first and min(int(first[1]), int(first[2])) >= 2 * QUIET_ZONE
    assert modules.get("stroke-width") == "2" and modules.get("fill") == "none"
    (background,) = root.iter(f"{S}rect")
    assert background.get("fill") == "#ffffff"
    assert qr_svg(url, size_mm=25, colour="#123b5d").count("#123b5d") == 1
    with pytest.raises(ValueError, match="non-empty"):
        qr_svg("")


def _addresses() -> list[str]:
    """Every address in the bundled content, and made-up ones of every length up to 600."""
    text = "".join(path.read_text(encoding="utf-8") for path in builtin_data().rglob("*.yml"))
    bundled = sorted(set(re.findall(r"https?://[^\s'\"]+", text)))
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._?=&#%"
    made_up = [
        "https://" + "".join(letters[(7 * n + 13 * i * i) % len(letters)] for i in range(n))
        for n in range(0, 600, 20)
    ]
    return bundled + made_up


def test_qr_codes_are_the_codes_segno_makes() -> None:
    """qrmask.py chooses segno's mask its own way: the modules must be segno's."""
    addresses = _addresses()
    versions = set()
    for url in addresses:
        ours = qr_matrix(url)
        theirs = segno.make(url, error="m", micro=False, boost_error=True)
        assert [bytes(row) for row in ours] == [bytes(row) for row in theirs.matrix], url
        versions.add(theirs.version)
    assert len(addresses) > 180 and len(versions) >= 12  # with version information (7 up)
    assert any(isinstance(v, int) and v >= 7 for v in versions)


@pytest.mark.parametrize(
    ("url", "size", "colour"),
    [
        ("https://www.shanghai.gov.cn/", 18, "#000000"),
        ("https://english.www.gov.cn/services/visitchina/?lang=en&ref=brochure#top", 18, "#123b5d"),
        ("https://www.investhk.gov.hk/en/", 14, "#1f2a33"),
    ],
)
def test_qr_codes_scan_after_printing(tmp_path: Path, url: str, size: float, colour: str) -> None:
    image = render(qr_svg(url, size_mm=size, colour=colour), tmp_path, scale=300 / 72)
    found = zxingcpp.read_barcodes(image)
    assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.QRCode, url)]
