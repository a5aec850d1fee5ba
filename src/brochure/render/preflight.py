"""Checks on a rendered pack before it is written: report every problem at once."""

from __future__ import annotations

import functools
import html as html_mod
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from ..content.models import Profile
from ..wording import CJK

#: Raster images printed at less than this resolution are reported in the print profile.
MIN_PRINT_DPI = 150


_TAG = re.compile(r"<[^>]+>")


class _Chapters(HTMLParser):
    """The text of each chapter (`<section class="chapter ..." id=...>`) outside its h1."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, list[str]] = {}
        self._open: list[str | None] = []  # the chapter id each open section starts, or None
        self._heading = 0  # depth inside an h1

    def _chapter(self) -> str | None:
        return next((c for c in reversed(self._open) if c is not None), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            found = dict(attrs)
            classes = (found.get("class") or "").split()
            ident = found.get("id") if "chapter" in classes else None
            self._open.append(ident)
            if ident is not None:
                self.texts.setdefault(ident, [])
        elif tag == "h1" and self._chapter() is not None:
            self._heading += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._open:
            self._open.pop()
        elif tag == "h1" and self._heading:
            self._heading -= 1

    def handle_data(self, data: str) -> None:
        chapter = self._chapter()
        if chapter is not None and not self._heading:
            self.texts[chapter].append(data)


def empty_chapters(html: str) -> list[str]:
    """Chapters whose only text is their heading."""
    scan = _Chapters()
    scan.feed(html)
    scan.close()
    return [
        f"chapter #{anchor} is empty"
        for anchor, parts in scan.texts.items()
        if len(" ".join(" ".join(parts).split())) < 3
    ]


def broken_links(anchors: Iterable[str], targets: Iterable[str]) -> list[str]:
    """Internal links (contents entries, cross-references) whose target does not exist."""
    known = set(anchors)
    return [f"link to #{t} points nowhere" for t in dict.fromkeys(targets) if t not in known]


def low_resolution(images: Iterable[tuple[str, float]], profile: Profile) -> list[str]:
    """Images printed below MIN_PRINT_DPI, in the print profile only."""
    if not profile.rules.checks_print_resolution:
        return []
    return [
        f"image {url} prints at {dpi:.0f} dpi, under {MIN_PRINT_DPI} dpi"
        for url, dpi in images
        if dpi < MIN_PRINT_DPI
    ]


@functools.cache
def _cmap(font: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # WeasyPrint's dependency: loaded only when asked

    with TTFont(font, lazy=True) as opened:
        return frozenset(opened.getBestCmap())


def missing_glyphs(html: str, font: Path) -> list[str]:
    """Chinese characters in the pack's text that the CJK font cannot draw."""
    text = html_mod.unescape(_TAG.sub(" ", html))
    wanted = dict.fromkeys(CJK.findall(text))
    cmap = _cmap(font)
    return [
        f"character {ch} (U+{ord(ch):04X}) is not in the CJK font {font.name}"
        for ch in wanted
        if ord(ch) not in cmap
    ]
