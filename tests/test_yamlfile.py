"""Strict YAML reading: duplicate keys, booleans, anchors and tags, limits, error lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from brochure.content import yamlfile
from brochure.content.models import City, Source, Topic
from brochure.content.yamlfile import YamlDoc, describe_errors, parse_yaml, read_yaml
from brochure.errors import DataError
from brochure.resources import builtin_data

DOC = Path("doc.yml")


def line_of_text(text: str, needle: str) -> int:
    """1-based number of the first line of `text` containing `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def problems_for(text: str, model: type[BaseModel]) -> list[str]:
    """describe_errors output for `text` validated against `model`."""
    doc = parse_yaml(text, DOC)
    with pytest.raises(ValidationError) as info:
        model.model_validate(doc.data)
    problems: list[str] = describe_errors(info.value, doc, model)
    return problems


def builtin_text(relative: str) -> str:
    return (builtin_data() / relative).read_text(encoding="utf-8")


# --- parsing ---------------------------------------------------------------


def test_parses_nested_data_and_records_lines() -> None:
    text = "name: Shanghai\nairports:\n  - code: PVG\n  - code: SHA\nfacts: []\n"
    doc = parse_yaml(text, DOC)
    assert doc.data == {
        "name": "Shanghai",
        "airports": [{"code": "PVG"}, {"code": "SHA"}],
        "facts": [],
    }
    assert doc.lines[("name",)] == 1
    assert doc.lines[("airports", 0, "code")] == 3
    assert doc.lines[("airports", 1, "code")] == 4
    assert doc.lines[("facts",)] == 5


def test_dates_are_dates_and_quoted_numbers_stay_strings() -> None:
    doc = parse_yaml('as_of: 2023-01-01\nnumber: "110"\ncount: 7\n', DOC)
    assert doc.data == {"as_of": dt.date(2023, 1, 1), "number": "110", "count": 7}


def test_duplicate_key_names_file_and_both_lines() -> None:
    text = "id: shanghai\nname: Shanghai\nid: beijing\n"
    with pytest.raises(DataError) as info:
        parse_yaml(text, Path("cities/shanghai.yml"))
    message = str(info.value)
    assert message.startswith("cities/shanghai.yml:3:")
    assert "duplicate key 'id'" in message
    assert "line 1" in message


def test_duplicate_key_inside_a_list_item() -> None:
    text = "airports:\n  - code: PVG\n    name: Pudong\n    code: SHA\n"
    with pytest.raises(DataError) as info:
        parse_yaml(text, DOC)
    assert str(info.value).startswith("doc.yml:4: duplicate key 'code'")
    assert "line 2" in str(info.value)


def test_duplicate_key_with_block_value_reports_line_of_first_key() -> None:
    text = "essentials:\n  currency:\n    value: HKD\nessentials: {}\n"
    with pytest.raises(DataError) as info:
        parse_yaml(text, DOC)
    assert "doc.yml:4:" in str(info.value)
    assert "first given on line 1" in str(info.value)


@pytest.mark.parametrize("word", ["NO", "no", "yes", "Yes", "off", "on", "y", "n"])
def test_yaml11_boolean_words_stay_strings(word: str) -> None:
    assert parse_yaml(f"value: {word}\n", DOC).data == {"value": word}


@pytest.mark.parametrize(
    ("word", "expected"),
    [("true", True), ("false", False), ("True", True), ("FALSE", False)],
)
def test_true_and_false_are_booleans(word: str, expected: bool) -> None:
    value = parse_yaml(f"value: {word}\n", DOC).data["value"]
    assert value is expected


def test_country_code_no_is_kept_as_text() -> None:
    """The Norway problem: a list of codes must not turn NO into False."""
    assert parse_yaml("codes: [CN, NO, HK]\n", DOC).data == {"codes": ["CN", "NO", "HK"]}


def test_anchor_is_refused_with_its_line() -> None:
    text = "a: 1\nb: &shared\n  c: 2\n"
    with pytest.raises(DataError) as info:
        parse_yaml(text, DOC)
    assert str(info.value).startswith("doc.yml:2:")
    assert "anchors (&shared) are not allowed" in str(info.value)


def test_alias_is_refused_with_its_line() -> None:
    text = "a: 1\nb: 2\nc: *shared\n"
    with pytest.raises(DataError) as info:
        parse_yaml(text, DOC)
    assert str(info.value).startswith("doc.yml:3:")
    assert "aliases (*shared) are not allowed" in str(info.value)


@pytest.mark.parametrize(
    ("text", "line", "tag"),
    [
        ("a: 1\ncmd: !!python/object:os.system ls\n", 2, "python/object:os.system"),
        ("a: 1\nb: 2\nc: !!python/object/apply:os.system [ls]\n", 3, "python/object/apply"),
        ("number: !!str 110\n", 1, "tag:yaml.org,2002:str"),
        ("x:\n  - !custom thing\n", 2, "!custom"),
    ],
)
def test_tags_are_refused_with_their_line(text: str, line: int, tag: str) -> None:
    with pytest.raises(DataError) as info:
        parse_yaml(text, DOC)
    message = str(info.value)
    assert message.startswith(f"doc.yml:{line}:")
    assert "tags" in message
    assert tag in message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: c: d\n", 2),
        ("a: 1\nb: 2\nc: [1, 2\nd: 3\n", 4),
        ("a: 1\nb:\n\tc: 2\n", 3),
        ("a: 1\n---\nb: 2\n", 2),
    ],
)
def test_malformed_yaml_names_the_line(text: str, line: int) -> None:
    with pytest.raises(DataError) as info:
        parse_yaml(text, DOC)
    assert str(info.value).startswith(f"doc.yml:{line}: malformed YAML")


@pytest.mark.parametrize("text", ["? [a, b]\n: 1\n", "~: 1\n", "1.5: x\n"])
def test_keys_that_are_not_words_are_refused(text: str) -> None:
    with pytest.raises(DataError, match="keys must be plain words"):
        parse_yaml(text, DOC)


def test_merge_key_is_a_data_error() -> None:
    with pytest.raises(DataError, match=r"doc\.yml"):
        parse_yaml("a: 1\n<<: {b: 2}\n", DOC)


@pytest.mark.parametrize("date", ["2023-02-30", "2023-13-01"])
def test_impossible_date_is_a_data_error_with_line(date: str) -> None:
    with pytest.raises(DataError) as info:
        parse_yaml(f"source: seed-article\nas_of: {date}\n", DOC)
    assert str(info.value).startswith("doc.yml:2:")


# --- reading files ---------------------------------------------------------


def test_read_yaml_reads_a_real_data_file() -> None:
    path = builtin_data() / "cities" / "shanghai.yml"
    doc = read_yaml(path)
    assert doc.path == path
    assert doc.data["id"] == "shanghai"
    assert doc.data["name_zh"] == "上海"
    text = path.read_text(encoding="utf-8")
    assert doc.line_of(("airports", 0, "code")) == line_of_text(text, "code: PVG")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_yaml(path)
    assert str(info.value) == f"{path}: the file is empty"


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("name: Café\n".encode("latin-1"))
    with pytest.raises(DataError) as info:
        read_yaml(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not UTF-8")
    assert "byte 9" in message


def test_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamlfile, "MAX_YAML_BYTES", 16)
    small = tmp_path / "small.yml"
    small.write_bytes(b"name: abcdefghi\n")  # exactly 16 bytes: allowed
    assert read_yaml(small).data == {"name": "abcdefghi"}
    big = tmp_path / "big.yml"
    big.write_bytes(b"name: abcdefghij\n")  # 17 bytes
    with pytest.raises(DataError) as info:
        read_yaml(big)
    message = str(info.value)
    assert message.startswith(f"{big}:")
    assert "17 bytes" in message
    assert "16-byte limit" in message


def test_default_size_limit_allows_the_bundled_files() -> None:
    biggest = max((p.stat().st_size for p in builtin_data().rglob("*.yml")), default=0)
    assert biggest > 0
    assert biggest < yamlfile.MAX_YAML_BYTES


def test_folder_instead_of_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shanghai.yml"
    folder.mkdir()
    with pytest.raises(DataError) as info:
        read_yaml(folder)
    assert str(info.value) == f"{folder}: not a regular file"


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yml"
    with pytest.raises(DataError) as info:
        read_yaml(path)
    assert str(info.value).startswith(f"{path}: cannot read")


def test_read_yaml_passes_the_path_into_parse_errors(tmp_path: Path) -> None:
    path = tmp_path / "dup.yml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_yaml(path)
    assert str(info.value).startswith(f"{path}:2: duplicate key 'a'")


# --- line_of / where -------------------------------------------------------

NESTED = "id: x\nessentials:\n  emergency:\n    - service: Police\n      number: '110'\n"


def test_line_of_exact_locations() -> None:
    doc = parse_yaml(NESTED, DOC)
    assert doc.line_of(("id",)) == 1
    assert doc.line_of(("essentials", "emergency", 0, "number")) == 5
    assert doc.line_of(("essentials", "emergency", 0, "service")) == 4


def test_line_of_falls_back_to_deepest_known_prefix() -> None:
    doc = parse_yaml(NESTED, DOC)
    assert doc.line_of(("essentials", "emergency", 0, "missing", "deeper")) == 4
    assert doc.line_of(("essentials", "currency", "value")) == doc.lines[("essentials",)]
    assert doc.line_of(("nothing", "here")) == 1


def test_line_of_without_lines_is_none_and_where_has_no_line() -> None:
    doc = YamlDoc(Path("bare.yml"), {})
    assert doc.line_of(("a", "b")) is None
    assert doc.where(("a", "b")) == "bare.yml"


def test_where_is_file_colon_line() -> None:
    doc = parse_yaml(NESTED, Path("cities/x.yml"))
    assert doc.where(("essentials", "emergency", 0, "number")) == "cities/x.yml:5"
    assert doc.where(()) == "cities/x.yml:1"


# --- describe_errors -------------------------------------------------------


def test_unknown_top_level_field_lists_allowed_fields() -> None:
    text = builtin_text("cities/shanghai.yml").replace("tagline:", "colour: red\ntagline:", 1)
    problems = problems_for(text, City)
    assert len(problems) == 1
    line = line_of_text(text, "colour: red")
    assert problems[0].startswith(f"doc.yml:{line}: colour: unknown field (allowed: ")
    allowed = problems[0].split("(allowed: ", 1)[1].rstrip(")").split(", ")
    assert {"id", "name", "tagline", "essentials", "airports"} <= set(allowed)
    assert "colour" not in allowed


def test_unknown_nested_field_lists_the_nested_model_fields() -> None:
    text = builtin_text("cities/hong-kong.yml").replace(
        "  currency:\n", "  currency:\n    symbol: $\n", 1
    )
    problems = problems_for(text, City)
    line = line_of_text(text, "symbol: $")
    assert problems == [
        f"doc.yml:{line}: essentials.currency.symbol: unknown field "
        "(allowed: source, as_of, valid_until, value, note)"
    ]


def test_unknown_field_in_list_item_lists_item_fields() -> None:
    text = builtin_text("cities/shanghai.yml").replace(
        "  - code: PVG\n", "  - code: PVG\n    gate: 7\n"
    )
    problems = problems_for(text, City)
    line = line_of_text(text, "gate: 7")
    assert len(problems) == 1
    assert problems[0].startswith(f"doc.yml:{line}: airports.0.gate: unknown field (allowed: ")
    assert "code" in problems[0]
    assert "name_zh" in problems[0]


def test_unknown_field_in_topic_city_note_lists_allowed_fields() -> None:
    text = builtin_text("topics/investment.yml").replace(
        "  hong-kong:\n", "  hong-kong:\n    colour: red\n", 1
    )
    problems = problems_for(text, Topic)
    assert len(problems) == 1
    assert "cities.hong-kong.colour: unknown field (allowed: " in problems[0]
    assert "text" in problems[0]


def test_missing_required_field_says_so() -> None:
    text = "\n".join(
        line
        for line in builtin_text("cities/shanghai.yml").splitlines()
        if not line.startswith("tagline:")
    )
    problems = problems_for(text, City)
    assert problems == ["doc.yml:1: tagline: required field is missing"]


def test_missing_nested_field_points_at_its_parent() -> None:
    text = builtin_text("cities/shanghai.yml").replace("  value: 24870895\n", "", 1)
    problems = problems_for(text, City)
    line = line_of_text(text, "population:") + 1  # the mapping starts on the next line
    assert problems == [f"doc.yml:{line}: population.value: required field is missing"]


def test_other_errors_keep_pydantic_message_and_line() -> None:
    text = builtin_text("cities/shanghai.yml").replace("code: PVG", "code: pvg", 1)
    text = text.replace("value: 24870895", "value: -5", 1)
    problems = problems_for(text, City)
    pop_line = line_of_text(text, "value: -5")
    code_line = line_of_text(text, "code: pvg")
    assert f"doc.yml:{pop_line}: population.value: Input should be greater than 0" in problems
    assert any(
        p.startswith(f"doc.yml:{code_line}: airports.0.code: String should match pattern")
        for p in problems
    )
    assert len(problems) == 2


def test_top_level_not_a_mapping() -> None:
    problems = problems_for("- just\n- a list\n", City)
    assert len(problems) == 1
    assert problems[0].startswith("doc.yml:1: (top level): ")


def test_describe_errors_for_a_list_of_models() -> None:
    from pydantic import TypeAdapter

    text = (
        "- id: one\n  title: One\n  publisher: P\n  accessed: 2026-01-01\n"
        "- id: two\n  title: Two\n  publisher: P\n  accessed: 2026-01-01\n  colour: red\n"
    )
    doc = parse_yaml(text, DOC)
    with pytest.raises(ValidationError) as info:
        TypeAdapter(list[Source]).validate_python(doc.data)
    problems = describe_errors(info.value, doc, Source)
    assert len(problems) == 1
    assert problems[0].startswith("doc.yml:9: 1.colour: unknown field (allowed: id, title, ")
