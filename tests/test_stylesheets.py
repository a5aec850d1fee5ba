"""Stylesheets parsed once per process (render/weasy.py, `_stylesheet`).

A pack in parts, a batch and --watch lay out many documents with the same stylesheets;
each is parsed once. These tests hold what must not change with that: an edited sheet is
read anew, its fonts and its files count for every document, its warnings are reported
for every document, and the cascade is the same.
"""

from __future__ import annotations

import os
from pathlib import Path

from brochure.access import ResourcePolicy
from brochure.render import weasy
from brochure.render.pages import LaidDocument
from brochure.render.weasy import LayoutSession, RenderOptions
from brochure.resources import builtin_fonts
from pdftools import fonts_of, page_sizes

FONT = builtin_fonts() / "NotoSerif-Bold.ttf"


def _document(inline: str = "") -> str:
    return (
        '<html><head><link rel="stylesheet" href="sheet.css">'
        f"<style>{inline}</style></head><body><p>Ningbo quays</p></body></html>"
    )


def _sheet(folder: Path, size_mm: int, extra: str = "") -> Path:
    sheet = folder / "sheet.css"
    sheet.write_text(
        f'@font-face {{ font-family: "Quay"; src: url("{FONT.as_uri()}"); }}'
        f" @page {{ size: {size_mm}mm {size_mm}mm; margin: 5mm; }}"
        f' p {{ font-family: "Quay"; }} {extra}'
    )
    return sheet


def _lay_out(folder: Path, html: str, name: str) -> tuple[Path, LaidDocument]:
    """One document in a session of its own (its own fonts), written to `name`."""
    policy = ResourcePolicy([folder, builtin_fonts()])
    with LayoutSession(folder.as_uri() + "/", policy, RenderOptions()) as session:
        laid = session.document(html)
    assert laid.pdf is not None
    path = folder / name
    path.write_bytes(laid.pdf)
    return path, laid


def _mm(points: float) -> float:
    return round(points / 72 * 25.4)


def test_a_stylesheet_is_parsed_once_and_its_fonts_and_files_count_each_time(
    tmp_path: Path,
) -> None:
    _sheet(tmp_path, 100)
    before = dict(weasy.parse_counts)
    first, laid_first = _lay_out(tmp_path, _document(), "first.pdf")
    second, laid_second = _lay_out(tmp_path, _document(), "second.pdf")
    assert weasy.parse_counts["reused"] > before["reused"], "WeasyPrint no longer calls it"
    for path, laid in ((first, laid_first), (second, laid_second)):
        assert [(_mm(w), _mm(h)) for w, h in page_sizes(path)] == [(100, 100)]
        assert {f.split("+")[-1] for f in fonts_of(path, "Ningbo")} == {"Quay-Bold"}
        loaded = dict(laid.loaded)  # what the part cache's key is made of
        assert (tmp_path / "sheet.css").as_uri() in loaded
        assert FONT.as_uri() in loaded


def test_an_edited_stylesheet_is_read_anew(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path, 100)
    first, _ = _lay_out(tmp_path, _document(), "first.pdf")
    _sheet(tmp_path, 120)
    os.utime(sheet, ns=(1, 1))  # not even the time tells it apart: the text does
    second, _ = _lay_out(tmp_path, _document(), "second.pdf")
    assert [(_mm(w), _mm(h)) for w, h in page_sizes(first)] == [(100, 100)]
    assert [(_mm(w), _mm(h)) for w, h in page_sizes(second)] == [(120, 120)]


def test_a_later_style_element_still_wins_over_a_reused_sheet(tmp_path: Path) -> None:
    """The reused sheet stays an author stylesheet, in its place in the cascade."""
    _sheet(tmp_path, 100)
    _lay_out(tmp_path, _document(), "warm.pdf")
    later, _ = _lay_out(tmp_path, _document("@page { size: 80mm 80mm; }"), "later.pdf")
    assert [(_mm(w), _mm(h)) for w, h in page_sizes(later)] == [(80, 80)]


def test_a_sheet_that_warns_warns_for_every_document(tmp_path: Path) -> None:
    _sheet(tmp_path, 100, extra="p { colour: red; }")  # a property that does not exist
    said = [_lay_out(tmp_path, _document(), f"{n}.pdf")[1].messages for n in range(2)]
    assert all(any("colour" in message for message in messages) for messages in said), said
