"""Content models (validation rules) and the template context built from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from brochure.content.catalog import Catalog, iter_sourced, load_catalog, select
from brochure.content.models import (
    Airport,
    City,
    Country,
    Depth,
    Emergency,
    Essentials,
    Fact,
    Item,
    OutputFormat,
    PackRequest,
    Paper,
    Population,
    Source,
    Sourced,
)
from brochure.look.context import (
    CityView,
    PackContext,
    SourceRow,
    TopicView,
    build_context,
    city_view,
)
from brochure.look.labels import ESSENTIAL_LABELS, fact_label
from brochure.resources import builtin_data

Edit = Callable[[str, Callable[[str], str]], Path]
DAY = dt.date(2026, 1, 15)
BUILD = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(builtin_data())


def raw(relative: str) -> Any:
    """A bundled data file read with plain PyYAML, independent of brochure."""
    return yaml.safe_load((builtin_data() / relative).read_text(encoding="utf-8"))


def all_as_of(data: Any) -> list[dt.date]:
    """Every `as_of` date in raw YAML data."""
    if isinstance(data, dict):
        own = [data["as_of"]] if "as_of" in data else []
        return own + [d for v in data.values() for d in all_as_of(v)]
    if isinstance(data, list):
        return [d for v in data for d in all_as_of(v)]
    return []


def fact(value: str = "x", source: str = "seed-article") -> Fact:
    return Fact(value=value, source=source, as_of=DAY)


def context_for(
    catalog: Catalog, cities: list[str], topics: list[str], **request: Any
) -> PackContext:
    selection = select(catalog, cities, topics)
    return build_context(catalog, selection, PackRequest(build_date=BUILD, **request))


def rows_for(ctx: PackContext, chapter: str) -> list[SourceRow]:
    return [r for r in ctx.source_rows if r.chapter == chapter]


# --- models: strictness ----------------------------------------------------


def test_bundled_city_validates_from_raw_yaml() -> None:
    city = City.model_validate(raw("cities/shanghai.yml"))
    assert city.id == "shanghai"
    assert city.depth is Depth.full
    assert city.airports[0].code == "PVG"
    assert city.essentials == Essentials()


def test_unknown_field_is_refused() -> None:
    data = raw("cities/shanghai.yml") | {"colour": "red"}
    with pytest.raises(ValidationError) as info:
        City.model_validate(data)
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [("extra_forbidden", ("colour",))]


def test_unknown_nested_field_is_refused() -> None:
    data = raw("cities/shanghai.yml")
    data["population"]["unit"] = "people"
    with pytest.raises(ValidationError) as info:
        City.model_validate(data)
    assert info.value.errors()[0]["loc"] == ("population", "unit")


def test_models_are_frozen(catalog: Catalog) -> None:
    city = catalog.cities["shanghai"]
    with pytest.raises(ValidationError):
        city.__setattr__("name", "Beijing")
    assert catalog.cities["shanghai"].name == "Shanghai"


def test_text_is_stripped_and_blank_is_refused() -> None:
    assert fact("  Hong Kong dollar  ").value == "Hong Kong dollar"
    with pytest.raises(ValidationError):
        fact("   ")
    with pytest.raises(ValidationError):
        fact("x" * 301)


@pytest.mark.parametrize("good", ["seed-article", "hong-kong", "a1", "cn-census-2020"])
def test_valid_ids(good: str) -> None:
    assert fact(source=good).source == good


@pytest.mark.parametrize(
    "bad", ["Seed-Article", "seed_article", "-seed", "seed-", "seed--article", "", "a" * 65]
)
def test_invalid_ids(bad: str) -> None:
    with pytest.raises(ValidationError):
        fact(source=bad)


def test_as_of_must_be_a_real_date() -> None:
    with pytest.raises(ValidationError):
        Fact(value="x", source="s", as_of="2023-02-30")
    assert Fact(value="x", source="s", as_of="2023-02-28").as_of == dt.date(2023, 2, 28)


@pytest.mark.parametrize("code", ["PVG", "HKG", "SZX"])
def test_iata_code_accepted(code: str) -> None:
    assert Airport(code=code, name="An airport", source="iata-codes", as_of=DAY).code == code


@pytest.mark.parametrize("code", ["pvg", "Pvg", "PV", "PVGX", "P1G", "", "PVG\n", " PVG"])
def test_iata_code_refused(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Airport(code=code, name="An airport", source="iata-codes", as_of=DAY)
    assert info.value.errors()[0]["loc"] == ("code",)


@pytest.mark.parametrize("number", ["110", "999", "+852 999"])
def test_emergency_number_accepted(number: str) -> None:
    assert Emergency(service="Police", number=number, source="s", as_of=DAY).number == number


@pytest.mark.parametrize("number", ["1", "11a", "call 110", 999])
def test_emergency_number_refused(number: Any) -> None:
    with pytest.raises(ValidationError):
        Emergency(service="Police", number=number, source="s", as_of=DAY)


def test_population_must_be_positive() -> None:
    assert Population(value=1, source="s", as_of=DAY).scope == "city"
    with pytest.raises(ValidationError):
        Population(value=0, source="s", as_of=DAY)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("profile", "profile needs at least one paragraph"),
        ("specialisations", "specialisations needs at least one entry"),
    ],
)
def test_city_needs_profile_and_specialisations(field: str, message: str) -> None:
    data = raw("cities/shanghai.yml") | {field: []}
    with pytest.raises(ValidationError, match=message):
        City.model_validate(data)


def test_city_depth_must_be_known() -> None:
    assert City.model_validate(raw("cities/tianjin.yml")).depth in set(Depth)
    with pytest.raises(ValidationError):
        City.model_validate(raw("cities/tianjin.yml") | {"depth": "medium"})


def test_country_region_ids_must_be_unique() -> None:
    data = raw("country.yml")
    data["regions"][2]["id"] = data["regions"][0]["id"]
    with pytest.raises(ValidationError, match="region ids repeat: east"):
        Country.model_validate(data)


def test_source_accessed_is_required() -> None:
    with pytest.raises(ValidationError) as info:
        Source.model_validate({"id": "x", "title": "T", "publisher": "P"})
    assert [e["loc"] for e in info.value.errors()] == [("accessed",)]


# --- Essentials.merged_over -------------------------------------------------


def test_merged_over_fills_only_the_gaps(catalog: Catalog) -> None:
    base = catalog.country.defaults
    own = Essentials(currency=fact("Pataca (MOP)"))
    merged = own.merged_over(base)
    assert merged.currency is not None
    assert merged.currency.value == "Pataca (MOP)"
    assert merged.time_zone == base.time_zone
    assert merged.emergency == base.emergency
    for name in Essentials.model_fields:
        assert getattr(merged, name) is not None, name
    # neither side is changed
    assert own.time_zone is None
    assert base.currency is not None
    assert "CNY" in base.currency.value


def test_merged_over_replaces_a_list_as_a_whole(catalog: Catalog) -> None:
    merged = catalog.cities["hong-kong"].essentials.merged_over(catalog.country.defaults)
    assert merged.emergency is not None
    assert [e.number for e in merged.emergency] == ["999"]


def test_empty_essentials_merge_to_the_base(catalog: Catalog) -> None:
    assert Essentials().merged_over(catalog.country.defaults) == catalog.country.defaults


def test_merged_over_an_empty_base_keeps_own_values() -> None:
    own = Essentials(plugs=fact("Type G"))
    merged = own.merged_over(Essentials())
    assert merged.plugs is not None
    assert merged.plugs.value == "Type G"
    assert merged.currency is None


# --- PackRequest ------------------------------------------------------------


def test_pack_request_defaults() -> None:
    request = PackRequest()
    assert request.paper is None  # the brand's paper, else A4, is chosen at build time
    assert request.format is OutputFormat.pdf
    assert request.cities == ()
    assert request.title is None


def test_pack_request_parses_dates() -> None:
    request = PackRequest(trip_start="2026-03-01", trip_end="2026-03-05")
    assert request.trip_start == dt.date(2026, 3, 1)
    assert request.trip_end == dt.date(2026, 3, 5)


@pytest.mark.parametrize(
    ("start", "end"),
    [(dt.date(2026, 3, 1), dt.date(2026, 3, 1)), (dt.date(2026, 3, 1), None), (None, None)],
)
def test_pack_request_trip_dates_accepted(start: dt.date | None, end: dt.date | None) -> None:
    request = PackRequest(trip_start=start, trip_end=end)
    assert (request.trip_start, request.trip_end) == (start, end)


def test_trip_end_before_start_is_refused() -> None:
    with pytest.raises(ValidationError, match="trip_end is before trip_start"):
        PackRequest(trip_start=dt.date(2026, 3, 5), trip_end=dt.date(2026, 3, 4))


def test_trip_end_without_start_is_refused() -> None:
    with pytest.raises(ValidationError, match="trip_end needs trip_start"):
        PackRequest(trip_end=dt.date(2026, 3, 4))


def test_impossible_trip_date_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        PackRequest(trip_start="2026-02-30")
    assert info.value.errors()[0]["loc"] == ("trip_start",)


def test_pack_request_refuses_unknown_options_and_bad_paper() -> None:
    with pytest.raises(ValidationError) as info:
        PackRequest.model_validate({"colour": "red"})
    assert info.value.errors()[0]["type"] == "extra_forbidden"
    with pytest.raises(ValidationError):
        PackRequest(paper="a3")
    with pytest.raises(ValidationError):
        PackRequest(title="   ")


# --- Paper.css --------------------------------------------------------------

# Page-size keywords of CSS Paged Media (`size` property), case-insensitive.
CSS_PAGE_SIZES = {"a5", "a4", "a3", "b5", "b4", "jis-b5", "jis-b4", "letter", "legal", "ledger"}


@pytest.mark.parametrize("paper", [Paper.a4, Paper.letter, Paper.a5])
def test_paper_css_is_a_css_page_size(paper: Paper) -> None:
    assert paper.css.casefold() in CSS_PAGE_SIZES
    assert paper.css.casefold() == paper.value


def test_half_letter_is_an_explicit_size() -> None:
    assert Paper.half_letter.css == "5.5in 8.5in"
    assert Paper.half_letter.compact and Paper.a5.compact and not Paper.a4.compact


def test_paper_from_request() -> None:
    assert PackRequest(paper="letter").paper is Paper.letter
    assert PackRequest(paper="a5").paper is Paper.a5


# --- context: fact_label ------------------------------------------------------


def test_fact_labels_for_city_facts(catalog: Catalog) -> None:
    city = catalog.cities["shanghai"]
    assert fact_label("population", city.population) == "Population"
    assert fact_label("airports.1", city.airports[1]) == "Airport: SHA"
    assert fact_label("companies.0", city.companies[0]) == "Company: SAIC Motor"
    assert fact_label("landmarks.0", city.landmarks[0]) == "Landmark: Oriental Pearl Tower"
    assert fact_label("specialisations.0", city.specialisations[0]) == (
        "Specialisation: Financial services"
    )
    assert city.port is not None
    assert fact_label("port", city.port) == "Port: Port of Shanghai"
    assert fact_label("facts.1", city.facts[1]) == "55.06 million TEU through the port (2025)"


def test_fact_labels_for_essentials(catalog: Catalog) -> None:
    defaults = catalog.country.defaults
    assert defaults.currency is not None
    assert fact_label("defaults.currency", defaults.currency) == "Currency"
    assert fact_label("essentials.time_zone", fact("UTC+8")) == "Time zone"
    assert defaults.emergency is not None
    assert fact_label("defaults.emergency.0", defaults.emergency[0]) == ("Emergency number: Police")


def test_every_essential_fact_has_a_label(catalog: Catalog) -> None:
    defaults = catalog.country.defaults
    for name in Essentials.model_fields:
        value = getattr(defaults, name)
        if isinstance(value, Fact):
            label = fact_label(f"essentials.{name}", value)
            assert label != value.value, name
            assert label == ESSENTIAL_LABELS[name]


def test_fact_label_for_other_lists_and_plain_sourced() -> None:
    item = Item(name="Kettle", source="s", as_of=DAY)
    assert fact_label("widgets.0", item) == "Widgets: Kettle"
    assert fact_label("time_zone", Sourced(source="s", as_of=DAY)) == "Time zone"


# --- context: city_view -------------------------------------------------------


def test_city_view_of_a_mainland_city_inherits_defaults(catalog: Catalog) -> None:
    view = city_view(catalog, catalog.cities["shanghai"])
    assert isinstance(view, CityView)
    assert view.region.id == "east"
    assert view.region.name == "Eastern region"
    assert view.anchor == "city-shanghai"
    assert view.essentials == catalog.country.defaults
    assert view.essentials.currency is not None
    assert "CNY" in view.essentials.currency.value
    assert view.essentials.emergency is not None
    assert "110" in [e.number for e in view.essentials.emergency]


def test_city_view_of_hong_kong_overrides_the_mainland(catalog: Catalog) -> None:
    view = city_view(catalog, catalog.cities["hong-kong"])
    ess = view.essentials
    assert ess.currency is not None
    assert "HKD" in ess.currency.value
    assert "CNY" not in ess.currency.value
    assert ess.emergency is not None
    assert [e.number for e in ess.emergency] == ["999"]
    assert ess.dialling_code is not None
    assert ess.dialling_code.value == "+852"
    assert ess.plugs is not None
    assert "G" in ess.plugs.value


@pytest.mark.parametrize("city_id", ["shanghai", "hong-kong", "tianjin"])
def test_city_view_dates_span_own_and_inherited_facts(catalog: Catalog, city_id: str) -> None:
    data = raw(f"cities/{city_id}.yml")
    own_essentials = data.get("essentials", {})
    inherited = {k: v for k, v in raw("country.yml")["defaults"].items() if k not in own_essentials}
    dates = all_as_of(data) + all_as_of(inherited)
    view = city_view(catalog, catalog.cities[city_id])
    assert (view.oldest, view.newest) == (min(dates), max(dates))


def test_partial_essentials_take_the_rest_from_the_country(content: Path, edit: Edit) -> None:
    addition = (
        "essentials:\n  currency:\n    value: Test dollar (TSD)\n"
        "    source: iata-codes\n    as_of: 2023-01-01\n"
    )
    edit("cities/ningbo.yml", lambda t: t + addition)
    catalog = load_catalog(content)
    view = city_view(catalog, catalog.cities["ningbo"])
    assert view.essentials.currency is not None
    assert view.essentials.currency.value == "Test dollar (TSD)"
    assert view.essentials.time_zone == catalog.country.defaults.time_zone
    assert view.essentials.emergency == catalog.country.defaults.emergency


# --- context: build_context ---------------------------------------------------


def test_topic_notes_only_for_chosen_cities(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai", "hong-kong"], ["investment", "regions"])
    views: tuple[TopicView, ...] = ctx.topics
    assert [tv.topic.id for tv in views] == ["regions", "investment"]
    assert len(raw("topics/regions.yml")["cities"]) > 2  # the file has notes on more cities
    for tv in views:
        assert {c.id for c, _ in tv.notes} == {"shanghai", "hong-kong"}
        for city, note in tv.notes:
            assert note == tv.topic.cities[city.id]
    assert views[1].anchor == "topic-investment"


def test_topic_without_a_note_for_a_chosen_city(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shenzhen", "shanghai"], ["investment"])
    (view,) = ctx.topics
    assert [c.id for c, _ in view.notes] == ["shanghai"]


def test_city_views_follow_the_selection(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["hong-kong", "shanghai"], ["investment"])
    views: tuple[CityView, ...] = ctx.cities
    assert [v.city.id for v in views] == ["hong-kong", "shanghai"]
    hk, sh = views
    assert hk.essentials.currency is not None
    assert "HKD" in hk.essentials.currency.value
    assert hk.essentials.emergency is not None
    assert "999" in [e.number for e in hk.essentials.emergency]
    assert sh.essentials.emergency is not None
    assert "110" in [e.number for e in sh.essentials.emergency]
    assert "999" not in [e.number for e in sh.essentials.emergency]


def test_source_rows_reference_known_sources_and_cover_chosen_cities(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai", "hong-kong"], ["investment"])
    rows: tuple[SourceRow, ...] = ctx.source_rows
    assert rows
    assert {r.source_id for r in rows} <= set(catalog.sources)
    chapters = {r.chapter for r in rows}
    assert {"China", "Shanghai", "Hong Kong", "Investment opportunities"} <= chapters
    assert "Shenzhen" not in chapters
    assert all(r.facts for r in rows)
    assert ctx.sources == catalog.sources


def sources_of_labels(rows: Sequence[SourceRow]) -> dict[str, str]:
    return {label: r.source_id for r in rows for label in r.facts}


def test_every_fact_of_a_city_has_a_source_row(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai", "hong-kong"], ["investment"])
    for view in ctx.cities:
        keys = {(r.source_id, r.as_of) for r in rows_for(ctx, view.city.name)}
        facts = [*iter_sourced(view.city), *iter_sourced(view.essentials)]
        assert len(facts) > 10
        for loc, f in facts:
            assert (f.source, f.as_of) in keys, f"{view.city.id}: {loc}"


def test_mainland_city_rows_source_its_inherited_essentials(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai", "hong-kong"], ["investment"])
    labels = sources_of_labels(rows_for(ctx, "Shanghai"))
    defaults = raw("country.yml")["defaults"]
    for name, label in ESSENTIAL_LABELS.items():
        assert labels[label] == defaults[name]["source"], name
    assert any("Police" in label for label in labels)


def test_hong_kong_rows_source_its_own_essentials(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai", "hong-kong"], ["investment"])
    rows = rows_for(ctx, "Hong Kong")
    labels = sources_of_labels(rows)
    own = raw("cities/hong-kong.yml")["essentials"]
    for name, label in ESSENTIAL_LABELS.items():
        assert labels[label] == own[name]["source"], name
    assert labels["Currency"] == own["currency"]["source"]
    # nothing from the mainland defaults leaks into the Hong Kong chapter
    assert "cn-gov-portal" not in {r.source_id for r in rows}
    hkia = "xinhua-hkia-2025"
    assert any("HKG" in label for r in rows if r.source_id == hkia for label in r.facts)


def test_source_rows_group_by_source_and_date_in_date_order(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai"], ["investment"])
    rows = rows_for(ctx, "Shanghai")
    keys = [(r.as_of, r.source_id) for r in rows]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys))


def test_source_rows_of_a_topic(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai", "hong-kong"], ["investment", "regions"])
    labels = [label for r in rows_for(ctx, "Investment opportunities") for label in r.facts]
    assert "Overview" in labels
    assert "Note on Shanghai" in labels
    assert "Note on Hong Kong" in labels
    regions_title = catalog.topics["regions"].title
    region_labels = [label for r in rows_for(ctx, regions_title) for label in r.facts]
    assert "Note on Hong Kong" in region_labels
    assert "Note on Shenzhen" not in region_labels


def test_inherited_essential_has_a_source_row_even_if_given_as_null(
    content: Path, edit: Edit
) -> None:
    edit("cities/ningbo.yml", lambda t: t + "essentials:\n  currency:\n")
    catalog = load_catalog(content)
    ctx = context_for(catalog, ["ningbo"], ["investment"])
    (view,) = ctx.cities
    assert view.essentials.currency is not None  # shown in the chapter...
    labels = [label for r in rows_for(ctx, "Ningbo") for label in r.facts]
    assert "Currency" in labels  # ...so it must be sourced


def test_default_title_names_the_cities(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai", "hong-kong"], ["investment"])
    title = ctx.pack.title
    assert "Shanghai" in title
    assert "Hong Kong" in title
    assert title.index("Shanghai") < title.index("Hong Kong")
    assert "Shanghai" in ctx.pack.subject
    assert "Hong Kong" in ctx.pack.keywords
    assert "Investment opportunities" in ctx.pack.keywords


def test_default_title_with_three_cities(catalog: Catalog) -> None:
    title = context_for(catalog, ["tianjin", "ningbo", "qingdao"], []).pack.title
    positions = [title.index(name) for name in ("Tianjin", "Ningbo", "Qingdao")]
    assert positions == sorted(positions)


def test_title_from_request_wins(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["shanghai", "hong-kong"], ["investment"], title="Spring visit")
    assert ctx.pack.title == "Spring visit"


def test_pack_fields_come_from_the_request(catalog: Catalog) -> None:
    ctx = context_for(
        catalog,
        ["shanghai"],
        ["investment"],
        traveller="A. Traveller",
        paper="letter",
        trip_start=dt.date(2026, 4, 1),
        trip_end=dt.date(2026, 4, 3),
    )
    pack = ctx.pack
    assert pack.build_date == BUILD
    assert pack.traveller == "A. Traveller"
    assert pack.paper == "letter"
    assert (pack.trip_start, pack.trip_end) == (dt.date(2026, 4, 1), dt.date(2026, 4, 3))


def test_build_date_defaults_to_today(catalog: Catalog) -> None:
    before = dt.date.today()
    ctx = build_context(catalog, select(catalog, ["shanghai"]), PackRequest())
    assert before <= ctx.pack.build_date <= dt.date.today()


def test_every_fact_in_context_is_sourced_from_catalog(catalog: Catalog) -> None:
    ctx = context_for(catalog, ["hong-kong"], [])
    for view in ctx.cities:
        for _, f in iter_sourced(view.essentials):
            assert f.source in catalog.sources
