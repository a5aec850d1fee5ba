"""Reading back what a real PDF holds: text, outline, page sizes, metadata, fonts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium

MM = 72 / 25.4


@dataclass(frozen=True)
class Bookmark:
    """One outline entry: its depth, label and the 1-based page it opens."""

    level: int
    title: str
    page: int


def page_texts(path: Path) -> list[str]:
    """The text of every page, in order."""
    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def outline(path: Path) -> list[Bookmark]:
    """The document outline (bookmarks)."""
    pdf = pdfium.PdfDocument(path)
    try:
        marks = []
        for item in pdf.get_toc():
            dest = item.get_dest()
            page = dest.get_index() + 1 if dest is not None else 0
            marks.append(Bookmark(item.level + 1, item.get_title(), page))
        return marks
    finally:
        pdf.close()


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """Width and height of each page, in points."""
    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].get_size() for i in range(len(pdf))]
    finally:
        pdf.close()


def metadata(path: Path) -> dict[str, str]:
    """The document information dictionary."""
    pdf = pdfium.PdfDocument(path)
    try:
        return dict(pdf.get_metadata_dict())
    finally:
        pdf.close()


def catalog_language(path: Path) -> str | None:
    """The /Lang entry of the document catalog."""
    with pdfplumber.open(path) as pdf:
        value = pdf.doc.catalog.get("Lang")
        return value.decode() if isinstance(value, bytes) else value


def region_text(path: Path, page: int, top_mm: float, bottom_mm: float) -> str:
    """Text inside a horizontal band of a 1-based page, measured from the top in mm."""
    with pdfplumber.open(path) as pdf:
        p = pdf.pages[page - 1]
        band = p.crop((0, top_mm * MM, p.width, min(bottom_mm * MM, p.height)))
        return band.extract_text() or ""


def fonts_of(path: Path, text: str) -> set[str]:
    """The font names used to draw any character of `text`, anywhere in the document."""
    wanted = set(text)
    found: set[str] = set()
    with pdfplumber.open(path) as pdf:
        for p in pdf.pages:
            for ch in p.chars:
                if ch["text"] in wanted:
                    found.add(ch["fontname"].split("+")[-1])
    return found


def toc_entries(contents_text: str) -> dict[str, int]:
    """Parse `Title ..... 12` lines of the contents page."""
    entries = {}
    for line in contents_text.splitlines():
        match = re.match(r"^(.*?)[\s.\u2024\u2026]*?\s*(\d+)\s*$", line.strip())
        if match and "." in line:
            entries[match[1].rstrip(" .")] = int(match[2])
    return entries


def fonts_of_word(path: Path, word: str) -> set[str]:
    """The fonts of every occurrence of a whole word, anywhere in the document."""
    found: set[str] = set()
    with pdfplumber.open(path) as pdf:
        for p in pdf.pages:
            for w in p.extract_words(extra_attrs=["fontname"]):
                if w["text"] == word:
                    found.add(w["fontname"].split("+")[-1])
    return found
