"""Validated content models: every fact names its source and the date it was true."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

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
    """Something stated as fact: it names a source id and an as-of date."""

    source: Id
    as_of: dt.date


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


class City(Model):
    """One city: its profile, what it makes, and what a visitor needs."""

    id: Id
    name: Line
    name_zh: Line
    country: Id
    region: Id
    depth: Depth = Depth.full
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


class Point(Model):
    """A titled paragraph inside a topic, such as one investment sector."""

    title: Line
    text: Text


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


class Profile(StrEnum):
    """What the PDF is for: reading on screen, a print shop, or an archive."""

    screen = "screen"
    print = "print"
    archive = "archive"


class Layout(StrEnum):
    """How a pack is laid out: in one piece, or part by part so memory stays flat."""

    auto = "auto"  # in parts when the pack is long (see parts.WHOLE_MAX_WEIGHT)
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
