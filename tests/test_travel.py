"""Travel-ready pages: charts, map, insets, QR codes and driver cards, for chosen cities only."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner

import brochure
from brochure.cli import main
from brochure.content.catalog import load_catalog
from brochure.look.context import _date_range, city_view
from brochure.resources import builtin_data
from pdftools import fonts_of, outline, page_texts

CHOSEN = ["shanghai", "hong-kong"]


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("travel") / "pack.pdf"
    brochure.build_pack(cities=CHOSEN, topics=["investment"], build_date="2026-11-20", output=out)
    return out


def chapter_text(pack: Path, title: str) -> str:
    """All text from the page a chapter starts on up to the next chapter."""
    marks = [b for b in outline(pack) if b.level == 1]
    texts = page_texts(pack)
    for i, mark in enumerate(marks):
        if mark.title.startswith(title):
            end = marks[i + 1].page - 1 if i + 1 < len(marks) else len(texts)
            return "\n".join(texts[mark.page - 1 : end])
    raise AssertionError(f"no chapter {title!r}")


def decoded(pack: Path, title: str) -> set[str]:
    """Every QR code on the pages of one chapter, decoded."""
    marks = [b for b in outline(pack) if b.level == 1]
    index = next(i for i, b in enumerate(marks) if b.title.startswith(title))
    first = marks[index].page
    last = marks[index + 1].page - 1 if index + 1 < len(marks) else len(page_texts(pack))
    pdf = pdfium.PdfDocument(pack)
    found: set[str] = set()
    try:
        for number in range(first, last + 1):
            image = pdf[number - 1].render(scale=300 / 72).to_pil()
            found |= {code.text for code in zxingcpp.read_barcodes(image)}
    finally:
        pdf.close()
    return found


def map_labels(pack: Path) -> str:
    """The words drawn inside the locator map: between the summary and the map's caption."""
    page_number = next(b.page for b in outline(pack) if b.title.startswith("China"))
    with pdfplumber.open(pack) as pdf:
        page = pdf.pages[page_number - 1]
        words = page.extract_words(extra_attrs=["fontname", "size"])
        caption = next(w for w in words if w["text"] == "Natural")
        summary_end = max(
            w["bottom"] for w in words if "Serif" in w["fontname"] and w["top"] < caption["top"]
        )
        inside = [w["text"] for w in words if summary_end < w["top"] < caption["top"]]
    return " ".join(inside)


def test_map_marks_the_chosen_cities_only(pack: Path) -> None:
    labels = map_labels(pack)
    assert "Shanghai" in labels and "上海" in labels
    assert "Hong" in labels and "香港" in labels
    for other in ("Tianjin", "Qingdao", "Ningbo", "Shenzhen", "天津"):
        assert other not in labels


def test_charts_compare_the_chosen_cities(pack: Path) -> None:
    side = chapter_text(pack, "The cities side by side")
    assert "Population" in side and "24.9 m" in side and "7.5 m" in side
    assert "What each city makes, by sector" in side
    for sector in ("Finance", "Logistics", "Electronics"):
        assert sector in side
    assert "Textiles" not in side  # no chosen city makes textiles
    assert "Tianjin" not in side and "Qingdao" not in side


def test_each_city_chapter_has_its_inset_map(pack: Path) -> None:
    with_inset = 0
    pdf = pdfium.PdfDocument(pack)
    try:
        for b in outline(pack):
            if b.level == 1 and b.title.split(" ")[0] in ("Shanghai", "Hong"):
                page = pdf[b.page - 1]
                paths = [o for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_PATH]
                assert len(paths) > 3, b.title
                with_inset += 1
    finally:
        pdf.close()
    assert with_inset == 2


def test_qr_codes_decode_to_the_links_and_sources(pack: Path) -> None:
    catalog = load_catalog(builtin_data())
    shanghai_links = {link.url for link in catalog.cities["shanghai"].links}
    assert shanghai_links
    assert shanghai_links <= decoded(pack, "Shanghai")
    in_sources = decoded(pack, "Sources")
    assert "https://www.censtatd.gov.hk/hkstat/sub/sc80.jsp" in in_sources
    tianjin = {link.url for link in catalog.cities["tianjin"].links}
    assert not tianjin & (in_sources | decoded(pack, "Hong Kong"))


def test_driver_cards_for_chosen_cities_in_large_chinese(pack: Path) -> None:
    cards = chapter_text(pack, "Show the driver")
    shanghai, hong_kong = cards.split("Hong Kong 香港")
    assert shanghai.count("请带我去") >= 4 and "請帶我去" not in shanghai
    assert hong_kong.count("請帶我去") >= 4 and "请带我去" not in hong_kong  # traditional script
    assert "上海浦东国际机场" in cards
    assert "香港國際機場" in cards  # traditional characters in Hong Kong
    assert "陆家嘴" in cards and "中環" in cards
    assert "天津滨海国际机场" not in cards
    assert fonts_of(pack, "请带我去浦东") == {"Brochure-CJK"}


def test_chapters_show_the_as_of_date_of_their_facts(pack: Path) -> None:
    topic = chapter_text(pack, "Investment opportunities")
    assert "Facts as of November 2024" in topic
    view = city_view(load_catalog(builtin_data()), load_catalog(builtin_data()).cities["shanghai"])
    city = chapter_text(pack, "Shanghai")
    assert f"Facts dated {view.oldest:%B %Y} to {view.newest:%B %Y}" in city


def test_check_warns_about_old_facts(content: Path) -> None:
    runner = CliRunner()
    young = runner.invoke(main, ["check", "--data", str(content), "--max-age", "30y"])
    assert young.exit_code == 0 and young.stderr == ""
    old = runner.invoke(main, ["check", "--data", str(content), "--max-age", "2y"])
    assert old.exit_code == 0
    assert "population: as of 2020-11-01" in old.stderr
    assert f"{content / 'cities' / 'shanghai.yml'}" in old.stderr
    strict = runner.invoke(main, ["check", "--data", str(content), "--max-age", "2y", "--strict"])
    assert strict.exit_code == 1
    bad = runner.invoke(main, ["check", "--max-age", "soon"])
    assert bad.exit_code == 2 and "not an age" in bad.stderr


def test_country_and_comparison_show_their_dates(pack: Path) -> None:
    oldest, newest = _date_range(load_catalog(builtin_data()).country)
    assert f"Facts dated {oldest:%B %Y} to {newest:%B %Y}" in chapter_text(pack, "China")
    side = chapter_text(pack, "The cities side by side")
    assert "Population figures as of: Shanghai 2020, Hong Kong 2025" in side


def test_old_facts_name_the_yaml_file_they_came_from(content: Path) -> None:
    (content / "cities" / "shanghai.yml").rename(content / "cities" / "shanghai.yaml")
    topic = sorted((content / "topics").glob("*.yml"))[0]
    topic.rename(topic.with_suffix(".yaml"))
    old = CliRunner().invoke(main, ["check", "--data", str(content), "--max-age", "1d"])
    assert old.exit_code == 0, old.stderr
    assert f"{content / 'cities' / 'shanghai.yaml'}: population: as of" in old.stderr
    assert f"{topic.with_suffix('.yaml')}: " in old.stderr
    assert "shanghai.yml" not in old.stderr and f"{topic}: " not in old.stderr
    assert f"{content / 'cities' / 'ningbo.yml'}: " in old.stderr  # the others keep .yml
