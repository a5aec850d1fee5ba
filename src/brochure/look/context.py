"""Turn a selection into the one dictionary the templates are filled from."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..content.catalog import Catalog, Selection, iter_sourced, select
from ..content.models import (
    Airport,
    City,
    CityNote,
    Emergency,
    Essentials,
    Fact,
    Item,
    PackRequest,
    Paper,
    PointFact,
    Population,
    Profile,
    Region,
    Sourced,
    Topic,
)
from ..errors import BrochureError
from .travel import calendar_entries, calendar_facts, travel_facts, travel_view, trip_span

_SINGULAR = {
    "specialisations": "Specialisation",
    "companies": "Company",
    "landmarks": "Landmark",
    "port": "Port",
}
_PLURAL = {
    "Specialisation": "Specialisations",
    "Company": "Companies",
    "Landmark": "Landmarks",
    "Airport": "Airports",
    "Emergency number": "Emergency numbers",
    "Point": "Points",
    "Route": "Routes",
    "Fair": "Fairs",
    "Holiday": "Holidays",
}

ESSENTIAL_LABELS = {
    "currency": "Currency",
    "time_zone": "Time zone",
    "dialling_code": "Dialling code",
    "plugs": "Plugs",
    "voltage": "Voltage",
    "languages": "Languages",
    "entry": "Entry",
}


@dataclass(frozen=True)
class CityView:
    """A city as a chapter shows it: with its region and inherited essentials."""

    city: City
    region: Region
    essentials: Essentials
    oldest: dt.date
    newest: dt.date

    @property
    def anchor(self) -> str:
        """The HTML id of the chapter."""
        return f"city-{self.city.id}"


@dataclass(frozen=True)
class TopicView:
    """A topic with the notes for the chosen cities only."""

    topic: Topic
    notes: tuple[tuple[City, CityNote], ...]

    @property
    def anchor(self) -> str:
        """The HTML id of the section."""
        return f"topic-{self.topic.id}"


@dataclass(frozen=True)
class SourceRow:
    """Facts from one source, as of one date, in one chapter."""

    chapter: str
    facts: tuple[str, ...]
    source_id: str
    as_of: dt.date


def fact_label(loc: str, fact: Sourced) -> str:
    """A short human label for a fact found at `loc`."""
    head = loc.split(".")[0]
    if isinstance(fact, Population):
        return "Population"
    if isinstance(fact, Airport):
        return f"Airport: {fact.code}"
    if isinstance(fact, PointFact):
        return f"Point: {fact.title}"
    if isinstance(fact, Emergency):
        return f"Emergency number: {fact.service}"
    if isinstance(fact, Item):
        return f"{_SINGULAR.get(head, head.title())}: {fact.name}"
    if isinstance(fact, Fact):
        name = loc.split(".")[-1]
        return ESSENTIAL_LABELS.get(name, fact.value)
    return head.replace("_", " ").capitalize()


def _rows(chapter: str, facts: Iterable[tuple[str, Sourced]]) -> list[SourceRow]:
    """Group labelled facts of one chapter by source and date."""
    groups: dict[tuple[str, dt.date], list[str]] = {}
    for label, fact in facts:
        groups.setdefault((fact.source, fact.as_of), []).append(label)
    return [
        SourceRow(chapter, _merge_kinds(labels), source, as_of)
        for (source, as_of), labels in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def _merge_kinds(labels: list[str]) -> tuple[str, ...]:
    """Fold `Landmark: A`, `Landmark: B` into `Landmarks: A, B`, keeping first-seen order."""
    kinds: dict[str, list[str]] = {}
    for label in labels:
        kind, sep, name = label.partition(": ")
        if sep:
            kinds.setdefault(kind, []).append(name)
        else:
            kinds.setdefault(label, [])
    return tuple(
        f"{_PLURAL.get(kind, kind) if len(names) > 1 else kind}: {', '.join(names)}"
        if names
        else kind
        for kind, names in kinds.items()
    )


def city_view(catalog: Catalog, city: City) -> CityView:
    """The chapter view of one city."""
    region = next(r for r in catalog.country.regions if r.id == city.region)
    essentials = city.essentials.merged_over(catalog.country.defaults)
    dates = [f.as_of for _, f in iter_sourced(city)] + [
        f.as_of for _, f in iter_sourced(essentials)
    ]
    return CityView(city, region, essentials, min(dates), max(dates))


def build_date_today() -> dt.date:
    """Today, or the date in SOURCE_DATE_EPOCH when it is set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
        except (ValueError, OverflowError, OSError) as exc:
            raise BrochureError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970"
            ) from exc
    return dt.date.today()


#: A default title names the cities up to this many, then counts them.
MAX_TITLE_CITIES = 8


def build_context(catalog: Catalog, selection: Selection, request: PackRequest) -> dict[str, Any]:
    """Everything the templates may use for one pack."""
    build_date = request.build_date or build_date_today()
    paper = Paper(request.paper or Paper.a4)
    cities = [city_view(catalog, c) for c in selection.cities]
    chosen = {c.id for c in selection.cities}
    topics = [
        TopicView(
            t, tuple((catalog.cities[cid], n) for cid, n in t.cities.items() if cid in chosen)
        )
        for t in selection.topics
    ]
    names = [c.name for c in selection.cities]
    listed = _join(names) if len(names) <= MAX_TITLE_CITIES else f"{len(names)} cities"
    title = request.title or f"Business briefing: {listed}"

    travel = travel_view(catalog, selection)
    trip = trip_span(request)
    calendar = calendar_entries(catalog, selection, build_date, trip)
    rows = source_rows(catalog, cities, topics, travel_facts(travel), calendar_facts(calendar))

    return {
        "pack": {
            "title": title,
            "short_title": title if len(title) <= 48 else f"Business briefing: {len(names)} cities",
            "traveller": request.traveller,
            "trip_start": request.trip_start,
            "trip_end": request.trip_end,
            "trip": trip,
            "build_date": build_date,
            "paper": paper.value,
            "compact": paper.compact,
            "profile": request.profile.value,
            "bleed_mm": f"{request.bleed:g}"
            if request.profile is Profile.print and not request.booklet and request.bleed
            else None,
            "lang": "en",
            "author": "brochure",
            "subject": f"Business travel briefing on {_join(names)}, {catalog.country.name}",
            "keywords": ", ".join(
                [
                    "business travel",
                    catalog.country.name,
                    *names,
                    *(t.title for t in selection.topics),
                ]
            ),
        },
        "itinerary": itinerary_view(catalog, selection, request),
        "driver_cards": driver_cards(selection),
        "travel": travel,
        "calendar": calendar,
        "lapses": [],
        "country": catalog.country,
        "country_dates": _date_range(catalog.country),
        "cities": cities,
        "topics": topics,
        "sources": catalog.sources,
        "source_rows": rows,
        "essential_labels": ESSENTIAL_LABELS,
    }


def source_rows(
    catalog: Catalog,
    cities: list[CityView],
    topics: list[TopicView],
    travel: list[tuple[str, Sourced]],
    calendar: list[tuple[str, Sourced]],
) -> list[SourceRow]:
    """The sources table: country, cities, travel and calendar, topics, in pack order."""
    rows = _rows(catalog.country.name, _labelled(iter_sourced(catalog.country)))
    for view in cities:
        inherited = [
            (f"essentials.{loc}", fact)
            for loc, fact in iter_sourced(view.essentials)
            if getattr(view.city.essentials, loc.split(".")[0]) is None
        ]
        rows += _rows(view.city.name, _labelled([*iter_sourced(view.city), *inherited]))
    rows += _rows("Getting between the cities", travel)
    rows += _rows("Calendar", calendar)
    for tv in topics:
        body: list[tuple[str, Sourced]] = [("Overview", tv.topic)]
        body += _labelled(iter_sourced(tv.topic.facts))
        body += _labelled(iter_sourced(tv.topic.points))
        body += [(f"Note on {c.name}", n) for c, n in tv.notes]
        rows += _rows(tv.topic.title, body)
    return rows


def itinerary_view(
    catalog: Catalog, selection: Selection, request: PackRequest
) -> list[dict[str, Any]]:
    """The trip's stops: as the request gives them, or the chosen cities in order."""
    if request.itinerary:
        stops = []
        for stop in request.itinerary:
            (city,) = select(catalog, [stop.city]).cities
            stops.append((city, stop.arrive, stop.depart, stop.meetings))
    elif request.traveller or request.trip_start:
        stops = [(c, None, None, ()) for c in selection.cities]
    else:
        return []
    return [
        {
            "city": city,
            "arrive": arrive,
            "depart": depart,
            "meetings": meetings,
            "anchor": f"city-{city.id}" if city in selection.cities else None,
        }
        for city, arrive, depart, meetings in stops
    ]


def driver_cards(selection: Selection) -> list[dict[str, Any]]:
    """For each chosen city: airports, business districts and landmarks with Chinese names."""
    groups = []
    for city in selection.cities:
        cards = [
            {"name": a.name, "name_zh": a.name_zh, "kind": f"Airport ({a.code})"}
            for a in city.airports
            if a.name_zh
        ]
        cards += [
            {"name": d.name, "name_zh": d.name_zh, "kind": "Business district"}
            for d in city.districts
            if d.name_zh
        ]
        cards += [
            {"name": x.name, "name_zh": x.name_zh, "kind": "Landmark"}
            for x in city.landmarks
            if x.name_zh
        ]
        unique: dict[str, dict[str, str]] = {}
        for card in cards:  # a landmark that is also a district gets one card
            unique.setdefault(str(card["name_zh"]), card)
        if unique:
            groups.append({"city": city, "cards": list(unique.values()), "lang": city.script.lang})
    return groups


def _date_range(model: Any) -> tuple[dt.date, dt.date]:
    """The oldest and newest as-of dates of the facts in `model`."""
    dates = [fact.as_of for _, fact in iter_sourced(model)]
    return min(dates), max(dates)


def _labelled(facts: Iterable[tuple[str, Sourced]]) -> list[tuple[str, Sourced]]:
    return [(fact_label(loc, fact), fact) for loc, fact in facts]


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
