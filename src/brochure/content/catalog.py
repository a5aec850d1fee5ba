"""Load the content folder, check it as a whole, and pick cities and topics from it."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import DataError, SelectionError
from ..recent import Recent
from ..wording import plural
from .models import (
    City,
    Country,
    Event,
    PackRequest,
    Point,
    Region,
    Routes,
    Source,
    Sourced,
    Topic,
)
from .yamlfile import MAX_YAML_BYTES, YamlDoc, describe_errors, read_yaml

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Catalog:
    """Everything in one content folder, validated and cross-checked."""

    root: Path
    country: Country
    cities: dict[str, City]
    topics: dict[str, Topic]
    sources: dict[str, Source]
    events: tuple[Event, ...] = ()  # data/calendar.yml, when there is one
    routes: Routes | None = None  # data/routes.yml, when there is one

    def region(self, city: City) -> Region:
        """The region a city belongs to (load_catalog checked that it has one)."""
        return next(r for r in self.country.regions if r.id == city.region)


@dataclass(frozen=True)
class Selection:
    """The cities and topics one pack covers, in the order they appear."""

    cities: tuple[City, ...]
    topics: tuple[Topic, ...]


class _Problems:
    """Collects every problem so a check reports them all at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def load(self, path: Path, model: type[M]) -> tuple[M | None, YamlDoc | None]:
        try:
            doc = read_yaml(path)
        except DataError as exc:
            self.items.append(str(exc))
            return None, None
        try:
            return model.model_validate(doc.data), doc
        except ValidationError as exc:
            self.items.extend(describe_errors(exc, doc, model))
            return None, doc


#: The folders of a content folder that hold one YAML file per city and per topic.
CITIES, TOPICS = "cities", "topics"


def load_catalog(root: Path) -> Catalog:
    """Load and check a content folder; raise DataError listing every problem."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: content folder not found")
    problems = _Problems()
    sources = _load_sources(problems, root)
    country, country_doc = problems.load(root / "country.yml", Country)
    loaded_cities = _load_dir(problems, root / CITIES, City)
    loaded_topics = _load_dir(problems, root / TOPICS, Topic)
    cities = {k: v for k, (v, _) in sorted(loaded_cities.items(), key=lambda kv: kv[1][0].order)}
    topics = {k: v for k, (v, _) in sorted(loaded_topics.items(), key=lambda kv: kv[1][0].order)}
    if country is not None:
        _check_city_places(problems, country, loaded_cities.values())
    for topic, doc in loaded_topics.values():
        for city_id in topic.cities:
            if city_id not in cities:
                problems.items.append(
                    f"{doc.where(('cities', city_id))}: cities.{city_id}: no such city"
                    + _did_you_mean(city_id, cities)
                )
    events, routes, travel_docs = _load_travel(problems, root, cities)
    documents: list[tuple[Any, YamlDoc]] = [*loaded_cities.values(), *loaded_topics.values()]
    if country is not None and country_doc is not None:
        documents.insert(0, (country, country_doc))
    _check_sources_cited(problems, [*documents, *travel_docs], sources)
    if problems.items:
        count = plural(len(problems.items), "problem")
        raise DataError(f"{root}: {count} in the content", problems.items)
    assert country is not None
    return Catalog(root, country, cities, topics, sources, events, routes)


#: Catalogs loaded in this process, by folder, with a digest of the files they were read
#: from.
_LOADED: Recent[Path, tuple[str, Catalog]] = Recent(4)


def load_catalog_again(root: Path) -> Catalog:
    """`load_catalog`, or the catalog this process loaded from `root` before if none of the
    files it reads has changed since (compared by their bytes).

    A batch worker and `--watch` build pack after pack from one folder: reading and
    checking its YAML took a tenth of a personalised pack's build. A folder that fails
    to load is read again every time (so that its errors are reported every time).
    """
    root = Path(root)
    digest = _catalog_digest(root)
    held = _LOADED.get(root)
    if digest is not None and held is not None and held[0] == digest:
        return held[1]
    catalog = load_catalog(root)
    if digest is not None:
        _LOADED[root] = (digest, catalog)
    return catalog


def _catalog_digest(root: Path) -> str | None:
    """A digest of the names and bytes of every file `load_catalog` may read in `root`;
    None if one cannot be read or is too large (load_catalog says why)."""
    digest = hashlib.sha256()
    try:
        files = [*_yaml_files(root), *_yaml_files(root / CITIES), *_yaml_files(root / TOPICS)]
        for path in files:
            if not path.is_file() or path.stat().st_size > MAX_YAML_BYTES:
                return None
            body = path.read_bytes()
            digest.update(f"{path.relative_to(root)}\0{len(body)}\0".encode() + body)
    except OSError:
        return None
    return digest.hexdigest()


def _load_sources(problems: _Problems, root: Path) -> dict[str, Source]:
    """sources.yml by id, each id given once."""
    sources: dict[str, Source] = {}
    source_list, sources_doc = _load_list(problems, root / "sources.yml", Source)
    for i, src in enumerate(source_list):
        if src.id in sources:
            where = sources_doc.where((i, "id")) if sources_doc else root / "sources.yml"
            problems.items.append(f"{where}: id: source id {src.id!r} is given twice")
        sources[src.id] = src
    return sources


def _check_city_places(
    problems: _Problems, country: Country, cities: Iterable[tuple[City, YamlDoc]]
) -> None:
    """Each city belongs to the country and to one of its regions."""
    regions = {r.id for r in country.regions}
    for city, doc in cities:
        if city.country != country.id:
            problems.items.append(
                f"{doc.where(('country',))}: country: {city.country!r} is not "
                f"{country.id!r} (country.yml)"
            )
        if city.region not in regions:
            problems.items.append(
                f"{doc.where(('region',))}: region: unknown region {city.region!r} "
                f"(valid: {', '.join(sorted(regions))})"
            )


def _check_sources_cited(
    problems: _Problems, documents: Iterable[tuple[Any, YamlDoc]], sources: dict[str, Source]
) -> None:
    """Every sourced fact cites a source that sources.yml lists."""
    for model, doc in documents:
        for loc, fact in iter_sourced(model):
            if fact.source not in sources:
                parts = (*_loc(loc), "source")
                problems.items.append(
                    f"{doc.where(parts)}: {'.'.join(map(str, parts))}: unknown source "
                    f"{fact.source!r}" + _did_you_mean(fact.source, sources)
                )


#: The optional files beside cities/ and topics/: the calendar and the routes.
CALENDAR_FILE = "calendar.yml"
ROUTES_FILE = "routes.yml"


def _load_travel(
    problems: _Problems, root: Path, cities: dict[str, City]
) -> tuple[tuple[Event, ...], Routes | None, list[tuple[Any, YamlDoc]]]:
    """The calendar and the routes, each optional, cross-checked against the cities."""
    docs: list[tuple[Any, YamlDoc]] = []
    events: list[Event] = []
    if (root / CALENDAR_FILE).exists():
        events, doc = _load_list(problems, root / CALENDAR_FILE, Event)
        if doc is not None and events:
            docs.append((events, doc))
            problems.items.extend(_check_events(events, doc, cities))
    routes = None
    if (root / ROUTES_FILE).exists():
        routes, doc = problems.load(root / ROUTES_FILE, Routes)
        if routes is not None and doc is not None:
            docs.append((routes, doc))
            problems.items.extend(_check_routes(routes, doc, cities))
    return tuple(events), routes, docs


def _check_events(events: list[Event], doc: YamlDoc, cities: dict[str, City]) -> list[str]:
    """Event ids given once; every city an event names exists."""
    found = []
    seen: set[str] = set()
    for i, event in enumerate(events):
        if event.id in seen:
            found.append(f"{doc.where((i, 'id'))}: {i}.id: event id {event.id!r} is given twice")
        seen.add(event.id)
        for j, city_id in enumerate(event.cities):
            if city_id not in cities:
                found.append(
                    f"{doc.where((i, 'cities', j))}: {i}.cities.{j}: no such city {city_id!r}"
                    + _did_you_mean(city_id, cities)
                )
    return found


def _check_routes(routes: Routes, doc: YamlDoc, cities: dict[str, City]) -> list[str]:
    """Cities exist, each pair appears once, every mode used has an allowance."""
    found = []
    pairs: dict[frozenset[str], int] = {}
    for i, route in enumerate(routes.routes):
        for j, city_id in enumerate(route.between):
            if city_id not in cities:
                found.append(
                    f"{doc.where(('routes', i, 'between', j))}: routes.{i}.between.{j}: "
                    f"no such city {city_id!r}" + _did_you_mean(city_id, cities)
                )
        pair = frozenset(route.between)
        if pair in pairs:
            found.append(
                f"{doc.where(('routes', i, 'between'))}: routes.{i}.between: "
                f"{' and '.join(route.between)} are already paired in routes.{pairs[pair]}"
            )
        pairs.setdefault(pair, i)
        for j, option in enumerate(route.options):
            if option.mode not in routes.allowances:
                found.append(
                    f"{doc.where(('routes', i, 'options', j, 'mode'))}: "
                    f"routes.{i}.options.{j}.mode: no allowance for {option.mode.value!r} "
                    "(add it under allowances)"
                )
    return found


def _loc(dotted: str) -> tuple[str | int, ...]:
    """`specialisations.0` as ("specialisations", 0), the form YamlDoc.where takes."""
    return tuple(int(p) if p.isdigit() else p for p in dotted.split(".") if p)


def _load_list(problems: _Problems, path: Path, model: type[M]) -> tuple[list[M], YamlDoc | None]:
    try:
        doc = read_yaml(path)
    except DataError as exc:
        problems.items.append(str(exc))
        return [], None
    try:
        adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        return list(adapter.validate_python(doc.data)), doc
    except ValidationError as exc:
        problems.items.extend(describe_errors(exc, doc, model))
        return [], doc


def _yaml_files(folder: Path) -> list[Path]:
    """The `.yml` and `.yaml` files in a folder, in order (none if it is not there)."""
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])


def _load_dir(problems: _Problems, folder: Path, model: type[M]) -> dict[str, tuple[M, YamlDoc]]:
    """Every `<id>.yml` (or `.yaml`) in a folder, keyed by id, with its parsed document."""
    out: dict[str, tuple[M, YamlDoc]] = {}
    if not folder.is_dir():
        problems.items.append(f"{folder}: folder not found")
        return out
    files = _yaml_files(folder)
    if not files:
        problems.items.append(f"{folder}: no .yml files found")
    for path in files:
        item, doc = problems.load(path, model)
        if item is None or doc is None:
            continue
        item_id = str(item.id)  # type: ignore[attr-defined]
        if item_id != path.stem:
            problems.items.append(
                f"{doc.where(('id',))}: id: {item_id!r} must match the file name {path.stem!r}"
            )
        elif item_id in out:
            problems.items.append(
                f"{path}: id: {item_id!r} is also given by {out[item_id][1].path}"
            )
        else:
            out[item_id] = (item, doc)
    return out


def iter_sourced(model: Any, loc: str = "") -> Iterator[tuple[str, Sourced]]:
    """Every sourced fact inside a model, with its dotted location."""
    if isinstance(model, Sourced):
        yield loc, model
    if isinstance(model, Point):
        if model.fact is not None:
            yield loc, model.fact
        return
    if isinstance(model, BaseModel):
        for name in type(model).model_fields:
            yield from iter_sourced(getattr(model, name), f"{loc}.{name}" if loc else name)
    elif isinstance(model, tuple | list):
        for i, item in enumerate(model):
            yield from iter_sourced(item, f"{loc}.{i}")
    elif isinstance(model, dict):
        for key, item in model.items():
            yield from iter_sourced(item, f"{loc}.{key}")


def normalise(name: str) -> str:
    """Fold a user-typed name so `Hong Kong`, `HONG KONG` and `hong_kong` agree."""
    return re.sub(r"[^\w]+", "-", name.casefold()).replace("_", "-").strip("-")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(normalise(word), list(choices), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def _pick(kind: str, wanted: Sequence[str], index: dict[str, str], ids: Sequence[str]) -> list[str]:
    chosen: list[str] = []
    unknown: list[str] = []
    for name in wanted:
        found = index.get(normalise(name))
        if found is None:
            close = difflib.get_close_matches(normalise(name), list(index), n=1, cutoff=0.6)
            hint = f" (did you mean {index[close[0]]!r}?)" if close else ""
            unknown.append(f"unknown {kind} {name!r}{hint}")
        elif found not in chosen:
            chosen.append(found)
    if unknown:
        raise SelectionError(
            "; ".join(unknown) + f". Valid {kind} ids: {', '.join(ids)}",
        )
    return chosen


def select(
    catalog: Catalog,
    cities: Sequence[str] = (),
    topics: Sequence[str] = (),
    *,
    all_cities: bool = False,
    all_topics: bool = False,
) -> Selection:
    """Pick cities and topics by loosely matched id or name.

    Cities keep the order given; topics keep the catalog's order. No topics
    given means every topic. Unknown names raise SelectionError with suggestions.
    """
    if all_cities and cities:
        raise SelectionError("give either cities or all_cities, not both")
    if all_topics and topics:
        raise SelectionError("give either topics or all_topics, not both")
    if not cities and not all_cities:
        raise SelectionError(
            f"choose at least one city (valid ids: {', '.join(catalog.cities)}) or all of them"
        )
    city_index: dict[str, str] = {}
    for c in catalog.cities.values():
        for key in (c.id, c.name, c.name_zh):
            city_index[normalise(key)] = c.id
    topic_index: dict[str, str] = {}
    for t in catalog.topics.values():
        for key in (t.id, t.title):
            topic_index[normalise(key)] = t.id

    city_ids = (
        list(catalog.cities)
        if all_cities
        else _pick("city", cities, city_index, list(catalog.cities))
    )
    if topics:
        picked = set(_pick("topic", topics, topic_index, list(catalog.topics)))
        topic_ids = [t for t in catalog.topics if t in picked]
    else:
        topic_ids = list(catalog.topics)
    return Selection(
        tuple(catalog.cities[c] for c in city_ids),
        tuple(catalog.topics[t] for t in topic_ids),
    )


def select_for(catalog: Catalog, request: PackRequest) -> Selection:
    """The selection a pack request asks for (its cities, or its itinerary's)."""
    return select(
        catalog,
        request.cities or tuple(stop.city for stop in request.itinerary),
        request.topics,
        all_cities=request.all_cities,
        all_topics=request.all_topics,
    )
