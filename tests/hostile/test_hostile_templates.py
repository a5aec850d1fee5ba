"""Kit templates trying to escape the Jinja sandbox, or to run forever."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.support import (
    PASSWD_NEEDLE,
    Target,
    assert_refused,
    build,
    cover_with,
    memory_cap,
    put,
)


def cover_template(kit: Path, body: str) -> Path:
    return put(kit, "templates/cover.html", cover_with(body))


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''|attr('__class__') }}",
        "{{ '{0.__class__}'.format(1) }}",
        "{{ ().__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ brand.css.__class__.__init__.__globals__ }}",
        "{{ '{x.__class__}'.format_map({'x': 1}) }}",
    ],
    ids=["mro", "attr-filter", "str-format", "subclasses", "cycler", "lipsum", "markup", "fmap"],
)
def test_sandbox_escapes_are_unsafe_templates(kit: Path, earlier: Target, body: str) -> None:
    template = cover_template(kit, body)
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"{template}:", "unsafe template")


def test_a_huge_range_is_refused(kit: Path, earlier: Target) -> None:
    template = cover_template(kit, "{% for i in range(10**9) %}{{ i }}{% endfor %}")
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"{template}:", "Range too big")


def test_a_recursive_macro_is_stopped(kit: Path, earlier: Target) -> None:
    template = cover_template(kit, "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"{template}:", "recurse too deeply")


@pytest.mark.parametrize(
    "body",
    [
        '{% include "/etc/passwd" %}',
        '{% include "!default/../../../../../../etc/passwd" %}',
        '{% extends "../../../../../../etc/passwd" %}',
    ],
    ids=["absolute", "default-prefix-dot-dot", "extends-dot-dot"],
)
def test_templates_cannot_include_files_outside(kit: Path, earlier: Target, body: str) -> None:
    put(kit, "templates/cover.html", body if "extends" in body else cover_with(body))
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, "template not found")
    assert PASSWD_NEEDLE not in outcome.stderr


def test_nested_ranges_are_stopped_by_the_time_limit(kit: Path, earlier: Target) -> None:
    cover_template(
        kit, "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    outcome = build("--brand", str(kit), *earlier.args, timeout=1, deadline=4)
    assert_refused(outcome, earlier)


def test_a_huge_string_is_a_clear_error(kit: Path, earlier: Target) -> None:
    template = cover_template(kit, "{{ ('x' * 10**12) | length }}")
    with memory_cap(1024**3):  # whatever happens, never let it fill the machine
        outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, str(template))
