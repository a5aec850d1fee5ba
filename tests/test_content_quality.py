"""Content a client can trust: the bundled data and a pack built from all of it.

No note to an editor reaches the page; every source names the page that holds its
facts; the seed article (a blog post) supports no fact a traveller acts on; dates are
the dates facts describe, not placeholders; docs/content.md is current; and the map
marks the chosen cities on land drawn without boundaries.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from pydantic import BaseModel

from brochure.content.catalog import Catalog, load_catalog, select
from brochure.content.models import Population
from brochure.content.yamlfile import read_yaml
from brochure.look.palette import Palette
from brochure.look.visuals import build_visuals
from brochure.resources import builtin_data, builtin_root
from pdftools import outline, page_texts

SEED = "seed-article"
#: The date the seed article's facts were stamped with (the article itself is undated).
SEED_DATE = dt.date(2023, 1, 1)
#: More facts than this on one (source, as_of) pair, of three kinds or more, is a stamp.
STAMP_LIMIT = 8

#: Words an editor writes to another editor, or that hedge a fact the pack states.
PHRASES = (
    "check the current edition",
    "not independently verified",
    "reported without",
    "the year is not given",
    "probably",
    "reported to",
    "said to",
    "is believed",
    "widely quoted",
    "commonly given",
    "TODO",
    "TBD",
    "lorem",
    "placeholder",
    "verify",
)
NOTES = [(p, re.compile(rf"\b{re.escape(p)}\b", re.IGNORECASE)) for p in PHRASES]
#: "Reported to the police" is an instruction, not a hedge.
_OFFICIAL = r"(?!\s+(?:the\s+)?(?:police|authorities|immigration|embassy|consulate|hotel)\b)"
NOTES[PHRASES.index("reported to")] = (
    "reported to",
    re.compile(rf"\breported to\b{_OFFICIAL}", re.IGNORECASE),
)
NOTES.append(("as of 20XX", re.compile(r"\bas of (?:20\d\d|20xx)\b", re.IGNORECASE)))

#: Path segments that still mean a home page: /en/, /english/index.html and the like.
HOME_SEGMENTS = {"", "en", "eng", "english", "en-us", "en-gb", "tc", "sc", "zh", "cn", "home"}
HOME_FILES = re.compile(r"^(?:index|default|home)\.(?:s?html?|aspx?|php|jsp)$", re.IGNORECASE)

NS = {"svg": "http://www.w3.org/2000/svg"}
S = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Cited:
    """One sourced thing in the content: where it is, what it is, what it cites."""

    file: str  # relative to data/, e.g. cities/shanghai.yml
    loc: str  # dotted, e.g. airports.0
    model: BaseModel
    source: str
    as_of: dt.date

    @property
    def kind(self) -> str:
        """What sort of fact: its model and its field (Item:companies, Airport:airports)."""
        field = next((p for p in self.loc.split(".") if p and not p.isdigit()), "")
        name = type(self.model).__name__
        return f"{name}:{field}" if field else name

    @property
    def valid_until(self) -> dt.date | None:
        value = getattr(self.model, "valid_until", None)
        return value if isinstance(value, dt.date) else None

    def where(self, root: Path) -> str:
        """`file:line` of the fact in the content folder."""
        loc = tuple(int(p) if p.isdigit() else p for p in self.loc.split(".") if p)
        path = root / self.file
        return read_yaml(path).where(loc) if path.is_file() else f"{path} {self.loc}"


def _walk(value: Any, loc: str = "") -> Iterator[tuple[str, BaseModel, str, dt.date]]:
    """Every model inside `value` that names a source and an as-of date, with its location.

    Duck-typed rather than by class, so sourced topic points and any model added later
    (calendar events, routes) are checked the day they exist.
    """
    if isinstance(value, BaseModel):
        source, as_of = getattr(value, "source", None), getattr(value, "as_of", None)
        if isinstance(source, str) and isinstance(as_of, dt.date):
            yield loc, value, source, as_of
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), f"{loc}.{name}" if loc else name)
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{loc}.{i}" if loc else str(i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{loc}.{key}" if loc else str(key))


def cited(catalog: Catalog) -> list[Cited]:
    """Every sourced thing in a catalog, whatever part of it holds it."""
    parts: list[tuple[str, Any]] = [("country.yml", catalog.country)]
    parts += [(f"cities/{key}.yml", city) for key, city in catalog.cities.items()]
    parts += [(f"topics/{key}.yml", topic) for key, topic in catalog.topics.items()]
    known = {"root", "country", "cities", "topics", "sources"}
    parts += [
        (f"{f.name}.yml", getattr(catalog, f.name)) for f in fields(catalog) if f.name not in known
    ]
    out = []
    for file, part in parts:
        out += [Cited(file, *found) for found in _walk(part)]
    return out


def note_hits(text: str) -> Iterator[tuple[str, str]]:
    """(phrase, the words around it) for each editor's note in `text`."""
    for phrase, pattern in NOTES:
        for match in pattern.finditer(text):
            start, end = max(0, match.start() - 40), match.end() + 40
            yield phrase, " ".join(text[start:end].split())


def flat_text(page: str) -> str:
    """PDF page text as running words: hyphenated line breaks joined, soft hyphens gone."""
    page = re.sub(r"[\u00ad\ufffe\x02]", "", page)
    page = re.sub(r"-\r?\n", "", page)
    return " ".join(page.split())


def is_home_page(url: str) -> bool:
    """Whether a URL names a site (or a language version of it) rather than one page."""
    parsed = urlparse(url)
    segments = [s for s in parsed.path.split("/") if s]
    if segments and HOME_FILES.match(segments[-1]):
        segments = segments[:-1]
    return not parsed.query and all(s.lower() in HOME_SEGMENTS for s in segments)


@pytest.fixture(scope="module")
def data() -> Path:
    return builtin_data()


@pytest.fixture(scope="module")
def catalog(data: Path) -> Catalog:
    return load_catalog(data)


# -- copy a client can read -----------------------------------------------------------


def test_no_editor_note_reaches_the_printed_pack(full_pack: Path) -> None:
    found = [
        f"page {number}: {phrase!r} in ...{context}..."
        for number, page in enumerate(page_texts(full_pack), start=1)
        for phrase, context in note_hits(flat_text(page))
    ]
    assert not found, f"{len(found)} editor's notes or hedges in print:\n" + "\n".join(found)


def test_no_editor_note_in_the_data_files(data: Path) -> None:
    found = []
    for path in sorted(data.rglob("*.y*ml")):
        doc = read_yaml(path)
        for loc, text in doc.strings():
            for phrase, context in note_hits(text):
                found.append(f"{doc.where(loc)}: {phrase!r} in ...{context}...")
    assert not found, f"{len(found)} editor's notes or hedges in data/:\n" + "\n".join(found)


def test_note_checks_catch_notes_split_across_lines() -> None:
    page = "The port is prob-\r\nably the busiest; figures are re-\nported to\r\nvary. TBD"
    phrases = {phrase for phrase, _ in note_hits(flat_text(page))}
    assert phrases == {"probably", "reported to", "TBD"}
    assert not list(note_hits("Facts as of November 2026. Said Tomas. Verifying? Todos."))
    assert not list(note_hits("A lost passport must be reported to the police at once."))
    assert [p for p, _ in note_hits("figures as of 2023")] == ["as of 20XX"]


# -- sources that support what they are cited for -------------------------------------


def link_sources(catalog: Catalog) -> set[str]:
    """Sources cited only by printed links to that same URL: there the site is the fact."""
    links: dict[str, bool] = {}
    for c in cited(catalog):
        url = getattr(c.model, "url", None)
        same = type(c.model).__name__ == "Link" and url == catalog.sources[c.source].url
        links[c.source] = links.get(c.source, True) and same
    return {source for source, only in links.items() if only}


def test_every_source_names_its_page_publisher_and_date(catalog: Catalog) -> None:
    problems = []
    links = link_sources(catalog)
    for source in catalog.sources.values():
        if source.id == SEED:
            continue
        if not source.url or urlparse(source.url).scheme not in {"http", "https"}:
            problems.append(f"{source.id}: url {source.url!r} is not a web address")
        elif is_home_page(source.url) and source.id not in links:
            problems.append(
                f"{source.id}: url {source.url} is a home page, not the page with the facts"
            )
        if not source.publisher.strip():
            problems.append(f"{source.id}: no publisher")
        if source.accessed > dt.date.today():
            problems.append(f"{source.id}: accessed {source.accessed} is in the future")
    assert not problems, f"{len(problems)} sources in data/sources.yml:\n" + "\n".join(problems)


def test_home_page_rule() -> None:
    for url in ("https://www.gov.hk/", "https://www.sz.gov.cn/en/", "https://x.cn/en/index.html"):
        assert is_home_page(url), url
    for url in (
        "https://www.stats.gov.cn/sj/tjgb/rkpcgb/qgrkpcgb/202302/t20230206_1902005.html",
        "https://www.iec.ch/world-plugs",
        "https://www.nia.gov.cn/n741440/index.html",
        "https://example.org/?page=stats",
    ):
        assert not is_home_page(url), url


def test_every_source_is_cited(catalog: Catalog) -> None:
    used = {c.source for c in cited(catalog)}
    orphans = sorted(set(catalog.sources) - used)
    assert not orphans, f"sources no fact cites (drop them or cite them): {', '.join(orphans)}"


def test_seed_article_supports_no_fact_a_traveller_acts_on(catalog: Catalog) -> None:
    """The seed may back a topic's overview text only (the topic's own source), nothing else:
    no entry rule, money, number, company, airport, essential, date or route rests on it."""
    misuse = [
        f"{c.where(catalog.root)}: {c.loc or 'topic'} cites {SEED}"
        for c in cited(catalog)
        if c.source == SEED and not (c.file.startswith("topics/") and c.loc == "")
    ]
    assert not misuse, (
        f"{len(misuse)} facts rest on the seed article; source each from an authoritative "
        "page or drop it:\n" + "\n".join(misuse)
    )


# -- dates ----------------------------------------------------------------------------


def future_dates(facts: Iterable[Cited], today: dt.date) -> list[str]:
    return [
        f"{c.file} {c.loc}: as_of {c.as_of} is after today ({today})"
        for c in facts
        if c.as_of > today
    ]


def lapsed_before_start(facts: Iterable[Cited]) -> list[str]:
    return [
        f"{c.file} {c.loc}: valid_until {c.valid_until} is before as_of {c.as_of}"
        for c in facts
        if c.valid_until is not None and c.valid_until < c.as_of
    ]


def stamped_dates(facts: Iterable[Cited], accessed: dict[str, dt.date]) -> list[str]:
    """Dates that look stamped on rather than taken from the source.

    - the seed's date on a fact that cites another source (the date was left behind);
    - one (source, as_of) pair on more than STAMP_LIMIT facts of three kinds or more in
      three files or more (unrelated facts), unless as_of is the day the source was read
      (a standing fact, such as a name);
    - a head count dated the day its source was read (a count describes a census or a year).
    """
    facts = list(facts)
    problems = [
        f"{c.file} {c.loc}: as_of {c.as_of} is the seed's date but the fact cites {c.source}"
        for c in facts
        if c.as_of == SEED_DATE and c.source != SEED
    ]
    groups: dict[tuple[str, dt.date], list[Cited]] = defaultdict(list)
    for c in facts:
        if c.as_of != accessed.get(c.source):
            groups[(c.source, c.as_of)].append(c)
    for (source, as_of), group in sorted(groups.items()):
        kinds = {c.kind for c in group}
        files = {c.file for c in group}
        if len(group) > STAMP_LIMIT and len(kinds) >= 3 and len(files) >= 3:
            problems.append(
                f"as_of {as_of} with source {source} on {len(group)} facts of {len(kinds)} kinds "
                f"in {len(files)} files ({', '.join(sorted(kinds))}): a placeholder, not "
                "the date each fact describes"
            )
    problems += [
        f"{c.file} {c.loc}: a head count dated {c.as_of}, the day {c.source} was read"
        for c in facts
        if isinstance(c.model, Population) and c.as_of == accessed.get(c.source)
    ]
    return problems


def test_no_as_of_in_the_future(catalog: Catalog) -> None:
    problems = future_dates(cited(catalog), dt.date.today())
    assert not problems, "\n".join(problems)


def test_no_placeholder_as_of(catalog: Catalog) -> None:
    accessed = {s.id: s.accessed for s in catalog.sources.values()}
    problems = stamped_dates(cited(catalog), accessed)
    assert not problems, f"{len(problems)} placeholder dates:\n" + "\n".join(problems)


def test_valid_until_is_not_before_as_of(catalog: Catalog) -> None:
    problems = lapsed_before_start(cited(catalog))
    assert not problems, "\n".join(problems)


class _Rule(BaseModel):
    source: str
    as_of: dt.date
    valid_until: dt.date | None = None


class _Plain(BaseModel):
    source: str
    as_of: dt.date
    items: tuple[_Rule, ...] = ()


def test_date_checks_catch_what_they_are_for() -> None:
    """The date rules fail on bad dates, with or without a valid_until field."""
    day = dt.date(2025, 6, 1)
    bad = _Plain(
        source="a",
        as_of=dt.date(2027, 1, 1),
        items=(_Rule(source="b", as_of=day, valid_until=dt.date(2025, 1, 1)),),
    )
    facts = [Cited("x.yml", *found) for found in _walk(bad)]
    assert len(future_dates(facts, dt.date(2026, 12, 2))) == 1
    (lapse,) = lapsed_before_start(facts)
    assert "items.0" in lapse and "valid_until 2025-01-01" in lapse
    assert not lapsed_before_start([Cited("x.yml", "", _Plain(source="a", as_of=day), "a", day)])
    stamp = [
        Cited(f"cities/c{i}.yml", f"{kind}.{i}", _Rule(source="s", as_of=day), "s", day)
        for i, kind in enumerate(["population", "port", "companies"] * 3)
    ]
    assert len(stamped_dates(stamp, {"s": dt.date(2026, 12, 2)})) == 1
    assert not stamped_dates(stamp, {"s": day})  # the day it was read: a standing fact
    assert not stamped_dates(stamp[:STAMP_LIMIT], {"s": dt.date(2026, 12, 2)})
    one_file = [Cited("cities/c.yml", c.loc, c.model, c.source, c.as_of) for c in stamp]
    assert not stamped_dates(one_file, {"s": dt.date(2026, 12, 2)})  # one bulletin, one city
    one_kind = [Cited(c.file, f"0.{i}", c.model, c.source, c.as_of) for i, c in enumerate(stamp)]
    assert not stamped_dates(one_kind, {"s": dt.date(2026, 12, 2)})  # one notice's holidays
    left = [Cited("c.yml", "port", _Rule(source="s", as_of=SEED_DATE), "s", SEED_DATE)]
    assert len(stamped_dates(left, {})) == 1


# -- the reviewer's table -------------------------------------------------------------


def test_content_table_is_current() -> None:
    root = builtin_root()
    done = subprocess.run(
        [sys.executable, str(root / "tools" / "content_table.py"), "--stdout"],
        capture_output=True,
        text=True,
        check=True,
    )
    written = (root / "docs" / "content.md").read_text(encoding="utf-8")
    assert written == done.stdout, (
        "docs/content.md is out of date with data/: run `python tools/content_table.py`"
    )
    assert "| Population |" in written and "## Shanghai" in written


# -- the map --------------------------------------------------------------------------


def test_map_marks_the_chosen_cities_on_one_land(catalog: Catalog) -> None:
    chosen = select(catalog, ["qingdao", "hong-kong"], ["investment"])
    visuals = build_visuals(chosen, Palette.default())
    assert visuals.map is not None
    root = ET.fromstring(str(visuals.map))
    marked = [c.get("data-name", "") for c in root.iter(f"{S}circle")]
    assert sorted(marked) == ["Hong Kong", "Qingdao"]
    labels = ["".join(t.itertext()) for t in root.iter(f"{S}text") if t.get("class") == "map-label"]
    assert sorted(labels) == ["Hong Kong香港", "Qingdao青岛"]
    shapes = [p for p in root.iter(f"{S}path") if p.get("class") in ("map-land", "map-coast")]
    assert sorted(p.get("class") or "" for p in shapes) == ["map-coast", "map-land"]
    for city in chosen.cities:
        inset = ET.fromstring(str(visuals.insets[city.id]))
        (mark,) = [c for c in inset.iter(f"{S}circle") if "map-highlight" in (c.get("class") or "")]
        others = [c.get("data-name") for c in inset.iter(f"{S}circle") if c is not mark]
        assert mark.get("data-name") == city.name and others == [
            c.name for c in chosen.cities if c is not city
        ]


def test_map_caption_is_printed(full_pack: Path) -> None:
    texts = [flat_text(t) for t in page_texts(full_pack)]
    chapters = {b.title: b.page for b in outline(full_pack) if b.level == 1}
    country = next(page for title, page in chapters.items() if title.startswith("China"))
    assert "Land and coast only; boundaries are not shown." in texts[country - 1]
    catalog = load_catalog(builtin_data())
    for city in catalog.cities.values():
        page = next(p for title, p in chapters.items() if title.startswith(city.name))
        assert "Boundaries are not shown." in texts[page - 1], city.name
