"""Checks on a rendered pack before it is written: report every problem at once."""

from __future__ import annotations

import functools
import html as html_mod
import re
from collections.abc import Iterable
from pathlib import Path

from ..content.models import Profile
from ..wording import CJK

#: Raster images printed at less than this resolution are reported in the print profile.
MIN_PRINT_DPI = 150

_CHAPTER = re.compile(r'<section class="chapter[^"]*" id="([^"]+)">(.*?)</section>', re.S)
_TAG = re.compile(r"<[^>]+>")


def empty_chapters(html: str) -> list[str]:
    """Chapters whose only text is their heading."""
    found = []
    for anchor, body in _CHAPTER.findall(html):
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
        rest = body.replace(heading.group(0), "") if heading else body
        if len(" ".join(_TAG.sub(" ", rest).split())) < 3:
            found.append(f"chapter #{anchor} is empty")
    return found


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
