"""Travel pages on real PDFs: trip-aware notices, calendar, the ways between the cities,
districts, and Hong Kong in traditional characters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

import brochure
import brochure.resources
from brochure.cli import main
from brochure.content.catalog import load_catalog
from brochure.pack import CJK_FONT, make_request, prepare
from brochure.render.preflight import missing_glyphs
from brochure.resources import builtin_fonts
from pdftools import outline, page_texts
from travelfix import BUILD_DATE, EPOCH, change, travel_content

TRIP = ["--trip-start", "2027-03-01", "--trip-end", "2027-03-10"]


@dataclass(frozen=True)
class Built:
    """A pack built through the CLI, with what the CLI printed."""

    pdf: Path
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return travel_content(tmp_path_factory.mktemp("travel-content") / "data")


@pytest.fixture(scope="session")
def trip(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Three cities and a trip in March 2027, built with the CLI on 2 December 2026."""
    out = tmp_path_factory.mktemp("trip") / "trip.pdf"
    args = ["build", "--data", str(data), "-c", "guangzhou", "-c", "hong-kong", "-c", "shanghai"]
    args += ["-t", "fixture-rules", "-t", "trip-planning", *TRIP, "-o", str(out)]
    done = CliRunner(env={"SOURCE_DATE_EPOCH": EPOCH}).invoke(main, args)
    assert done.exit_code == 0, done.output
    return Built(out, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def pair(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two cities, no trip dates."""
    out = tmp_path_factory.mktemp("pair") / "pair.pdf"
    brochure.build_pack(
        cities=["hong-kong", "guangzhou"],
        topics=["fixture-rules"],
        data_dir=data,
        build_date=BUILD_DATE,
        output=out,
    )
    return out


#: pdfplumber's text of the pages read so far, by pack, size and mtime: the packs are read
#: many times and never change, and a rewritten file would have another key.
_PAGE_TEXTS: dict[tuple[Path, int, int], dict[int, str]] = {}


def chapter(pack: Path, title: str) -> str:
    """The text of a chapter, from its first page to the page before the next chapter."""
    marks = [b for b in outline(pack) if b.level == 1]
    stat = pack.stat()
    known = _PAGE_TEXTS.setdefault((pack, stat.st_size, stat.st_mtime_ns), {})
    with pdfplumber.open(pack) as pdf:
        for i, mark in enumerate(marks):
            if mark.title.startswith(title):
                end = marks[i + 1].page - 1 if i + 1 < len(marks) else len(pdf.pages)
                wanted = range(mark.page - 1, max(end, mark.page))
                for n in wanted:
                    if n not in known:
                        known[n] = pdf.pages[n].extract_text() or ""
                return "\n".join(known[n] for n in wanted)
    raise AssertionError(f"no chapter {title!r} in {[m.title for m in marks]}")


def flat(text: str) -> str:
    """Text with line breaks and hyphenation undone, for phrases that wrap."""
    return " ".join(text.replace("-\n", "").split())


def test_pack_flags_facts_that_lapse_before_or_during_the_trip(trip: Built) -> None:
    box = flat(chapter(trip.pdf, "Your itinerary"))
    assert "CHECK BEFORE YOU TRAVEL" in box
    assert (
        "Fixture visa waiver (Fixture entry rules): until 15 February 2027, before the trip "
        "starts. data/topics/fixture-rules.yml: points.0"
    ) in box
    assert (
        "Fixture transit scheme (Fixture entry rules): until 5 March 2027, during the trip. "
        "data/topics/fixture-rules.yml: points.1"
    ) in box
    assert "Fixture flight (route Hong Kong\u2013Shanghai): until 3 March 2027, during" in box
    assert "Fixture lasting rule" not in box
    assert box.index("CHECK BEFORE") < box.index("Stop 1")  # near the front, before the stops


def test_build_prints_a_note_for_each_lapse_and_each_event_in_the_trip(trip: Built) -> None:
    notes = [line for line in trip.stderr.splitlines() if line.startswith("note: ")]
    assert any(
        "Fixture transit scheme" in n and "data/topics/fixture-rules.yml" in n for n in notes
    )
    assert any("Fixture visa waiver" in n and "before the trip starts" in n for n in notes)
    assert any("Fixture flight" in n and "data/routes.yml: routes.1.options.0" in n for n in notes)
    assert (
        "note: Fixture Spring Fair (Guangzhou) 4-8 Mar 2027 falls inside the trip: hotels near "
        "the fair ground fill weeks ahead."
    ) in notes
    assert not any("Lasting" in n or "lasting rule" in n or "Harbour Day" in n for n in notes)
    assert trip.stdout.startswith("wrote ")


def test_no_trip_dates_no_notices(pair: Path) -> None:
    text = flat("\n".join(page_texts(pair)))
    assert "CHECK BEFORE YOU TRAVEL" not in text and "DURING YOUR TRIP" not in text
    assert not any(b.title == "Your itinerary" for b in outline(pair))


def test_calendar_lists_upcoming_events_for_the_chosen_cities_and_marks_the_trip(
    trip: Built, pair: Path
) -> None:
    calendar = flat(chapter(trip.pdf, "Holidays and fairs"))
    assert "Your trip, 1 March 2027 \u2013 10 March 2027: 1 entry falls inside it" in calendar
    fair, harbour = calendar.index("Fixture Spring Fair"), calendar.index("Fixture Harbour Day")
    assert fair < harbour  # by date
    assert calendar.count("DURING YOUR TRIP") == 1
    assert "4\u20138 Mar 2027" in calendar and "5 Apr 2027" in calendar
    assert "海港節" in calendar
    assert "Fixture Autumn Fair" not in calendar  # over before the build date
    assert "Fixture Northern Holiday" not in calendar  # for cities not chosen
    assert "DURING YOUR TRIP" not in flat(chapter(pair, "Holidays and fairs"))


def test_the_in_trip_event_is_highlighted_on_the_page(trip: Built) -> None:
    page = next(b.page for b in outline(trip.pdf) if b.title == "Holidays and fairs")
    with pdfplumber.open(trip.pdf) as pdf:
        words = pdf.pages[page - 1].extract_words()
        rects = pdf.pages[page - 1].rects
    tops = {w["text"]: w["top"] for w in words}

    def tint_behind(top: float) -> set[tuple[float, ...]]:
        return {
            tuple(round(c, 2) for c in r["non_stroking_color"] or ())
            for r in rects
            if r["top"] - 1 <= top <= r["bottom"] + 1 and r["width"] > 30
        }

    assert tops["Spring"] <= tops["DURING"] < tops["Harbour"]  # the flag is in the fair's row
    assert tint_behind(tops["Spring"]) != tint_behind(tops["Harbour"])


def test_travel_matrix_covers_the_chosen_cities(trip: Built) -> None:
    lines = chapter(trip.pdf, "Getting between the cities").splitlines()
    assert "From / to Guangzhou Hong Kong Shanghai" in lines  # the header row
    # the Hong Kong row: 50 min by rail + 60 min allowance; 155 min by air + 150 min
    assert "Hong Kong 1 h 50 min 5 h 5 min" in lines and "香港 RAIL AIR" in lines
    travel = flat("\n".join(lines))
    assert travel.count("not listed") == 2  # Guangzhou-Shanghai, both ways
    assert "Not listed: Guangzhou \u2013 Shanghai. Ask your travel agent" in travel
    assert "Door to door = time on board + the allowance per mode" in travel
    assert "air 150 min, rail 60 min, road 0 min" in travel
    assert (
        "Fixture express train · Checks for both sides at the terminus. 50 min 1 h 50 min" in travel
    )
    assert "Fixture coach 3 h 3 h" in travel
    assert "Tianjin" not in travel and "Qingdao" not in travel


def test_a_pack_of_two_cities_shows_just_that_pair(pair: Path) -> None:
    travel = flat(chapter(pair, "Getting between the cities"))
    assert "From / to Hong Kong Guangzhou" in travel
    assert "Hong Kong \u2013 Guangzhou" in travel
    assert "Shanghai" not in travel and "Fixture flight" not in travel
    assert "not listed" not in travel.lower()


def test_sourced_points_routes_and_events_are_on_the_sources_page(trip: Built) -> None:
    sources = flat(chapter(trip.pdf, "Sources"))
    assert "Points: Fixture visa waiver, Fixture transit" in sources  # the cell wraps
    assert "Routes: Guangzhou\u2013Hong Kong by rail" in sources
    assert "Hong Kong\u2013Shanghai by air" in sources
    assert "Fair: Fixture Spring Fair; Holiday: Fixture Harbour Day" in sources
    assert "Fixture timetable. brochure test suite." in sources
    assert "Fixture Autumn Fair" not in sources


def test_districts_are_printed_in_each_city_chapter(trip: Built) -> None:
    hong_kong = flat(chapter(trip.pdf, "Hong Kong"))
    assert "Where to stay and meet" in hong_kong
    assert "Admiralty 金鐘" in hong_kong and "Tsim Sha Tsui 尖沙咀" in hong_kong
    shanghai = flat(chapter(trip.pdf, "Shanghai"))
    assert "Where to stay and meet" in shanghai and "Lujiazui 陆家嘴" in shanghai


def test_driver_cards_ask_in_the_city_s_own_script(trip: Built, data: Path) -> None:
    cards = chapter(trip.pdf, "Show the driver")
    mainland, rest = cards.split("Hong Kong 香港")
    hong_kong, shanghai = rest.split("Shanghai 上海")
    mainland += shanghai
    hk_cards = len(load_catalog(data).cities["hong-kong"].districts)
    assert hong_kong.count("請帶我去") >= hk_cards + 1 and "请带我去" not in hong_kong
    assert mainland.count("请带我去") >= 4 and "請帶我去" not in mainland


def test_chinese_text_is_tagged_with_its_script(data: Path) -> None:
    request = make_request(cities=["hong-kong", "shanghai"], data_dir=data, build_date=BUILD_DATE)
    html = prepare(request).html
    assert '<p class="card-ask" lang="zh-Hant">請帶我去\uff1a</p>' in html
    assert '<p class="card-ask" lang="zh-Hans">请带我去\uff1a</p>' in html
    assert '<span class="zh" lang="zh-Hant">香港</span>' in html
    assert '<span class="zh" lang="zh-Hans">上海</span>' in html
    assert 'lang="zh"' not in html


def test_the_cjk_font_has_every_character_hong_kong_prints(data: Path) -> None:
    request = make_request(cities=["hong-kong"], data_dir=data, build_date=BUILD_DATE)
    html = prepare(request).html
    assert "請帶我去" in html and "國際機場" in html
    assert missing_glyphs(html, builtin_fonts() / CJK_FONT) == []


def test_one_city_has_no_travel_page_and_missing_glyphs_are_reported(
    data: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    change(copy / "cities" / "hong-kong.yml", "name_zh: 金鐘", "name_zh: 金鐘龘")
    result = brochure.build_pack(
        cities=["hong-kong"], topics=["regions"], data_dir=copy, output=tmp_path / "one.pdf"
    )
    assert "character 龘 (U+9F98) is not in the CJK font NotoSansSC-Regular-subset.otf" in (
        result.warnings
    )
    titles = [b.title for b in outline(result.path)]
    assert "Getting between the cities" not in titles
    assert "Holidays and fairs" in titles  # Hong Kong has a holiday coming


def test_check_lists_facts_already_past_valid_until(data: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    runner = CliRunner(env={"SOURCE_DATE_EPOCH": EPOCH})
    clean = runner.invoke(main, ["check", "--data", str(copy)])
    assert clean.exit_code == 0 and "valid until" not in clean.stderr
    topic = copy / "topics" / "fixture-rules.yml"
    change(topic, "valid_until: 2027-02-15", "valid_until: 2026-11-30")
    lapsed = runner.invoke(main, ["check", "--data", str(copy)])
    assert lapsed.exit_code == 0
    assert f"warning: {topic}: points.0: valid until 2026-11-30, 2 days ago" in lapsed.stderr
    strict = runner.invoke(main, ["check", "--data", str(copy), "--strict"])
    assert strict.exit_code == 1 and "valid until 2026-11-30" in strict.stderr


def test_calendar_says_how_far_its_holidays_reach(tmp_path: Path) -> None:
    """A trip past the last listed holiday is told where the list ends; one inside it is not."""
    catalog = load_catalog(brochure.resources.builtin_data())
    last = max(e.end for e in catalog.events if e.kind == "holiday" and "hong-kong" in e.cities)
    texts = {}
    for name, days in (("beyond", 10), ("within", -20)):
        end = last + dt.timedelta(days=days)
        out = brochure.build_pack(
            cities=["hong-kong"],
            topics=["regions"],
            trip_start=end - dt.timedelta(days=3),
            trip_end=end,
            build_date=last - dt.timedelta(days=40),
            output=tmp_path / f"{name}.pdf",
        ).path
        texts[name] = " ".join(chapter(out, "Holidays and fairs").split())
    assert f"Public holidays are listed up to {last.day} {last:%B %Y}." in texts["beyond"]
    assert "Public holidays are listed up to" not in texts["within"]
