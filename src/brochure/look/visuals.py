"""The pictures of a pack: charts, the locator map, insets and QR codes, as inline SVG."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..content.catalog import Selection
from ..content.models import City
from .charts import population_chart, sector_matrix
from .geomap import CityPoint, china_map, city_inset
from .palette import Palette
from .qr import qr_svg

#: Display names of the sector ids used in city specialisations.
SECTORS = {
    "electronics": "Electronics",
    "telecoms": "Telecoms",
    "technology": "Technology",
    "automotive": "Automotive",
    "machinery": "Machinery",
    "metals": "Metals",
    "chemicals": "Chemicals",
    "textiles": "Textiles",
    "consumer-goods": "Consumer goods",
    "medical": "Medical",
    "finance": "Finance",
    "logistics": "Logistics",
}


@dataclass(frozen=True)
class Visuals:
    """Ready-to-place SVG for one pack (Markup: generated and escaped in Python)."""

    population: Markup
    sectors: Markup
    map: Markup | None
    insets: dict[str, Markup]


def _point(city: City) -> CityPoint | None:
    if city.location is None:
        return None
    return (city.name, city.name_zh, city.location.lat, city.location.lon)


def build_visuals(selection: Selection, palette: Palette, compact: bool = False) -> Visuals:
    """Charts of the chosen cities, the map with them marked, and an inset per city."""
    width = 120.0 if compact else 165.0
    cities = selection.cities
    population = population_chart([(c.name, c.population.value) for c in cities], palette, width)
    wanted = [s for s in SECTORS if any(i.sector == s for c in cities for i in c.specialisations)]
    matrix = sector_matrix(
        [(c.name, [i.sector for i in c.specialisations if i.sector]) for c in cities],
        [(s, SECTORS[s]) for s in wanted],
        palette,
        width,
    )
    points = [p for c in cities if (p := _point(c)) is not None]
    insets = {}
    for city in cities:
        point = _point(city)
        if point is not None:
            others = [p for p in points if p is not point]
            insets[city.id] = Markup(city_inset(point, others, palette, 42.0))
    return Visuals(
        Markup(population),
        Markup(matrix),
        Markup(china_map(points, palette, width)) if points else None,
        insets,
    )


def qr(url: str, size_mm: float = 16) -> Markup:
    """A QR code for templates: `{{ qr(source.url) }}`."""
    return Markup(qr_svg(url, size_mm))
