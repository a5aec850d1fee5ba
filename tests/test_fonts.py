"""Bundled fonts: every Chinese name in the content has glyphs, and packs draw them."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from brochure.content.catalog import load_catalog
from brochure.pack import BuildResult
from brochure.resources import builtin_data, builtin_fonts
from pdftools import fonts_of, page_texts

CITY_NAMES = "上海深圳香港宁波青岛广州天津"


def chinese_in_content() -> set[str]:
    catalog = load_catalog(builtin_data())
    names: list[str | None] = []
    for city in catalog.cities.values():
        names += [city.name_zh, *(i.name_zh for i in city.landmarks)]
        names += [a.name_zh for a in city.airports]
        names += [city.port.name_zh if city.port else None]
    text = "".join(n for n in names if n)
    return {ch for ch in text if ord(ch) > 0x2E80}


def test_the_cjk_font_has_every_chinese_character_in_the_content() -> None:
    cmap = TTFont(builtin_fonts() / "NotoSansSC-Regular-subset.otf")["cmap"].getBestCmap()
    wanted = chinese_in_content()
    assert set(CITY_NAMES) <= wanted
    missing = sorted(ch for ch in wanted if ord(ch) not in cmap)
    assert missing == []


def test_every_city_name_is_drawn_with_a_font_that_has_it(full_build: BuildResult) -> None:
    """On the pack of every city and topic (conftest), shared with other modules."""
    result = full_build
    assert result.warnings == ()  # WeasyPrint warns for each .notdef glyph it draws
    cover = page_texts(result.path)[0]
    for ch in CITY_NAMES:
        assert ch in cover
    assert fonts_of(result.path, CITY_NAMES) == {"Brochure-CJK"}


def test_fonts_are_licensed() -> None:
    licence = (builtin_fonts() / "OFL.txt").read_text()
    assert "SIL Open Font License" in licence
    assert "Noto Sans CJK SC" in licence
