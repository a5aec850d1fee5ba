"""Compose a selection, a request and a brand kit into the one value templates are filled from."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..content.catalog import Catalog, Selection, iter_sourced, select
from ..content.models import (
    City,
    CityNote,
    Country,
    Essentials,
    PackRequest,
    Paper,
    Region,
    Source,
    Sourced,
    Topic,
)
from ..errors import BrochureError
from ..resources import builtin_templates
from .brand import BrandKit, BrandView
from .labels import ESSENTIAL_LABELS, fact_label
from .lapses import LapseNotice, trip_notes
from .travel import (
    CalendarEntry,
    TravelView,
    calendar_entries,
    calendar_facts,
    travel_facts,
    travel_view,
    trip_span,
)
from .visuals import Visuals, build_visuals

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


def anchor(kind: str, ident: str) -> str:
    """The HTML id of a chapter or section: `city-shanghai`, `topic-investment`."""
    return f"{kind}-{ident}"


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
        return anchor("city", self.city.id)


@dataclass(frozen=True)
class TopicView:
    """A topic with the notes for the chosen cities only."""

    topic: Topic
    notes: tuple[tuple[City, CityNote], ...]

    @property
    def anchor(self) -> str:
        """The HTML id of the section."""
        return anchor("topic", self.topic.id)


@dataclass(frozen=True)
class SourceRow:
    """Facts from one source, as of one date, in one chapter."""

    chapter: str
    facts: tuple[str, ...]
    source_id: str
    as_of: dt.date


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
    region = catalog.region(city)
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


@dataclass(frozen=True)
class PackInfo:
    """The pack's own facts (`pack.*`): title, trip, paper, profile, document metadata."""

    title: str
    short_title: str
    traveller: str | None
    trip_start: dt.date | None
    trip_end: dt.date | None
    trip: tuple[dt.date, dt.date] | None
    build_date: dt.date
    paper: str
    compact: bool
    profile: str
    bleed_mm: str | None
    subject: str
    keywords: str
    lang: str = "en"
    author: str = "brochure"


@dataclass(frozen=True)
class StopView:
    """One stop of the itinerary, linked to its chapter when the pack has one."""

    city: City
    arrive: dt.date | None
    depart: dt.date | None
    meetings: tuple[str, ...]
    anchor: str | None


@dataclass(frozen=True)
class DriverCard:
    """A place to show a driver: its name, its Chinese name and what kind of place it is."""

    name: str
    name_zh: str
    kind: str


@dataclass(frozen=True)
class CardGroup:
    """One city's driver cards, in the city's script (`zh-Hans` or `zh-Hant`)."""

    city: City
    cards: tuple[DriverCard, ...]
    lang: str


@dataclass(frozen=True)
class PackContext:
    """Everything the templates may use for one pack; each field is a template variable."""

    pack: PackInfo
    itinerary: tuple[StopView, ...]
    driver_cards: tuple[CardGroup, ...]
    travel: TravelView | None
    calendar: tuple[CalendarEntry, ...]
    lapses: tuple[LapseNotice, ...]
    country: Country
    country_dates: tuple[dt.date, dt.date]
    cities: tuple[CityView, ...]
    topics: tuple[TopicView, ...]
    sources: Mapping[str, Source]
    source_rows: tuple[SourceRow, ...]
    essential_labels: Mapping[str, str]
    stylesheets: tuple[str, ...]  # file URLs of the built-in stylesheets, in order
    paper_size: str  # the CSS `size` of the page
    brand: BrandView
    visuals: Visuals
    notes: tuple[str, ...]  # what the build prints about the trip (lapses, holidays, fairs)

    def variables(self) -> dict[str, Any]:
        """The template variables (a shallow mapping: the values are shared, not copied)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def build_context(
    catalog: Catalog,
    selection: Selection,
    request: PackRequest,
    kit: BrandKit | None = None,
    stylesheets: Sequence[Path] = (),
) -> PackContext:
    """Compose everything the templates may use for one pack, with the brand of `kit`."""
    kit = kit or BrandKit(root=builtin_templates())
    paper = Paper(request.paper or Paper.a4)
    cities = tuple(city_view(catalog, c) for c in selection.cities)
    chosen = {c.id for c in selection.cities}
    topics = tuple(
        TopicView(
            t, tuple((catalog.cities[cid], n) for cid, n in t.cities.items() if cid in chosen)
        )
        for t in selection.topics
    )
    travel = travel_view(catalog, selection)
    info = pack_info(catalog, selection, request, paper)
    calendar = tuple(calendar_entries(catalog, selection, info.build_date, info.trip))
    rows = source_rows(catalog, cities, topics, travel_facts(travel), calendar_facts(calendar))
    lapses, notes = trip_notes(catalog, selection, request, calendar)
    return PackContext(
        pack=info,
        itinerary=itinerary_view(catalog, selection, request),
        driver_cards=driver_cards(selection),
        travel=travel,
        calendar=calendar,
        lapses=lapses,
        country=catalog.country,
        country_dates=_date_range(catalog.country),
        cities=cities,
        topics=topics,
        sources=catalog.sources,
        source_rows=tuple(rows),
        essential_labels=ESSENTIAL_LABELS,
        stylesheets=tuple(p.resolve().as_uri() for p in stylesheets),
        paper_size=paper.css,
        brand=BrandView.of(kit),
        visuals=build_visuals(selection, kit.palette, paper.compact),
        notes=notes,
    )


def pack_info(
    catalog: Catalog, selection: Selection, request: PackRequest, paper: Paper
) -> PackInfo:
    """The pack's title, trip, paper and document metadata."""
    names = [c.name for c in selection.cities]
    listed = _join(names) if len(names) <= MAX_TITLE_CITIES else f"{len(names)} cities"
    title = request.title or f"Business briefing: {listed}"
    keywords = ["business travel", catalog.country.name, *names]
    keywords += [t.title for t in selection.topics]
    return PackInfo(
        title=title,
        short_title=title if len(title) <= 48 else f"Business briefing: {len(names)} cities",
        traveller=request.traveller,
        trip_start=request.trip_start,
        trip_end=request.trip_end,
        trip=trip_span(request),
        build_date=request.build_date or build_date_today(),
        paper=paper.value,
        compact=paper.compact,
        profile=request.profile.value,
        bleed_mm=f"{request.bleed:g}"
        if request.profile.rules.bleed and not request.booklet and request.bleed
        else None,
        subject=f"Business travel briefing on {_join(names)}, {catalog.country.name}",
        keywords=", ".join(keywords),
    )


def source_rows(
    catalog: Catalog,
    cities: Sequence[CityView],
    topics: Sequence[TopicView],
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
) -> tuple[StopView, ...]:
    """The trip's stops: as the request gives them, or the chosen cities in order."""
    if request.itinerary:
        stops = []
        for stop in request.itinerary:
            (city,) = select(catalog, [stop.city]).cities
            stops.append((city, stop.arrive, stop.depart, stop.meetings))
    elif request.traveller or request.trip_start:
        stops = [(c, None, None, ()) for c in selection.cities]
    else:
        return ()
    return tuple(
        StopView(
            city,
            arrive,
            depart,
            meetings,
            anchor("city", city.id) if city in selection.cities else None,
        )
        for city, arrive, depart, meetings in stops
    )


def driver_cards(selection: Selection) -> tuple[CardGroup, ...]:
    """For each chosen city: airports, business districts and landmarks with Chinese names."""
    groups = []
    for city in selection.cities:
        cards = [
            DriverCard(a.name, a.name_zh, f"Airport ({a.code})") for a in city.airports if a.name_zh
        ]
        cards += [
            DriverCard(d.name, d.name_zh, "Business district") for d in city.districts if d.name_zh
        ]
        cards += [DriverCard(x.name, x.name_zh, "Landmark") for x in city.landmarks if x.name_zh]
        unique: dict[str, DriverCard] = {}
        for card in cards:  # a landmark that is also a district gets one card
            unique.setdefault(card.name_zh, card)
        if unique:
            groups.append(CardGroup(city, tuple(unique.values()), city.script.lang))
    return tuple(groups)


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
