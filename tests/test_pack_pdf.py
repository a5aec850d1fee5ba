"""End-to-end: build real packs and read the PDFs back."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import brochure
from brochure.content.catalog import load_catalog
from brochure.errors import BrochureError, OutputError, SelectionError
from brochure.resources import builtin_data
from pdftools import (
    MM,
    catalog_language,
    fonts_of,
    metadata,
    outline,
    page_sizes,
    page_texts,
    region_text,
    toc_entries,
)

BUILD_DATE = dt.date(2026, 11, 20)
OTHER_CITIES = ("Shenzhen", "Hong Kong", "Qingdao", "Guangzhou", "Tianjin")


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces as single spaces."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two cities, two topics, a traveller: rendered once for this module."""
    out = tmp_path_factory.mktemp("pack") / "pack.pdf"
    result = brochure.build_pack(
        cities=["shanghai", "Ningbo"],
        topics=["investment", "belt-and-road"],
        traveller="Alex Chen",
        trip_start=dt.date(2026, 12, 7),
        trip_end=dt.date(2026, 12, 11),
        build_date=BUILD_DATE,
        output=out,
    )
    assert result.path == out
    assert result.pages == len(page_sizes(out))
    assert result.warnings == ()
    return out


def test_outline_has_chosen_chapters_only(pack: Path) -> None:
    chapters = [b.title for b in outline(pack) if b.level == 1]
    assert any(t.startswith("Shanghai") for t in chapters)
    assert any(t.startswith("Ningbo") for t in chapters)
    assert "Investment opportunities" in chapters
    assert "The Belt and Road Initiative" in chapters
    for city in OTHER_CITIES:
        assert not any(t.startswith(city) for t in chapters), city
    assert "Sustainability and the environment" not in chapters
    assert chapters[-1] == "Sources"


def test_city_sections_are_second_level_bookmarks(pack: Path) -> None:
    marks = outline(pack)
    shanghai = next(i for i, b in enumerate(marks) if b.title.startswith("Shanghai"))
    following = [b for b in marks[shanghai + 1 :] if b.level == 2][:3]
    assert [b.title for b in following] == ["Profile", "Specialisations", "Notable companies"]


def test_contents_page_numbers_match_the_pages_chapters_start_on(pack: Path) -> None:
    texts = page_texts(pack)
    toc = toc_entries(texts[1])
    starts = {b.title: b.page for b in outline(pack) if b.level == 1}
    assert toc["Shanghai"] == next(p for t, p in starts.items() if t.startswith("Shanghai"))
    assert toc["Ningbo"] == next(p for t, p in starts.items() if t.startswith("Ningbo"))
    assert toc["Investment opportunities"] == starts["Investment opportunities"]
    assert toc["Sources"] == starts["Sources"]
    assert toc["The cities side by side"] == starts["The cities side by side"]
    # and the page really opens with that chapter's heading
    assert region_text(pack, toc["Ningbo"], 19, 35).startswith("Ningbo")
    assert toc["Your itinerary"] == starts["Your itinerary"]  # the pack has a traveller
    assert toc["Show the driver"] == starts["Show the driver"]
    assert toc["Getting between the cities"] == starts["Getting between the cities"]
    assert len(toc) == 10


def test_footer_reads_page_n_of_m_after_the_cover(pack: Path) -> None:
    texts = page_texts(pack)
    total = len(texts)
    assert "Page 1 of" not in texts[0]
    for number in range(2, total + 1):
        assert f"Page {number} of {total}" in texts[number - 1]


def test_running_header_names_the_current_chapter(pack: Path) -> None:
    marks = {b.title.split(" ")[0]: b.page for b in outline(pack) if b.level == 1}
    inside_shanghai = marks["Shanghai"] + 1
    assert inside_shanghai < marks["Ningbo"]
    header = region_text(pack, inside_shanghai, 0, 19)
    assert header.startswith("Shanghai 上海")
    header = region_text(pack, marks["Sources"], 0, 19)
    assert header.startswith("Sources")


def test_a4_pages_and_metadata(pack: Path) -> None:
    for width, height in page_sizes(pack):
        assert width == pytest.approx(210 * MM, abs=0.5)
        assert height == pytest.approx(297 * MM, abs=0.5)
    meta = metadata(pack)
    assert meta["Title"] == "Business briefing: Shanghai and Ningbo"
    assert meta["Author"] == "brochure"
    assert "Shanghai" in meta["Subject"] and "China" in meta["Subject"]
    assert "Investment opportunities" in meta["Keywords"]
    assert "Sustainability" not in meta["Keywords"]
    assert meta["CreationDate"].startswith("D:20261120")
    assert catalog_language(pack) == "en"


def test_cover_carries_traveller_dates_and_chinese_names(pack: Path) -> None:
    cover = page_texts(pack)[0]
    assert "Alex Chen" in cover
    assert "7 December 2026 \u2013 11 December 2026" in cover
    assert "20 November 2026" in cover
    assert "上海" in cover and "宁波" in cover
    assert "Shenzhen" not in cover


def test_chinese_is_drawn_with_the_bundled_cjk_font(pack: Path) -> None:
    assert fonts_of(pack, "上海宁波") == {"Brochure-CJK"}
    body_fonts = fonts_of(pack, "Profile")
    assert body_fonts and all(f.startswith("Brochure-") for f in body_fonts)


def test_sources_page_lists_sources_and_dates(pack: Path) -> None:
    texts = page_texts(pack)
    start = next(b.page for b in outline(pack) if b.title == "Sources")
    sources = "\n".join(texts[start - 1 :])
    catalog = load_catalog(builtin_data())
    census = catalog.cities["shanghai"].population
    assert flat(catalog.sources[census.source].title) in flat(sources)
    assert census.as_of.isoformat() in sources
    assert "Ningbo" in sources
    shenzhen = catalog.sources[catalog.cities["shenzhen"].population.source]
    assert flat(shenzhen.title) not in flat(sources)
    assert "Shenzhen" not in sources


def test_comparison_table_lists_the_chosen_cities(pack: Path) -> None:
    start = next(b.page for b in outline(pack) if b.title == "The cities side by side")
    text = page_texts(pack)[start - 1]
    assert "PVG" in text and "NGB" in text
    assert "24.9 million" in text
    assert "HKG" not in text


@pytest.mark.parametrize(
    ("paper", "size_mm"),
    [("letter", (215.9, 279.4)), ("a5", (148, 210))],
)
def test_paper_sizes(tmp_path: Path, paper: str, size_mm: tuple[float, float]) -> None:
    out = tmp_path / f"{paper}.pdf"
    brochure.build_pack(cities=["qingdao"], topics=["regions"], paper=paper, output=out)
    sizes = page_sizes(out)
    assert len(sizes) >= 4
    for width, height in sizes:
        assert width == pytest.approx(size_mm[0] * MM, abs=0.5)
        assert height == pytest.approx(size_mm[1] * MM, abs=0.5)


def test_same_inputs_give_identical_bytes(tmp_path: Path) -> None:
    options: dict[str, Any] = {
        "cities": ["tianjin"],
        "topics": ["regions"],
        "build_date": BUILD_DATE,
    }
    first = brochure.build_pack(output=tmp_path / "a.pdf", **options).path.read_bytes()
    second = brochure.build_pack(output=tmp_path / "b.pdf", **options).path.read_bytes()
    assert first == second


def test_source_date_epoch_sets_the_build_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 14 November 2023
    out = brochure.build_pack(cities=["tianjin"], topics=["regions"], output=tmp_path / "p.pdf")
    assert "14 November 2023" in page_texts(out.path)[0]


def test_html_format_writes_the_filled_template(tmp_path: Path) -> None:
    result = brochure.build_pack(
        cities=["shenzhen"], topics=["sustainability"], format="html", output=tmp_path / "p.html"
    )
    html = result.path.read_text(encoding="utf-8")
    assert result.pages is None
    assert html.startswith("<!DOCTYPE html>")
    assert 'id="city-shenzhen"' in html and 'id="city-shanghai"' not in html
    assert "styles/print.css" in html


def test_default_output_goes_to_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = brochure.build_pack(cities=["Hong Kong", "shanghai"], format="html")
    assert result.path == Path("output/briefing-hong-kong-shanghai-a4.html")
    assert (tmp_path / result.path).is_file()


def test_failed_build_leaves_earlier_output_intact(tmp_path: Path) -> None:
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"earlier good pack")
    with pytest.raises(SelectionError, match="did you mean 'shenzhen'"):
        brochure.build_pack(cities=["Shenzen"], output=target)
    assert target.read_bytes() == b"earlier good pack"
    assert list(tmp_path.iterdir()) == [target]


def test_output_that_is_a_folder_is_refused_before_rendering(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        brochure.build_pack(cities=["ningbo"], output=tmp_path)


def test_bad_options_raise_brochure_error() -> None:
    with pytest.raises(BrochureError, match="trip_end is before trip_start"):
        brochure.build_pack(
            cities=["ningbo"], trip_start=dt.date(2026, 5, 2), trip_end=dt.date(2026, 5, 1)
        )
    with pytest.raises(BrochureError, match="paper"):
        brochure.build_pack(cities=["ningbo"], paper="b4")


def test_table_headers_repeat_on_every_page_of_the_sources_table(full_pack: Path) -> None:
    """The pack of every city and topic (conftest): long enough for tables to run over pages."""
    texts = page_texts(full_pack)
    start = next(b.page for b in outline(full_pack) if b.title == "Sources")
    # an as-of cell, not a date inside a source's URL
    iso = r"(?<![\w/-])\d{4}-\d\d-\d\d(?![\w/-])"
    table_pages = [t for t in texts[start - 1 :] if re.search(iso, t)]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "Chapter Facts Source As of" in " ".join(text.split())


def test_full_pack_has_every_city_and_topic_in_order(full_pack: Path) -> None:
    chapters = [b.title.split(" ")[0] for b in outline(full_pack) if b.level == 1]
    cities = ["Shanghai", "Shenzhen", "Hong", "Ningbo", "Qingdao", "Guangzhou", "Tianjin"]
    assert [c for c in chapters if c in cities] == cities
    # contents, country, cities, travel and calendar, driver cards, topics, comparison, sources
    assert len(chapters) == 2 + len(cities) + 2 + 1 + 10 + 2
