"""Loading the content folder, its cross-checks, and picking cities and topics."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from brochure.content.catalog import Catalog, iter_sourced, load_catalog, normalise, select
from brochure.content.models import Airport, City, Population, Sourced
from brochure.errors import DataError, SelectionError
from brochure.resources import builtin_data

Edit = Callable[[str, Callable[[str], str]], Path]

CITY_IDS = {"shanghai", "shenzhen", "hong-kong", "ningbo", "qingdao", "guangzhou", "tianjin"}
TOPIC_IDS = {
    "regions",
    "specialisations",
    "investment",
    "belt-and-road",
    "sustainability",
    "emerging-industries",
    "trip-planning",
    "entry",
    "money-and-phones",
    "etiquette",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(builtin_data())


def raw(path: Path) -> Any:
    """A data file read with plain PyYAML, independent of brochure's reader."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def line_of_text(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def problems_of(root: Path) -> tuple[str, ...]:
    with pytest.raises(DataError) as info:
        load_catalog(root)
    assert info.value.problems, "a broken catalog must list its problems"
    problems: tuple[str, ...] = info.value.problems
    return problems


def replace_once(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, f"{old!r} not in file"
        return text.replace(old, new, 1)

    return change


def count_sourced(data: Any) -> int:
    """How many mappings in raw YAML data carry a `source` key (the topic itself included)."""
    if isinstance(data, dict):
        own = 1 if "source" in data else 0
        return own + sum(count_sourced(v) for v in data.values())
    if isinstance(data, list):
        return sum(count_sourced(v) for v in data)
    return 0


# --- the bundled content ---------------------------------------------------


def test_bundled_content_loads(catalog: Catalog) -> None:
    assert set(catalog.cities) == CITY_IDS
    assert set(catalog.topics) == TOPIC_IDS
    assert catalog.country.id == "china"
    assert "sh-census-2020" in catalog.sources
    assert catalog.root == builtin_data()
    for city_id, city in catalog.cities.items():
        assert city.id == city_id
        assert isinstance(city, City)


def test_cities_and_topics_come_in_their_order(catalog: Catalog) -> None:
    folder = builtin_data()
    city_orders = {p.stem: raw(p)["order"] for p in (folder / "cities").glob("*.yml")}
    topic_orders = {p.stem: raw(p)["order"] for p in (folder / "topics").glob("*.yml")}
    assert list(catalog.cities) == sorted(city_orders, key=city_orders.__getitem__)
    assert list(catalog.topics) == sorted(topic_orders, key=topic_orders.__getitem__)
    assert next(iter(catalog.cities)) == "shanghai"
    assert next(iter(catalog.topics)) == "regions"


def test_changing_order_in_a_file_moves_the_city(content: Path, edit: Edit) -> None:
    edit("cities/tianjin.yml", replace_once("order: 70", "order: 1"))
    cities = list(load_catalog(content).cities)
    assert cities[0] == "tianjin"
    assert cities[1:] == [c for c in load_catalog(builtin_data()).cities if c != "tianjin"]


def test_each_city_has_its_region(catalog: Catalog) -> None:
    assert catalog.region(catalog.cities["shanghai"]).name == "Eastern region"
    assert catalog.region(catalog.cities["shenzhen"]).id == catalog.cities["shenzhen"].region


def test_every_source_id_in_bundled_content_is_known(catalog: Catalog) -> None:
    models: list[Any] = [catalog.country, *catalog.cities.values(), *catalog.topics.values()]
    used = {fact.source for m in models for _, fact in iter_sourced(m)}
    assert used
    assert used <= set(catalog.sources)


def test_load_catalog_of_a_copy_matches_the_original(content: Path, catalog: Catalog) -> None:
    copy = load_catalog(content)
    assert copy.root == content
    assert copy.cities == catalog.cities
    assert copy.topics == catalog.topics


# --- broken content: every problem at once ----------------------------------


def test_missing_content_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_catalog(tmp_path / "nope")
    assert str(info.value) == f"{tmp_path / 'nope'}: content folder not found"


def test_problems_in_several_files_are_reported_together(content: Path, edit: Edit) -> None:
    shanghai = edit("cities/shanghai.yml", replace_once("tagline:", "colour: red\ntagline:"))
    hong_kong = edit("cities/hong-kong.yml", replace_once("code: HKG", "code: hkg"))
    topic = edit("topics/investment.yml", replace_once("order: 30", "order: 30\norder: 31"))
    problems = problems_of(content)

    sh_line = line_of_text(shanghai.read_text(encoding="utf-8"), "colour: red")
    hk_line = line_of_text(hong_kong.read_text(encoding="utf-8"), "code: hkg")
    topic_line = line_of_text(topic.read_text(encoding="utf-8"), "order: 31")
    assert any(p.startswith(f"{shanghai}:{sh_line}: colour: unknown field") for p in problems)
    assert any(
        p.startswith(f"{hong_kong}:{hk_line}: airports.0.code: String should match pattern")
        for p in problems
    )
    assert any(p.startswith(f"{topic}:{topic_line}: duplicate key 'order'") for p in problems)


def test_error_message_counts_and_lists_problems(content: Path, edit: Edit) -> None:
    edit("cities/ningbo.yml", replace_once("region: east", "region: north"))
    edit("cities/qingdao.yml", replace_once("country: china", "country: japan"))
    with pytest.raises(DataError) as info:
        load_catalog(content)
    assert len(info.value.problems) == 2
    text = str(info.value)
    assert text.startswith(f"{content}: 2 problems in the content")
    for problem in info.value.problems:
        assert f"  - {problem}" in text


def test_single_problem_is_singular(content: Path, edit: Edit) -> None:
    edit("cities/ningbo.yml", replace_once("region: east", "region: north"))
    with pytest.raises(DataError) as info:
        load_catalog(content)
    assert str(info.value).startswith(f"{content}: 1 problem in the content\n")


def test_unknown_source_suggests_the_closest_id(content: Path, edit: Edit) -> None:
    path = edit(
        "cities/ningbo.yml",
        replace_once("source: ningbo-bulletin-2024", "source: ningbo-bulletin"),
    )
    problems = problems_of(content)
    line = line_of_text(path.read_text(encoding="utf-8"), "ningbo-bulletin")
    assert problems == (
        f"{path}:{line}: population.source: unknown source 'ningbo-bulletin' "
        "(did you mean 'ningbo-bulletin-2024'?)",
    )


def test_unknown_source_without_a_close_match_has_no_suggestion(content: Path, edit: Edit) -> None:
    path = edit(
        "topics/investment.yml",
        replace_once("source: negative-list-2024\nas_of", "source: xyz\nas_of"),
    )
    problems = problems_of(content)
    assert len(problems) == 1
    line = line_of_text(path.read_text(encoding="utf-8"), "source: xyz")
    assert f"investment.yml:{line}: source: unknown source 'xyz'" in problems[0]
    assert "did you mean" not in problems[0]


def test_unknown_source_deep_inside_essentials(content: Path, edit: Edit) -> None:
    path = edit(
        "cities/hong-kong.yml",
        replace_once(
            'number: "999"\n      source: hk-police-999', 'number: "999"\n      source: hk-police'
        ),
    )
    problems = problems_of(content)
    assert len(problems) == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.strip() == "source: hk-police")
    where = f"hong-kong.yml:{line}: essentials.emergency.0.source"
    assert f"{where}: unknown source 'hk-police'" in problems[0]
    assert "did you mean 'hk-police-999'" in problems[0]


def test_city_id_must_match_file_name(content: Path, edit: Edit) -> None:
    path = edit("cities/tianjin.yml", replace_once("id: tianjin", "id: tianjin-city"))
    problems = problems_of(content)
    assert f"{path}:1: id: 'tianjin-city' must match the file name 'tianjin'" in problems


def test_unknown_region_lists_valid_regions(content: Path, edit: Edit) -> None:
    path = edit("cities/qingdao.yml", replace_once("region: east", "region: north-east"))
    problems = problems_of(content)
    line = line_of_text(path.read_text(encoding="utf-8"), "region: north-east")
    assert problems == (
        f"{path}:{line}: region: unknown region 'north-east' "
        "(valid: central, east, northeast, west)",
    )


def test_city_in_another_country(content: Path, edit: Edit) -> None:
    path = edit("cities/qingdao.yml", replace_once("country: china", "country: japan"))
    problems = problems_of(content)
    assert len(problems) == 1
    line = line_of_text(path.read_text(encoding="utf-8"), "country: japan")
    assert problems[0].startswith(f"{path}:{line}: country: 'japan' is not 'china'")


def test_topic_note_for_a_city_that_does_not_exist(content: Path, edit: Edit) -> None:
    note = "  beijing:\n    text: Capital.\n    source: iata-codes\n    as_of: 2023-01-01\n"
    path = edit("topics/investment.yml", lambda t: t + note)
    problems = problems_of(content)
    line = line_of_text(path.read_text(encoding="utf-8"), "  beijing:")
    assert problems == (f"{path}:{line + 1}: cities.beijing: no such city",)


def test_topic_note_for_a_misspelt_city_suggests_one(content: Path, edit: Edit) -> None:
    path = edit("topics/investment.yml", replace_once("  hong-kong:\n", "  hongkong:\n"))
    problems = problems_of(content)
    line = line_of_text(path.read_text(encoding="utf-8"), "  hongkong:") + 1
    assert problems == (
        f"{path}:{line}: cities.hongkong: no such city (did you mean 'hong-kong'?)",
    )


def test_source_id_given_twice(content: Path, edit: Edit) -> None:
    extra = "\n- id: iata-codes\n  title: Again\n  publisher: Someone\n  accessed: 2026-01-01\n"
    path = edit("sources.yml", lambda t: t + extra)
    problems = problems_of(content)
    line = len(path.read_text(encoding="utf-8").splitlines()) - 3
    assert problems == (f"{path}:{line}: id: source id 'iata-codes' is given twice",)


def test_broken_source_entry_names_its_line(content: Path, edit: Edit) -> None:
    path = edit(
        "sources.yml",
        replace_once(
            "  publisher: International Air", "  colour: red\n  publisher: International Air"
        ),
    )
    text = path.read_text(encoding="utf-8")
    line = line_of_text(text, "colour: red")
    entry = text.split("  colour: red")[0].count("- id: ") - 1
    problems = problems_of(content)
    assert any(
        p.startswith(f"{path}:{line}: {entry}.colour: unknown field (allowed: id, title, ")
        for p in problems
    )


def test_broken_country_file_is_reported(content: Path, edit: Edit) -> None:
    path = edit("country.yml", replace_once("name: China\n", ""))
    problems = problems_of(content)
    assert problems == (f"{path}:1: name: required field is missing",)


def test_duplicate_region_ids(content: Path, edit: Edit) -> None:
    edit("country.yml", replace_once("  - id: west", "  - id: east"))
    problems = problems_of(content)
    assert len(problems) == 1
    assert "region ids repeat: east" in problems[0]


def test_yaml_level_error_in_a_city_does_not_hide_others(content: Path, edit: Edit) -> None:
    bad_yaml = edit(
        "cities/shenzhen.yml", replace_once("name: Shenzhen", "name: Shenzhen\nname: Again")
    )
    edit("cities/ningbo.yml", replace_once("region: east", "region: nowhere"))
    problems = problems_of(content)
    assert any(p.startswith(f"{bad_yaml}:3: duplicate key 'name'") for p in problems)
    assert any("ningbo.yml:5: region: unknown region 'nowhere'" in p for p in problems)
    # the broken city is left out, so notes about it become problems too
    assert any(
        re.search(r"topics/regions\.yml:\d+: cities\.shenzhen: no such city", p) for p in problems
    )


def test_empty_cities_folder(content: Path) -> None:
    for path in (content / "cities").iterdir():
        path.unlink()
    problems = problems_of(content)
    assert f"{content / 'cities'}: no .yml files found" in problems


def test_missing_topics_folder(content: Path) -> None:
    for path in (content / "topics").iterdir():
        path.unlink()
    (content / "topics").rmdir()
    problems = problems_of(content)
    assert problems == (f"{content / 'topics'}: folder not found",)


def test_missing_sources_file(content: Path) -> None:
    (content / "sources.yml").unlink()
    problems = problems_of(content)
    assert problems[0].startswith(f"{content / 'sources.yml'}: cannot read")


def test_empty_cities_folder_reported_whatever_the_root_path(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "cities-pack" / "data"
    shutil.copytree(builtin_data(), root)
    for path in (root / "cities").iterdir():
        path.unlink()
    (root / "country.yml").write_text("id: china\n", encoding="utf-8")  # an unrelated problem
    problems = problems_of(root)
    assert f"{root / 'cities'}: no .yml files found" in problems


# --- adding content --------------------------------------------------------


def new_city_text(base: str) -> str:
    return (
        base.replace("id: ningbo", "id: xiamen", 1)
        .replace("name: Ningbo", "name: Xiamen", 1)
        .replace("name_zh: 宁波", "name_zh: 厦门", 1)
        .replace("order: 40", "order: 45", 1)
    )


def test_new_city_file_appears_and_can_be_selected(content: Path) -> None:
    base = (content / "cities" / "ningbo.yml").read_text(encoding="utf-8")
    (content / "cities" / "xiamen.yml").write_text(new_city_text(base), encoding="utf-8")
    catalog = load_catalog(content)
    assert "xiamen" in catalog.cities
    ids = list(catalog.cities)
    assert ids.index("ningbo") + 1 == ids.index("xiamen")  # order 45 sits after 40
    assert [c.id for c in select(catalog, ["Xiamen"]).cities] == ["xiamen"]
    assert [c.id for c in select(catalog, ["厦门", "ningbo"]).cities] == ["xiamen", "ningbo"]


def test_yaml_extension_is_also_read(content: Path) -> None:
    base = (content / "cities" / "ningbo.yml").read_text(encoding="utf-8")
    (content / "cities" / "xiamen.yaml").write_text(new_city_text(base), encoding="utf-8")
    assert "xiamen" in load_catalog(content).cities


def test_cross_check_problem_names_the_real_yaml_file(content: Path) -> None:
    base = (content / "cities" / "ningbo.yml").read_text(encoding="utf-8")
    text = new_city_text(base).replace("region: east", "region: north", 1)
    path = content / "cities" / "xiamen.yaml"
    path.write_text(text, encoding="utf-8")
    problems = problems_of(content)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")


# --- iter_sourced ----------------------------------------------------------


def test_iter_sourced_finds_every_fact_of_a_city(catalog: Catalog) -> None:
    found = list(iter_sourced(catalog.cities["hong-kong"]))
    assert len(found) == count_sourced(raw(builtin_data() / "cities" / "hong-kong.yml"))
    locs = dict(found)
    assert isinstance(locs["population"], Population)
    assert isinstance(locs["airports.0"], Airport)
    assert locs["airports.0"].code == "HKG"
    own = raw(builtin_data() / "cities" / "hong-kong.yml")["essentials"]
    assert locs["essentials.emergency.0"].source == own["emergency"][0]["source"]
    assert "essentials.currency" in locs
    assert all(isinstance(f, Sourced) for f in locs.values())


def test_iter_sourced_yields_topic_itself_and_its_notes(catalog: Catalog) -> None:
    topic = catalog.topics["investment"]
    found = list(iter_sourced(topic))
    assert found[0] == ("", topic)
    locs = [loc for loc, _ in found]
    assert "cities.shanghai" in locs
    assert "cities.hong-kong" in locs
    assert len(found) == count_sourced(raw(builtin_data() / "topics" / "investment.yml"))


def test_iter_sourced_on_plain_values_yields_nothing() -> None:
    nothing: Iterator[Any] = iter_sourced({"a": [1, "x", None]})
    assert list(nothing) == []


# --- normalise and select --------------------------------------------------


@pytest.mark.parametrize(
    "name", ["hong-kong", "Hong Kong", "HONG KONG", "hong_kong", "  Hong   Kong ", "Hong-Kong!"]
)
def test_normalise_folds_spellings(name: str) -> None:
    assert normalise(name) == "hong-kong"


def test_normalise_keeps_chinese() -> None:
    assert normalise("香港") == "香港"


@pytest.mark.parametrize("name", ["hong-kong", "Hong Kong", "HONG KONG", "hong_kong", "香港"])
def test_select_matches_loosely(catalog: Catalog, name: str) -> None:
    assert [c.id for c in select(catalog, [name]).cities] == ["hong-kong"]


def test_select_keeps_the_order_given(catalog: Catalog) -> None:
    picked = select(catalog, ["tianjin", "Shanghai", "深圳"])
    assert [c.id for c in picked.cities] == ["tianjin", "shanghai", "shenzhen"]


def test_select_removes_duplicates(catalog: Catalog) -> None:
    picked = select(catalog, ["shanghai", "Hong Kong", "SHANGHAI", "上海", "hong_kong"])
    assert [c.id for c in picked.cities] == ["shanghai", "hong-kong"]


def test_select_topics_come_in_catalog_order(catalog: Catalog) -> None:
    picked = select(catalog, ["shanghai"], ["trip-planning", "Investment opportunities", "regions"])
    assert [t.id for t in picked.topics] == ["regions", "investment", "trip-planning"]


def test_no_topics_means_all_topics(catalog: Catalog) -> None:
    picked = select(catalog, ["shanghai"])
    assert [t.id for t in picked.topics] == list(catalog.topics)
    assert len(picked.topics) == len(TOPIC_IDS)
    both = select(catalog, ["shanghai"], all_topics=True)
    assert [t.id for t in both.topics] == list(catalog.topics)


def test_all_cities(catalog: Catalog) -> None:
    picked = select(catalog, all_cities=True)
    assert [c.id for c in picked.cities] == list(catalog.cities)


def test_unknown_city_suggests_and_lists_valid_ids(catalog: Catalog) -> None:
    with pytest.raises(SelectionError) as info:
        select(catalog, ["Shenzen"])
    message = str(info.value)
    assert "unknown city 'Shenzen'" in message
    assert "did you mean 'shenzhen'" in message
    for city_id in CITY_IDS:
        assert city_id in message


def test_unknown_city_with_no_close_match(catalog: Catalog) -> None:
    with pytest.raises(SelectionError) as info:
        select(catalog, ["Atlantis"])
    assert "unknown city 'Atlantis'" in str(info.value)
    assert "did you mean" not in str(info.value)


def test_several_unknown_cities_reported_together(catalog: Catalog) -> None:
    with pytest.raises(SelectionError) as info:
        select(catalog, ["Shenzen", "shanghai", "Atlantis", "Ningpo"])
    message = str(info.value)
    assert "'Shenzen'" in message
    assert "'Atlantis'" in message
    assert "'Ningpo'" in message
    assert "'shanghai'" not in message.split("Valid")[0]


def test_unknown_topic_suggests(catalog: Catalog) -> None:
    with pytest.raises(SelectionError) as info:
        select(catalog, ["shanghai"], ["investmnt"])
    message = str(info.value)
    assert "unknown topic 'investmnt'" in message
    assert "did you mean 'investment'" in message
    for topic_id in TOPIC_IDS:
        assert topic_id in message


def test_cities_and_all_cities_together_is_an_error(catalog: Catalog) -> None:
    with pytest.raises(SelectionError, match="not both"):
        select(catalog, ["shanghai"], all_cities=True)


def test_topics_and_all_topics_together_is_an_error(catalog: Catalog) -> None:
    with pytest.raises(SelectionError, match="not both"):
        select(catalog, ["shanghai"], ["investment"], all_topics=True)


def test_nothing_chosen_is_an_error(catalog: Catalog) -> None:
    with pytest.raises(SelectionError) as info:
        select(catalog)
    message = str(info.value)
    assert "choose at least one city" in message
    assert "hong-kong" in message
    with pytest.raises(SelectionError, match="choose at least one city"):
        select(catalog, [], ["investment"])


def test_impossible_date_is_reported_with_other_problems(content: Path, edit: Edit) -> None:
    path = edit("cities/ningbo.yml", replace_once("as_of: 2024-12-31", "as_of: 2024-02-30"))
    edit("cities/qingdao.yml", replace_once("region: east", "region: north"))
    problems = problems_of(content)
    assert any(p.startswith(f"{path}:") for p in problems)
    assert any("qingdao.yml:5: region: unknown region 'north'" in p for p in problems)


def test_a_folder_is_read_again_only_when_a_file_it_reads_changed(
    content: Path, edit: Edit
) -> None:
    """Pack after pack from one folder (a batch worker, --watch) reads its YAML once; an
    edit, a new file or a broken file is seen by the next pack."""
    from brochure.content.catalog import load_catalog_again

    first = load_catalog_again(content)
    assert load_catalog_again(content) is first
    (content / "geo" / "notes.txt").write_text("not content")  # not a file it reads
    assert load_catalog_again(content) is first
    edit("cities/tianjin.yml", replace_once("order: 70", "order: 1"))
    again = load_catalog_again(content)
    assert again is not first and next(iter(again.cities)) == "tianjin"
    shutil.copy(content / "cities" / "tianjin.yml", content / "cities" / "tianjin2.yaml")
    with pytest.raises(DataError, match="must match the file name"):
        load_catalog_again(content)
    with pytest.raises(DataError, match="must match the file name"):
        load_catalog_again(content)  # an error is reported every time
    (content / "cities" / "tianjin2.yaml").unlink()
    assert next(iter(load_catalog_again(content).cities)) == "tianjin"
