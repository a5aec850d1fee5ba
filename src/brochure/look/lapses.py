"""Facts that end: those a trip outlasts, and those already past their `valid_until`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..content.catalog import ROUTES_FILE, Catalog, Selection, iter_sourced
from ..content.models import CityNote, PackRequest, PointFact, RouteOption, Sourced, Topic
from .labels import fact_label
from .travel import CalendarEntry, calendar_note, trip_span


@dataclass(frozen=True)
class Lapse:
    """A fact that holds only until a given day, and where it lives."""

    label: str
    chapter: str
    file: str  # relative to the content folder's parent: data/topics/entry.yml
    loc: str
    until: dt.date

    def when(self, trip_start: dt.date) -> str:
        """`before the trip starts` or `during the trip`."""
        return "before the trip starts" if self.until < trip_start else "during the trip"

    def notice(self, trip_start: dt.date) -> str:
        """One line for the build output."""
        return (
            f"{self.label} ({self.chapter}) holds until {_day(self.until)} and lapses "
            f"{self.when(trip_start)} ({self.file}: {self.loc})"
        )


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def _label(loc: str, fact: Sourced) -> str:
    if isinstance(fact, PointFact):
        return fact.title
    if isinstance(fact, Topic):
        return "Overview"
    if isinstance(fact, RouteOption):
        return fact.summary
    if isinstance(fact, CityNote):
        return f"Note on {loc.rsplit('.', 1)[-1]}"
    return fact_label(loc, fact)


def _documents(
    catalog: Catalog, selection: Selection | None
) -> Iterator[tuple[str, str, str, Sourced]]:
    """(file, chapter, loc, fact) for every dated fact a pack (or the whole content) holds."""
    cities = selection.cities if selection else tuple(catalog.cities.values())
    topics = selection.topics if selection else tuple(catalog.topics.values())
    chosen = {c.id for c in cities}
    named: list[tuple[str, str, Any]] = [("country.yml", catalog.country.name, catalog.country)]
    named += [(f"cities/{c.id}.yml", c.name, c) for c in cities]
    named += [(f"topics/{t.id}.yml", t.title, t) for t in topics]
    for file, chapter, model in named:
        for loc, fact in iter_sourced(model):
            city = loc.split(".")[1] if loc.startswith("cities.") else None
            if city is None or city in chosen:
                yield file, chapter, loc, fact
    if catalog.routes is not None:
        for i, route in enumerate(catalog.routes.routes):
            if set(route.between) <= chosen:
                names = "\u2013".join(catalog.cities[c].name for c in route.between)
                for j, option in enumerate(route.options):
                    where = f"routes.{i}.options.{j}"
                    yield ROUTES_FILE, f"route {names}", where, option


def trip_lapses(
    catalog: Catalog, selection: Selection, trip_start: dt.date, trip_end: dt.date | None
) -> list[Lapse]:
    """Facts in the pack whose `valid_until` falls before the trip's last day."""
    last = trip_end or trip_start
    return [
        Lapse(_label(loc, fact), chapter, f"{catalog.root.name}/{file}", loc, fact.valid_until)
        for file, chapter, loc, fact in _documents(catalog, selection)
        if fact.valid_until is not None and fact.valid_until < last
    ]


def lapsed_facts(catalog: Catalog, today: dt.date) -> list[str]:
    """Warnings for facts in the content whose `valid_until` is already past `today`."""
    return [
        f"{catalog.root / file}: {loc or 'topic'}: valid until {fact.valid_until}, "
        f"{(today - fact.valid_until).days} days ago"
        for file, _, loc, fact in _documents(catalog, None)
        if fact.valid_until is not None and fact.valid_until < today
    ]


@dataclass(frozen=True)
class LapseNotice:
    """A lapse as the itinerary page prints it: the fact, where it lives, and when it ends."""

    label: str
    chapter: str
    file: str
    loc: str
    until: dt.date
    when: str  # `before the trip starts` or `during the trip`


def trip_notes(
    catalog: Catalog,
    selection: Selection,
    request: PackRequest,
    calendar: Sequence[CalendarEntry],
) -> tuple[tuple[LapseNotice, ...], tuple[str, ...]]:
    """The pack's lapse notices (for the template), and every note the build prints."""
    trip = trip_span(request)
    if trip is None:
        return (), ()
    start = trip[0]
    lapses = trip_lapses(catalog, selection, *trip)
    shown = tuple(LapseNotice(**asdict(lapse), when=lapse.when(start)) for lapse in lapses)
    notes = [lapse.notice(start) for lapse in lapses]
    return shown, (*notes, *(calendar_note(e) for e in calendar if e.in_trip))
