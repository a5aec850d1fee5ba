"""Validated content models: every fact names its source and the date it was true."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]

Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"']+$", max_length=300)]
_IATA = re.compile(r"^[A-Z]{3}$")


class Model(BaseModel):
    """Base for every content model: unknown fields are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Model):
    """Where facts come from."""

    id: Id
    title: Line
    publisher: Line
    url: Url | None = None
    accessed: dt.date
    note: Text | None = None


class Sourced(Model):
    """Something stated as fact: a source id, an as-of date and, if it ends, its last day."""

    source: Id
    as_of: dt.date
    valid_until: dt.date | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Sourced:
        if self.valid_until is not None and self.valid_until < self.as_of:
            raise ValueError(f"valid_until {self.valid_until} is before as_of {self.as_of}")
        return self


class Fact(Sourced):
    """A labelled value, such as a currency or a GDP figure."""

    value: Line
    note: Line | None = None


class Population(Sourced):
    """A head count; `scope` says what it counts (city proper, metro area...)."""

    value: Annotated[int, Field(gt=0)]
    scope: Line = "city"


class Item(Sourced):
    """A named thing in a list: a specialisation, a company, a landmark."""

    name: Line
    name_zh: Line | None = None
    note: Line | None = None
    sector: Id | None = None


class Airport(Sourced):
    """An airport serving a city."""

    code: Annotated[str, StringConstraints(pattern=_IATA.pattern)]
    name: Line
    name_zh: Line | None = None
    note: Line | None = None


class Location(Sourced):
    """Where a city is: latitude and longitude in degrees (WGS 84)."""

    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class Link(Sourced):
    """An official web page worth a visit before the trip."""

    title: Line
    url: Url


class Emergency(Sourced):
    """One emergency telephone number."""

    service: Line
    number: Annotated[str, StringConstraints(pattern=r"^[0-9 +]{2,20}$")]


class Essentials(Model):
    """What a traveller needs on arrival; a city inherits what it leaves out."""

    currency: Fact | None = None
    time_zone: Fact | None = None
    dialling_code: Fact | None = None
    plugs: Fact | None = None
    voltage: Fact | None = None
    languages: Fact | None = None
    entry: Fact | None = None
    emergency: tuple[Emergency, ...] | None = None

    def merged_over(self, base: Essentials) -> Essentials:
        """Return these essentials with every unset field taken from `base`."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        for name, value in values.items():
            if value is None:
                values[name] = getattr(base, name)
        return Essentials(**values)


class Region(Model):
    """A broad economic region of the country."""

    id: Id
    name: Line
    summary: Text
    wealth: Line


class Country(Model):
    """The country every city belongs to, and the defaults cities inherit."""

    id: Id
    name: Line
    name_zh: Line | None = None
    summary: tuple[Text, ...]
    regions: tuple[Region, ...]
    economy: tuple[Text, ...]
    facts: tuple[Fact, ...] = ()
    defaults: Essentials

    @model_validator(mode="after")
    def _regions_unique(self) -> Country:
        ids = [r.id for r in self.regions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"region ids repeat: {', '.join(dupes)}")
        return self


class Depth(StrEnum):
    """How much a city file covers: a full chapter or a short one."""

    full = "full"
    short = "short"


class Script(StrEnum):
    """Which Chinese characters a city writes: simplified (mainland) or traditional."""

    simplified = "simplified"
    traditional = "traditional"

    @property
    def lang(self) -> str:
        """The BCP 47 language tag of Chinese text in this script."""
        return "zh-Hant" if self is Script.traditional else "zh-Hans"


class City(Model):
    """One city: its profile, what it makes, and what a visitor needs."""

    id: Id
    name: Line
    name_zh: Line
    country: Id
    region: Id
    depth: Depth = Depth.full
    script: Script = Script.simplified
    order: int = 100
    tagline: Line
    population: Population
    profile: tuple[Text, ...]
    specialisations: tuple[Item, ...]
    companies: tuple[Item, ...] = ()
    landmarks: tuple[Item, ...] = ()
    port: Item | None = None
    airports: tuple[Airport, ...]
    districts: tuple[Item, ...] = ()
    location: Location | None = None
    links: tuple[Link, ...] = ()
    facts: tuple[Fact, ...] = ()
    essentials: Essentials = Essentials()

    @model_validator(mode="after")
    def _has_profile(self) -> City:
        if not self.profile:
            raise ValueError("profile needs at least one paragraph")
        if not self.specialisations:
            raise ValueError("specialisations needs at least one entry")
        return self


class CityNote(Sourced):
    """What a topic means for one city."""

    text: Text


class PointFact(Sourced):
    """The sourced part of a topic point, as the sources page and checks see it."""

    title: Line


class Point(Model):
    """A titled paragraph inside a topic; it may name its own source and dates."""

    title: Line
    text: Text
    source: Id | None = None
    as_of: dt.date | None = None
    valid_until: dt.date | None = None

    @model_validator(mode="after")
    def _source_with_date(self) -> Point:
        if (self.source is None) != (self.as_of is None):
            raise ValueError("source and as_of come together: give both or neither")
        if self.valid_until is not None and self.as_of is None:
            raise ValueError("valid_until needs source and as_of")
        if self.valid_until is not None and self.as_of and self.valid_until < self.as_of:
            raise ValueError(f"valid_until {self.valid_until} is before as_of {self.as_of}")
        return self

    @property
    def fact(self) -> PointFact | None:
        """This point as a sourced fact, when it names a source."""
        if self.source is None or self.as_of is None:
            return None
        return PointFact(
            source=self.source, as_of=self.as_of, valid_until=self.valid_until, title=self.title
        )


class Topic(Sourced):
    """A theme that cuts across cities, such as Belt and Road."""

    id: Id
    title: Line
    summary: Line
    order: int = 100
    body: tuple[Text, ...]
    points: tuple[Point, ...] = ()
    facts: tuple[Fact, ...] = ()
    cities: dict[Id, CityNote] = {}


class EventKind(StrEnum):
    """What a calendar entry is: a public holiday or a trade fair."""

    holiday = "holiday"
    fair = "fair"


class Event(Sourced):
    """A holiday or fair on the calendar (data/calendar.yml); `end` is its last day."""

    id: Id
    name: Line
    name_zh: Line | None = None
    kind: EventKind
    cities: Annotated[tuple[Id, ...], Field(min_length=1)]
    start: dt.date
    end: dt.date
    note: Line | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> Event:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def until(self) -> dt.date:
        """The last day the entry holds: `valid_until`, else `end`."""
        return self.valid_until or self.end


class Mode(StrEnum):
    """How a route option travels."""

    rail = "rail"
    air = "air"
    road = "road"
    ferry = "ferry"


class RouteOption(Sourced):
    """One way of getting between two cities, with its time on board in minutes."""

    mode: Mode
    summary: Line
    minutes: Annotated[int, Field(gt=0, le=10_000)]
    note: Line | None = None


class Route(Model):
    """The ways between two cities (in either order)."""

    between: tuple[Id, Id]
    options: Annotated[tuple[RouteOption, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _two_cities(self) -> Route:
        if self.between[0] == self.between[1]:
            raise ValueError(f"between names {self.between[0]!r} twice: give two cities")
        return self


class Routes(Model):
    """data/routes.yml: minutes added per mode for door to door, and the routes."""

    allowances: dict[Mode, Annotated[int, Field(ge=0, le=1440)]]
    routes: tuple[Route, ...] = ()


class Paper(StrEnum):
    """Page sizes a pack can be printed on."""

    a4 = "a4"
    letter = "letter"
    a5 = "a5"
    half_letter = "half-letter"

    @property
    def css(self) -> str:
        """The CSS `size` value for this paper."""
        return {"a4": "A4", "letter": "letter", "a5": "A5", "half-letter": "5.5in 8.5in"}[
            self.value
        ]

    @property
    def compact(self) -> bool:
        """Small pages get tighter margins and type."""
        return self in (Paper.a5, Paper.half_letter)


@dataclass(frozen=True)
class ProfileRules:
    """What one profile means for a pack; every stage asks its profile, none decides alone."""

    pdf_variant: str | None  # the PDF standard the file claims
    attaches_content: bool  # the content the pack was built from travels inside it
    bleed: bool  # pages grow by the bleed and carry crop marks (not in a booklet)
    checks_print_resolution: bool  # preflight reports images under the print resolution


class Profile(StrEnum):
    """What the PDF is for: reading on screen, a print shop, or an archive."""

    screen = "screen"
    print = "print"
    archive = "archive"

    @property
    def rules(self) -> ProfileRules:
        """What this profile means: standard, attachments, bleed, preflight."""
        return _PROFILE_RULES[self]


_PROFILE_RULES = {
    Profile.screen: ProfileRules("pdf/ua-1", False, False, False),
    Profile.print: ProfileRules(None, False, True, True),
    Profile.archive: ProfileRules("pdf/a-3b", True, False, False),
}


class Layout(StrEnum):
    """How a pack is laid out: in one piece, or part by part so memory stays flat."""

    auto = "auto"  # in parts when the pack is long (see render/parts/plan.PartPolicy)
    whole = "whole"
    parts = "parts"


class OutputFormat(StrEnum):
    """What `build_pack` writes."""

    pdf = "pdf"
    html = "html"


class Stop(Model):
    """One city of a trip, with its dates and meetings."""

    city: Line
    arrive: dt.date | None = None
    depart: dt.date | None = None
    meetings: tuple[Line, ...] = ()

    @model_validator(mode="after")
    def _dates_in_order(self) -> Stop:
        if self.arrive and self.depart and self.depart < self.arrive:
            raise ValueError(f"{self.city}: depart is before arrive")
        return self


class PackRequest(Model):
    """Everything that decides what one pack contains and looks like."""

    #: Fields that say how the pack is built, not what it holds: the same PDF either way.
    HOW: ClassVar[frozenset[str]] = frozenset({"cache", "jobs"})

    cities: tuple[Line, ...] = ()
    topics: tuple[Line, ...] = ()
    all_cities: bool = False
    all_topics: bool = False
    paper: Paper | None = None
    traveller: Line | None = None
    title: Line | None = None
    trip_start: dt.date | None = None
    trip_end: dt.date | None = None
    itinerary: tuple[Stop, ...] = ()
    build_date: dt.date | None = None
    data_dir: Path | None = None
    brand: Path | None = None
    strict: bool = False
    profile: Profile = Profile.screen
    bleed: Annotated[float, Field(ge=0, le=20)] = 3.0
    booklet: bool = False
    allow_remote: tuple[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.-]{1,253}$")], ...
    ] = ()
    timeout: Annotated[float, Field(gt=0, le=3600)] = 120
    output: Path | None = None
    format: OutputFormat = OutputFormat.pdf
    layout: Layout = Layout.auto
    cache: bool = True  # take unchanged parts from the part cache (render/cache.py)
    jobs: Annotated[int, Field(ge=1, le=256)] | None = None  # layout workers; None: 1

    @model_validator(mode="after")
    def _trip_in_order(self) -> PackRequest:
        if self.trip_start and self.trip_end and self.trip_end < self.trip_start:
            raise ValueError("trip_end is before trip_start")
        if self.trip_end and not self.trip_start:
            raise ValueError("trip_end needs trip_start")
        if self.booklet and self.paper not in (None, Paper.a5, Paper.half_letter):
            raise ValueError(
                "booklets print A5 or half-letter pages two-up: use paper a5 or half-letter"
            )
        if self.booklet and self.format is OutputFormat.html:
            raise ValueError("a booklet is a PDF: drop --format html")
        return self
