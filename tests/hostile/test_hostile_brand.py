"""Hostile brand.yml values: CSS injection through colours, sizes and font names, markup in
company lines, and files too big to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.support import (
    Target,
    assert_built,
    assert_refused,
    build,
    memory_cap,
    replace_in,
    sparse_file,
    squeeze,
)

INJECTION = "red; background: url(file:///etc/passwd)"


def brand_file(kit: Path) -> Path:
    return kit / "brand.yml"


def test_a_colour_that_smuggles_css_is_refused(kit: Path, earlier: Target) -> None:
    replace_in(brand_file(kit), "primary: forest", f'primary: "{INJECTION}"')
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(
        outcome,
        earlier,
        f"{brand_file(kit)}:",
        f"color.primary: '{INJECTION}' is not a colour",
    )


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('forest: "#0a7f5a"', f'forest: "{INJECTION}"', "color.palette.forest"),
        ('foreground: "#202020"', 'foreground: "#202020; } body { color: red"', "color.foreground"),
        (
            "  headings:\n    family: Test Display\n",
            f'  headings:\n    family: Test Display\n    color: "{INJECTION}"\n',
            "typography.headings.color",
        ),
        (
            "  headings:\n",
            '  base:\n    size: "10pt; background: url(file:///etc/passwd)"\n  headings:\n',
            "typography.base.size",
        ),
        (
            "  headings:\n",
            '  base:\n    line-height: "1.5; background: url(file:///etc/passwd)"\n  headings:\n',
            "typography.base.line-height",
        ),
        (
            "    family: Test Display\ndefaults",
            "    family: 'X\", serif; } body { background: url(file:///etc/passwd) } h1 { a: \"'\n"
            "defaults",
            "typography.headings.family",
        ),
        (
            "    - family: Test Display\n",
            "    - family: 'Test Display\"; src: url(file:///etc/passwd); x: \"'\n",
            "typography.fonts.0.family",
        ),
    ],
    ids=["palette", "foreground", "heading-colour", "size", "line-height", "family", "face"],
)
def test_css_smuggled_through_other_brand_values_is_refused(
    kit: Path, earlier: Target, old: str, new: str, field: str
) -> None:
    replace_in(brand_file(kit), old, new)
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"{brand_file(kit)}:", field)


def test_markup_in_company_lines_prints_literally(kit: Path, target: Target) -> None:
    text = '"><link rel=attachment href=file:///etc/passwd><script>x</script>'
    replace_in(
        brand_file(kit),
        'contact: "Testco · travel@testco.example"',
        "contact: '" + text + "'",
    )
    outcome = build("--brand", str(kit), *target.args)
    pdf_text = assert_built(outcome, target)
    assert squeeze(text) in squeeze(pdf_text)


def test_a_1gb_brand_file_is_refused_before_reading(kit: Path, earlier: Target) -> None:
    sparse_file(brand_file(kit), 1024**3, b"meta:\n  name: x\n")
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"{brand_file(kit)}: 1,073,741,824 bytes is over the")


def test_yaml_tricks_in_brand_yml_are_refused(kit: Path, earlier: Target) -> None:
    replace_in(brand_file(kit), "  primary: forest\n", "  primary: &p forest\n  info: *p\n")
    outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"{brand_file(kit)}:", "YAML anchors (&p) are not allowed")


def test_a_huge_logo_file_is_refused_without_reading_it(kit: Path, earlier: Target) -> None:
    sparse_file(kit / "logo.png", 4 * 1024**3, b"\x89PNG\r\n\x1a\n")
    with memory_cap(1024**3):  # whatever happens, never let it fill the machine
        outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"{brand_file(kit)}:", "logo.png")


def test_a_huge_font_file_is_refused_without_reading_it(kit: Path, earlier: Target) -> None:
    sparse_file(kit / "fonts" / "display.ttf", 4 * 1024**3, b"\x00\x01\x00\x00")
    with memory_cap(1024**3):
        outcome = build("--brand", str(kit), *earlier.args)
    assert_refused(outcome, earlier, f"{brand_file(kit)}:", "display.ttf")
