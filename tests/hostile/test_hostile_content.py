"""Hostile content folders (--data): markup in text, YAML tricks, huge files, bad ids."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hostile.support import (
    Target,
    add_after_id,
    assert_built,
    assert_refused,
    build,
    line_of,
    put,
    replace_in,
    set_top_level,
    squeeze,
)


def ningbo(content: Path) -> Path:
    return content / "cities" / "ningbo.yml"


# -- 1. markup in data text is printed literally ------------------------------------------


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("tagline", "<script>alert('pwned')</script>"),
        ("tagline", "</style><style>body { background: url(file:///etc/passwd) }</style>"),
        ("tagline", '"><link rel=attachment href=file:///etc/passwd>'),
        (
            "profile",
            '</p></style>"><link rel=attachment href=file:///etc/passwd><script>x</script>',
        ),
        ("profile", "<img src=file:///etc/passwd alt=x>"),
    ],
    ids=["script", "close-style", "attribute-breakout", "profile-mixed", "profile-img"],
)
def test_markup_in_data_text_prints_literally(
    content: Path, target: Target, field: str, text: str
) -> None:
    quoted = "'" + text.replace("'", "''") + "'"
    if field == "tagline":
        set_top_level(ningbo(content), "tagline", quoted)
    else:
        replace_in(ningbo(content), "profile:\n", f"profile:\n  - {quoted}\n")
    outcome = build("--data", str(content), *target.args)
    pdf_text = assert_built(outcome, target)
    assert squeeze(text) in squeeze(pdf_text)


# -- 11. YAML: size, aliases, tags, duplicate keys, booleans ------------------------------


def test_a_1gb_data_file_is_refused_before_reading(content: Path, earlier: Target) -> None:
    huge = content / "cities" / "huge.yml"
    with huge.open("wb") as handle:
        handle.truncate(1024**3)  # sparse: no gigabyte is written
    outcome = build("--data", str(content), *earlier.args)
    assert_refused(
        outcome, earlier, f"{huge}: 1,073,741,824 bytes is over the 1,000,000-byte limit"
    )
    assert outcome.seconds < 10


def test_a_yaml_alias_bomb_is_refused(content: Path, earlier: Target) -> None:
    bomb = put(
        content,
        "cities/bomb.yml",
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
            for i in range(8)
        ),
    )
    outcome = build("--data", str(content), *earlier.args)
    assert_refused(outcome, earlier, f"{bomb}:1: YAML anchors (&a) are not allowed")


def test_a_python_object_tag_is_refused_and_not_run(
    content: Path, earlier: Target, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    set_top_level(ningbo(content), "order", f'!!python/object/apply:os.system ["touch {marker}"]')
    line = line_of(ningbo(content), "!!python")
    outcome = build("--data", str(content), *earlier.args)
    assert_refused(
        outcome,
        earlier,
        f"{ningbo(content)}:{line}: YAML tags (tag:yaml.org,2002:python/object/apply:os.system) "
        "are not allowed",
    )
    assert not marker.exists()


def test_duplicate_keys_are_refused(content: Path, earlier: Target) -> None:
    add_after_id(ningbo(content), "order: 1\n")
    first = line_of(ningbo(content), "order: 1")
    second = next(
        n
        for n, text in enumerate(ningbo(content).read_text().splitlines(), 1)
        if text.startswith("order:") and n != first
    )
    outcome = build("--data", str(content), *earlier.args)
    assert_refused(
        outcome,
        earlier,
        f"{ningbo(content)}:{second}: duplicate key 'order' (first given on line {first})",
    )


def test_no_as_a_value_stays_the_string_no(content: Path, target: Target) -> None:
    set_top_level(ningbo(content), "tagline", "NO")
    outcome = build("--data", str(content), *target.args)
    pdf_text = assert_built(outcome, target)
    assert "NO" in [line.strip() for line in pdf_text.splitlines()]
    assert "False" not in pdf_text


def test_a_fifo_as_a_data_file_is_refused_without_blocking(content: Path, earlier: Target) -> None:
    pipe = content / "cities" / "pipe.yml"
    os.mkfifo(pipe)
    outcome = build("--data", str(content), *earlier.args, deadline=20)
    assert_refused(outcome, earlier, f"{pipe}: not a regular file")


def test_a_data_file_symlinked_to_etc_passwd_does_not_print_it(
    content: Path, earlier: Target
) -> None:
    (content / "cities" / "passwd.yml").symlink_to("/etc/passwd")
    outcome = build("--data", str(content), *earlier.args)
    assert_refused(outcome, earlier, "passwd.yml")
    assert "root:x:0:0" not in outcome.stderr


# -- 12. selections and ids -----------------------------------------------------------------


def test_an_unknown_city_suggests_the_right_one(earlier: Target) -> None:
    outcome = build("-c", "Shenzen", *earlier.args, selection=False)
    assert_refused(outcome, earlier, "unknown city 'Shenzen' (did you mean 'shenzhen'?)")


def test_an_unknown_field_in_a_city_file_is_named(content: Path, earlier: Target) -> None:
    add_after_id(ningbo(content), "mayor: someone\n")
    line = line_of(ningbo(content), "mayor: someone")
    outcome = build("--data", str(content), *earlier.args)
    assert_refused(outcome, earlier, f"{ningbo(content)}:{line}: mayor: unknown field")


def test_a_path_as_a_city_id_on_the_command_line(earlier: Target, tmp_path: Path) -> None:
    outcome = build("-c", "../../x", "-t", "regions", *earlier.args, selection=False)
    assert_refused(outcome, earlier, "unknown city '../../x'", "Valid city ids: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_path_as_a_city_id_in_a_data_file(content: Path, earlier: Target) -> None:
    escape = content / "cities" / "escape.yml"
    shutil.copy(ningbo(content), escape)
    set_top_level(escape, "id", "../../x")
    line = line_of(escape, "id: ../../x")
    outcome = build("--data", str(content), *earlier.args)
    assert_refused(outcome, earlier, f"{escape}:{line}: id: String should match pattern")
    assert not (content.parent / "x").exists()
