"""Travel pages: the calendar of holidays and fairs, and the ways between the chosen cities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from ..content.catalog import Catalog, Selection
from ..content.models import City, Event, Mode, PackRequest, Route, RouteOption, Routes, Sourced

MODE_NAMES = {"rail": "Rail", "air": "Air", "road": "Road", "ferry": "Ferry"}


def duration(minutes: int) -> str:
    """`2 h 30 min`, `47 min`, `3 h`."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def date_span(start: dt.date, end: dt.date) -> str:
    """`15-19 Oct 2026`, `28 Sep-8 Oct 2026`, `30 Dec 2026-2 Jan 2027`, `1 Oct 2026`."""
    last = f"{end.day} {end:%b %Y}"
    if start == end:
        return last
    if start.year != end.year:
        return f"{start.day} {start:%b %Y}-{last}"
    if start.month != end.month:
        return f"{start.day} {start:%b}-{last}"
    return f"{start.day}-{last}"


def trip_span(request: PackRequest) -> tuple[dt.date, dt.date] | None:
    """The trip's first and last day: its trip dates, else its itinerary's, else None."""
    arrivals = [d for s in request.itinerary for d in (s.arrive, s.depart) if d]
    start = request.trip_start or (min(arrivals) if arrivals else None)
    if start is None:
        return None
    end = request.trip_end or (max(arrivals) if arrivals else start)
    return start, max(end, start)


@dataclass(frozen=True)
class CalendarEntry:
    """An event as the calendar shows it: for the chosen cities, maybe inside the trip."""

    event: Event
    cities: tuple[City, ...]
    in_trip: bool

    @property
    def dates(self) -> str:
        """The event's dates, short."""
        return date_span(self.event.start, self.event.end)

    @property
    def places(self) -> str:
        """The chosen cities it affects, by name."""
        return ", ".join(c.name for c in self.cities)


def calendar_entries(
    catalog: Catalog,
    selection: Selection,
    today: dt.date,
    trip: tuple[dt.date, dt.date] | None = None,
) -> list[CalendarEntry]:
    """Events affecting the chosen cities that have not ended by `today`, by date."""
    chosen = {c.id: c for c in selection.cities}
    entries = []
    for event in sorted(catalog.events, key=lambda e: (e.start, e.end, e.name)):
        cities = tuple(chosen[c] for c in event.cities if c in chosen)
        if not cities or event.end < today:
            continue
        inside = trip is not None and event.start <= trip[1] and event.end >= trip[0]
        entries.append(CalendarEntry(event, cities, inside))
    return entries


def calendar_note(entry: CalendarEntry) -> str:
    """The build's note on an event inside the trip."""
    note = entry.event.note or ("public holiday" if entry.event.kind == "holiday" else "trade fair")
    if note[1:2].islower():
        note = note[0].lower() + note[1:]
    return f"{entry.event.name} ({entry.places}) {entry.dates} falls inside the trip: {note}"


@dataclass(frozen=True)
class Way:
    """One route option between two chosen cities, with its door-to-door time."""

    option: RouteOption
    door_minutes: int

    @property
    def mode(self) -> str:
        """The mode's display name."""
        return MODE_NAMES[self.option.mode.value]

    @property
    def on_board(self) -> str:
        """Time on board, as `2 h 30 min`."""
        return duration(self.option.minutes)

    @property
    def door_to_door(self) -> str:
        """Time on board plus the mode's allowance."""
        return duration(self.door_minutes)


@dataclass(frozen=True)
class Pair:
    """Two chosen cities and the ways between them (fastest door to door first)."""

    first: City
    second: City
    ways: tuple[Way, ...]

    @property
    def fastest(self) -> Way | None:
        """The quickest way door to door, if there is a sourced route."""
        return self.ways[0] if self.ways else None


@dataclass(frozen=True)
class TravelView:
    """The travel page: the chosen cities, every pair, and the allowances used."""

    cities: tuple[City, ...]
    pairs: tuple[Pair, ...]
    allowances: tuple[tuple[str, int], ...]

    def pair(self, a: City, b: City) -> Pair | None:
        """The pair of two cities, in either order."""
        return self._by_ids.get(frozenset((a.id, b.id)))

    @cached_property
    def _by_ids(self) -> dict[frozenset[str], Pair]:
        return {frozenset((p.first.id, p.second.id)): p for p in self.pairs}


def travel_view(catalog: Catalog, selection: Selection) -> TravelView | None:
    """The ways between the chosen cities; None with fewer than two cities or no routes file."""
    routes = catalog.routes
    cities = selection.cities
    if routes is None or len(cities) < 2:
        return None
    found = {frozenset(r.between): r for r in routes.routes}
    pairs = []
    for i, first in enumerate(cities):
        for second in cities[i + 1 :]:
            route = found.get(frozenset((first.id, second.id)))
            pairs.append(Pair(first, second, _ways(route, routes)))
    used = sorted({w.option.mode.value for p in pairs for w in p.ways})
    allowances = tuple((MODE_NAMES[m], routes.allowances[Mode(m)]) for m in used)
    return TravelView(tuple(cities), tuple(pairs), allowances)


def _ways(route: Route | None, routes: Routes) -> tuple[Way, ...]:
    if route is None:
        return ()
    ways = [Way(o, o.minutes + routes.allowances.get(o.mode, 0)) for o in route.options]
    return tuple(sorted(ways, key=lambda w: (w.door_minutes, w.option.minutes)))


def travel_facts(view: TravelView | None) -> list[tuple[str, Sourced]]:
    """Labelled route options for the sources page."""
    if view is None:
        return []
    return [
        (f"Route: {p.first.name}\u2013{p.second.name} by {w.mode.lower()}", w.option)
        for p in view.pairs
        for w in p.ways
    ]


def calendar_facts(entries: Sequence[CalendarEntry]) -> list[tuple[str, Sourced]]:
    """Labelled events for the sources page."""
    return [(f"{e.event.kind.value.capitalize()}: {e.event.name}", e.event) for e in entries]
