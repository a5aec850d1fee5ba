"""The travel content model: valid_until, sourced points, calendar, routes, city script."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from brochure.content.catalog import iter_sourced, load_catalog
from brochure.content.models import Event, Fact, Mode, Point, PointFact, Routes, Script
from brochure.errors import DataError
from brochure.look.travel import date_span, duration
from brochure.resources import builtin_data
from travelfix import change, line_of, travel_content


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return travel_content(tmp_path / "data")


def problems_of(root: Path) -> tuple[str, ...]:
    with pytest.raises(DataError) as info:
        load_catalog(root)
    return tuple(info.value.problems)


def test_valid_until_is_a_date_not_before_as_of() -> None:
    fact = Fact(value="30 days", source="s", as_of="2026-11-01", valid_until="2026-12-31")
    assert fact.valid_until == dt.date(2026, 12, 31)
    assert Fact(value="x", source="s", as_of="2026-11-01").valid_until is None
    with pytest.raises(ValidationError, match="valid_until 2026-10-31 is before as_of 2026-11-01"):
        Fact(value="x", source="s", as_of="2026-11-01", valid_until="2026-10-31")


def test_a_point_names_source_and_as_of_together() -> None:
    assert Point(title="T", text="x").fact is None
    point = Point(title="T", text="x", source="s", as_of="2026-01-01", valid_until="2027-01-01")
    assert point.fact == PointFact(
        title="T", source="s", as_of=dt.date(2026, 1, 1), valid_until=dt.date(2027, 1, 1)
    )
    with pytest.raises(ValidationError, match="source and as_of come together"):
        Point(title="T", text="x", source="s")
    with pytest.raises(ValidationError, match="source and as_of come together"):
        Point(title="T", text="x", as_of="2026-01-01")
    with pytest.raises(ValidationError, match="valid_until needs source and as_of"):
        Point(title="T", text="x", valid_until="2026-01-01")
    with pytest.raises(ValidationError, match="is before as_of"):
        Point(title="T", text="x", source="s", as_of="2026-01-01", valid_until="2025-01-01")


def test_an_event_ends_on_or_after_its_start_and_holds_until_its_end() -> None:
    fields = {"id": "e", "name": "E", "kind": "fair", "cities": ["x"], "source": "s"}
    event = Event(**fields, start="2027-03-04", end="2027-03-08", as_of="2026-11-01")
    assert event.until == dt.date(2027, 3, 8)
    with pytest.raises(ValidationError, match="end 2027-03-03 is before start 2027-03-04"):
        Event(**fields, start="2027-03-04", end="2027-03-03", as_of="2026-11-01")
    with pytest.raises(ValidationError, match="kind"):
        Event(
            **{**fields, "kind": "party"}, start="2027-03-04", end="2027-03-04", as_of="2026-11-01"
        )


def test_routes_need_two_different_cities_and_known_modes() -> None:
    option = {
        "mode": "rail",
        "summary": "Train",
        "minutes": 50,
        "source": "s",
        "as_of": "2026-01-01",
    }
    ok = Routes(allowances={"rail": 60}, routes=[{"between": ["a", "b"], "options": [option]}])
    assert ok.routes[0].options[0].minutes == 50
    with pytest.raises(ValidationError, match="give two cities"):
        Routes(allowances={"rail": 60}, routes=[{"between": ["a", "a"], "options": [option]}])
    with pytest.raises(ValidationError, match="options"):
        Routes(allowances={"rail": 60}, routes=[{"between": ["a", "b"], "options": []}])
    with pytest.raises(ValidationError, match="mode"):
        Routes(
            allowances={"rail": 60},
            routes=[{"between": ["a", "b"], "options": [{**option, "mode": "camel"}]}],
        )


def test_calendar_and_routes_load_and_their_facts_are_checked(data: Path) -> None:
    catalog = load_catalog(data)
    assert [e.id for e in catalog.events][:2] == ["fixture-fair-spring", "fixture-harbour-holiday"]
    assert catalog.routes is not None and catalog.routes.allowances[Mode.air] == 150
    points = [
        f for _, f in iter_sourced(catalog.topics["fixture-rules"]) if isinstance(f, PointFact)
    ]
    assert [p.title for p in points] == [
        "Fixture visa waiver",
        "Fixture transit scheme",
        "Fixture lasting rule",
    ]


def test_calendar_and_routes_files_are_optional(data: Path) -> None:
    (data / "calendar.yml").unlink()
    (data / "routes.yml").unlink()
    catalog = load_catalog(data)
    assert catalog.events == () and catalog.routes is None


def test_unknown_fields_are_refused_with_file_and_line(data: Path) -> None:
    calendar, routes = data / "calendar.yml", data / "routes.yml"
    change(calendar, "  note: Offices close for the day.", "  venue: Harbour front")
    change(routes, "        minutes: 155\n", "        minutes: 155\n        price: 120\n")
    found = problems_of(data)
    assert f"{calendar}:{line_of(calendar, 'venue:')}: 1.venue: unknown field" in "\n".join(found)
    assert any(
        p.startswith(
            f"{routes}:{line_of(routes, 'price:')}: routes.1.options.0.price: unknown field"
        )
        for p in found
    )


def test_bad_dates_are_refused_with_file_and_line(data: Path) -> None:
    topic = data / "topics" / "fixture-rules.yml"
    change(topic, "valid_until: 2027-02-15", "valid_until: 2026-02-15")
    calendar = data / "calendar.yml"
    change(calendar, "  end: 2027-04-05", "  end: 2027-04-01")
    found = problems_of(data)
    line = line_of(topic, "title: Fixture visa waiver")
    assert (
        f"{topic}:{line}: points.0: Value error, valid_until 2026-02-15 is before as_of"
        in "\n".join(found)
    )
    line = line_of(calendar, "id: fixture-harbour-holiday")
    assert f"{calendar}:{line}: 1: Value error, end 2027-04-01 is before start 2027-04-05" in found


def test_city_ids_sources_and_pairs_are_cross_checked(data: Path) -> None:
    calendar, routes = data / "calendar.yml", data / "routes.yml"
    change(calendar, "cities: [guangzhou]", "cities: [guangzho]")
    change(calendar, "- id: fixture-past-fair", "- id: fixture-fair-spring")
    change(
        routes,
        "between: [tianjin, qingdao]",
        "between: [qingdao, tianjin]\n    options:\n"
        "      - mode: ferry\n        summary: Boat\n        minutes: 600\n"
        "        source: fixture-timetabel\n        as_of: 2026-10-01\n"
        "  - between: [tianjin, qingdao]",
    )
    change(routes, "  ferry: 45\n", "")
    change(routes, "between: [hong-kong, shanghai]", "between: [hong-kong, shanghia]")
    found = "\n".join(problems_of(data))
    assert (
        f"{calendar}:{line_of(calendar, 'guangzho]')}: 0.cities.0: no such city 'guangzho' "
        "(did you mean 'guangzhou'?)"
    ) in found
    second = line_of(calendar, "id: fixture-fair-spring", after=3)
    assert f"{calendar}:{second}: 2.id: event id 'fixture-fair-spring' is given twice" in found
    assert "routes.1.between.1: no such city 'shanghia' (did you mean 'shanghai'?)" in found
    again = line_of(routes, "between: [tianjin, qingdao]")
    assert (
        f"{routes}:{again}: routes.3.between: tianjin and qingdao are already paired in routes.2"
        in found
    )
    ferry = line_of(routes, "mode: ferry")
    assert f"{routes}:{ferry}: routes.2.options.0.mode: no allowance for 'ferry'" in found
    typo = line_of(routes, "fixture-timetabel")
    assert (
        f"{routes}:{typo}: routes.2.options.0.source: unknown source 'fixture-timetabel' "
        "(did you mean 'fixture-timetable'"
    ) in found


def test_hong_kong_writes_traditional_characters() -> None:
    catalog = load_catalog(builtin_data())
    assert catalog.cities["hong-kong"].script is Script.traditional
    assert catalog.cities["shanghai"].script is Script.simplified
    assert (Script.traditional.lang, Script.simplified.lang) == ("zh-Hant", "zh-Hans")


def test_durations_and_date_spans_read_as_printed() -> None:
    assert [duration(m) for m in (47, 60, 150, 185)] == ["47 min", "1 h", "2 h 30 min", "3 h 5 min"]
    d = dt.date
    assert date_span(d(2026, 10, 15), d(2026, 10, 19)) == "15-19 Oct 2026"
    assert date_span(d(2026, 9, 28), d(2026, 10, 8)) == "28 Sep-8 Oct 2026"
    assert date_span(d(2026, 12, 30), d(2027, 1, 2)) == "30 Dec 2026-2 Jan 2027"
    assert date_span(d(2026, 10, 1), d(2026, 10, 1)) == "1 Oct 2026"


def test_an_itinerary_s_dates_make_the_trip_when_none_are_given(data: Path) -> None:
    from brochure.content.catalog import select_for
    from brochure.content.models import PackRequest
    from brochure.look.lapses import trip_notes
    from brochure.look.travel import calendar_entries, trip_span

    stops = [
        {"city": "guangzhou", "arrive": "2027-03-03", "depart": "2027-03-04"},
        {"city": "hong-kong", "arrive": "2027-03-04", "depart": "2027-03-06"},
    ]
    request = PackRequest(itinerary=stops, topics=["fixture-rules"], data_dir=data)
    assert trip_span(request) == (dt.date(2027, 3, 3), dt.date(2027, 3, 6))
    assert trip_span(PackRequest(trip_start="2027-03-01")) == (dt.date(2027, 3, 1),) * 2
    assert trip_span(PackRequest()) is None
    catalog = load_catalog(data)
    selection = select_for(catalog, request)
    entries = calendar_entries(catalog, selection, dt.date(2026, 12, 2), trip_span(request))
    assert [(e.event.name, e.in_trip) for e in entries] == [
        ("Fixture Spring Fair", True),
        ("Fixture Harbour Day", False),
    ]
    shown, notes = trip_notes(catalog, selection, request, entries)
    assert [s.label for s in shown if "fixture" in s.file] == [
        "Fixture visa waiver",
        "Fixture transit scheme",
    ]
    assert notes[-1].startswith("Fixture Spring Fair (Guangzhou) 4-8 Mar 2027 falls inside")
