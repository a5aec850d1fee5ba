"""Print production: profiles, booklets, preflight and reproducible bytes, on real PDFs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image

import brochure
from brochure.cli import main
from brochure.content.catalog import iter_sourced, load_catalog
from brochure.render.booklet import booklet_order
from brochure.resources import builtin_data
from pdftools import MM, page_texts

SMALL: dict[str, Any] = {"cities": ["ningbo"], "topics": ["regions"], "build_date": "2026-11-20"}


def build(tmp_path: Path, name: str, **options: object) -> Path:
    result = brochure.build_pack(**{**SMALL, **options}, output=tmp_path / name)
    return result.path


def test_screen_profile_is_tagged_pdf_ua(tmp_path: Path) -> None:
    path = build(tmp_path, "screen.pdf")
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked)
        assert str(root.Lang) == "en"
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        with pdf.open_metadata() as meta:
            assert meta.get("pdfuaid:part") == "1"
            assert meta.get("dc:title") == "Business briefing: Ningbo"
        links = [
            a for page in pdf.pages for a in page.get("/Annots", []) if a.get("/Subtype") == "/Link"
        ]
        assert links, "the contents page links to its chapters"


def test_print_profile_has_bleed_trim_and_crop_marks(tmp_path: Path) -> None:
    path = build(tmp_path, "print.pdf", profile="print", bleed=5)
    with pikepdf.open(path) as pdf:
        page = pdf.pages[3]
        trim = [float(v) for v in page.obj.TrimBox]
        media = [float(v) for v in page.mediabox]
        bleed = [float(v) for v in page.obj.BleedBox]
    assert trim[2] - trim[0] == pytest.approx(210 * MM, abs=0.5)
    assert media[0] == pytest.approx(-5 * MM, abs=0.2)
    assert media[2] - media[0] == pytest.approx((210 + 10) * MM, abs=0.5)
    assert bleed[0] <= trim[0] and bleed[2] >= trim[2]
    with pdfplumber.open(path) as plumb:
        lines = plumb.pages[3].lines + plumb.pages[3].curves
        outside_trim = [ln for ln in lines if ln["x0"] < 0 or ln["x1"] > 210 * MM]
    assert outside_trim, "crop marks are drawn outside the trim box"
    assert "/StructTreeRoot" not in pikepdf.open(path).Root


def test_archive_profile_is_pdf_a_with_the_content_attached(tmp_path: Path) -> None:
    path = build(tmp_path, "archive.pdf", profile="archive", cities=["ningbo", "qingdao"])
    with pikepdf.open(path) as pdf:
        assert "/OutputIntents" in pdf.Root
        with pdf.open_metadata() as meta:
            assert meta.get("pdfaid:part") == "3"
            assert meta.get("pdfaid:conformance") == "B"
        attached = pdf.attachments["brochure-content.json"].get_file().read_bytes()
    content = json.loads(attached)
    assert [c["id"] for c in content["cities"]] == ["ningbo", "qingdao"]
    assert [t["id"] for t in content["topics"]] == ["regions"]
    assert set(content["topics"][0]["cities"]) == {"ningbo", "qingdao"}
    catalog = load_catalog(builtin_data())
    chosen = (catalog.cities["ningbo"], catalog.cities["qingdao"])
    cited = {fact.source for city in chosen for _, fact in iter_sourced(city)}
    assert cited and cited <= {s["id"] for s in content["sources"]}
    assert content["request"]["profile"] == "archive"


def test_booklet_order_for_eight_and_six_pages() -> None:
    assert booklet_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert booklet_order(6) == [(0, 1), (2, 0), (6, 3), (4, 5)]


@pytest.mark.parametrize(("paper", "sheet"), [("a5", (297, 210)), ("half-letter", (279.4, 215.9))])
def test_booklet_imposes_pages_two_up_in_folding_order(
    tmp_path: Path, paper: str, sheet: tuple[float, float]
) -> None:
    flat = build(tmp_path, "flat.pdf", paper=paper)
    imposed = build(tmp_path, "booklet.pdf", paper=paper, booklet=True)
    pages = len(page_texts(flat))
    order = booklet_order(pages)
    with pdfplumber.open(imposed) as pdf:
        assert len(pdf.pages) == len(order) and len(order) % 2 == 0
        for sheet_page, (left, right) in zip(pdf.pages, order, strict=True):
            assert sheet_page.width == pytest.approx(sheet[0] * MM, abs=1)
            assert sheet_page.height == pytest.approx(sheet[1] * MM, abs=1)
            half = sheet_page.width / 2
            for number, box in (
                (left, (0, 0, half, sheet_page.height)),
                (right, (half, 0, sheet_page.width, sheet_page.height)),
            ):
                text = sheet_page.crop(box).extract_text() or ""
                if number == 0:
                    assert text.strip() == ""
                elif number == 1:
                    assert "BUSINESS TRAVEL BRIEFING" in text
                else:
                    assert f"Page {number} of {pages}" in text


def test_booklet_needs_small_pages() -> None:
    result = CliRunner().invoke(main, ["build", "-c", "ningbo", "--booklet", "--paper", "a4"])
    assert result.exit_code == 1
    assert "booklets print A5 or half-letter pages" in result.stderr


def test_preflight_reports_problems_and_strict_refuses(tmp_path: Path, content: Path) -> None:
    ningbo = content / "cities" / "ningbo.yml"
    ningbo.write_text(ningbo.read_text().replace("tagline: ", "tagline: \U00013000 ", 1))
    kit = tmp_path / "kit"
    (kit / "templates").mkdir(parents=True)
    (kit / "brand.yml").write_text("meta:\n  name: Kit\n")
    (kit / "templates" / "topic.html").write_text(
        '{% extends "!default/topic.html" %}\n'
        "{% block topic_heading %}<h1>{{ topic.title }}</h1>{% endblock %}\n"
        "{% block topic_body %}{% endblock %}{% block topic_points %}{% endblock %}\n"
        "{% block topic_cities %}{% endblock %}\n"
    )
    (kit / "templates" / "sources.html").write_text(
        '{% extends "!default/sources.html" %}\n'
        '{% block colophon %}<p><a href="#nowhere">see elsewhere</a></p>{% endblock %}\n'
    )
    args = ["build", "-c", "ningbo", "-t", "regions", "--data", str(content), "--brand", str(kit)]
    out = tmp_path / "p.pdf"
    warned = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert warned.exit_code == 0, warned.stderr
    assert out.is_file()
    for expected in [
        "U+13000",
        "link to #nowhere points nowhere",
        "chapter #topic-regions is empty",
    ]:
        assert expected in warned.stderr
    strict_out = tmp_path / "strict.pdf"
    refused = CliRunner().invoke(main, [*args, "--strict", "-o", str(strict_out)])
    assert refused.exit_code == 1
    assert "preflight found 3 problems; nothing written" in refused.stderr
    assert not strict_out.exists()


def test_low_resolution_images_are_reported_in_the_print_profile_only(tmp_path: Path) -> None:
    kit = tmp_path / "kit"
    kit.mkdir()
    Image.new("RGB", (30, 10), (200, 0, 0)).save(kit / "tiny.png")
    (kit / "brand.yml").write_text("meta:\n  name: Kit\nlogo: tiny.png\n")
    printed = brochure.build_pack(**SMALL, brand=kit, profile="print", output=tmp_path / "p.pdf")
    assert any(
        re.search(r"tiny\.png prints at \d+ dpi, under 150 dpi", w) for w in printed.warnings
    )
    screen = brochure.build_pack(**SMALL, brand=kit, output=tmp_path / "s.pdf")
    assert not any("dpi" in w for w in screen.warnings)


def test_empty_chapters_are_found_by_an_html_parser() -> None:
    """Nested sections, attributes in any order and entities do not fool the check."""
    from brochure.render.preflight import empty_chapters

    html = (
        '<section id="city-a" class="chapter city"><h1>A <em>b</em></h1>'
        '<section class="part"><p>Enough words here.</p></section></section>'
        '<section class="chapter" id="topic-x"><h1>X</h1><section class="x"></section>'
        "<p> &nbsp; </p></section>"
        '<section class="chapter" id="topic-y"><h1>Y</h1>&amp;&amp;&amp;</section>'
        '<section class="not-a-chapter" id="z"></section>'
        '<section id="city-b" class="chapter city"><h1>B</h1></section>'
        '<section class="chapter" id="topic-w"><h1>W</h1><section class="box"></section>'
        "<p>Text after the box.</p></section>"
    )
    assert empty_chapters(html) == ["chapter #topic-x is empty", "chapter #city-b is empty"]
