"""What brochure keeps of laid-out pages once WeasyPrint's document is gone.

Plain values, no WeasyPrint: the adapter (weasy.py) fills them in, long packs
(parts/) read them, and `outline` builds the bookmark tree from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: PDF points per CSS pixel.
PT_PER_PX = 0.75


@dataclass(frozen=True)
class PageFacts:
    """What the chrome document must repeat of one laid-out page."""

    name: str  # the page name ('' for none)
    side: str  # 'left' or 'right'
    blank: bool  # a blank page inserted for a left or right break
    strings: tuple[tuple[str, str], ...]  # string-set assignments on the page, in order


@dataclass(frozen=True)
class Bookmark:
    """One `bookmark-level` element on a page, where it begins (CSS px from the top left)."""

    level: int
    label: str
    x: float
    y: float
    closed: bool


@dataclass(frozen=True)
class LaidPage:
    """One laid-out page: its facts, anchors, internal links and bookmarks."""

    facts: PageFacts
    anchors: tuple[str, ...]
    links: tuple[str, ...]
    bookmarks: tuple[Bookmark, ...]
    height: float  # CSS px


@dataclass(frozen=True)
class PlacedImage:
    """A raster image as laid out: its pixels and the size it is printed at."""

    url: str
    pixels: tuple[int, int]
    inches: tuple[float, float]

    @property
    def dpi(self) -> float:
        """The lower of the horizontal and vertical resolutions."""
        return min(p / i for p, i in zip(self.pixels, self.inches, strict=True) if i > 0)


@dataclass(frozen=True)
class LaidDocument:
    """One document laid out (and written, unless only its pages were wanted), as values.

    This is what the part cache stores and what layout workers send back.
    """

    pages: tuple[LaidPage, ...]
    images: tuple[tuple[PlacedImage, ...], ...]  # the raster images of each page
    pdf: bytes | None
    messages: tuple[str, ...]  # the warnings WeasyPrint logged while laying it out
    loaded: tuple[tuple[str, str], ...]  # (URL, SHA-256) of the files its session loaded
    remote: bool = False  # its session fetched something from the network

    def images_of(self, keep: range) -> tuple[PlacedImage, ...]:
        """The raster images on the pages in `keep`."""
        return tuple(image for i in keep for image in self.images[i])


@dataclass(frozen=True)
class Outline:
    """One bookmark of the finished PDF: its label, where it opens, and what it holds."""

    title: str
    page: int  # 0-based, in the finished PDF
    x: float  # PDF points from the page's bottom-left corner
    y: float
    closed: bool
    children: tuple[Outline, ...]


@dataclass
class _Node:
    level: int
    title: str
    page: int
    x: float
    y: float
    closed: bool
    children: list[_Node]

    def freeze(self) -> Outline:
        kids = tuple(c.freeze() for c in self.children)
        return Outline(self.title, self.page, self.x, self.y, self.closed, kids)


def outline(pages: Sequence[LaidPage]) -> tuple[Outline, ...]:
    """The bookmark tree of `pages`: each bookmark holds the deeper ones that follow it.

    A skipped level nests one deeper only (an h3 after an h1 is the h1's child), and a
    bookmark shallower than the first is a root, as in WeasyPrint's own outline.
    """
    roots: list[_Node] = []
    open_: list[_Node] = []  # the bookmarks the next one may belong to, shallowest first
    for number, mark in _bookmarks(pages):
        page = pages[number]
        node = _Node(
            mark.level,
            mark.label,
            number,
            mark.x * PT_PER_PX,
            (page.height - mark.y) * PT_PER_PX,
            mark.closed,
            [],
        )
        while open_ and open_[-1].level >= mark.level:
            open_.pop()
        (open_[-1].children if open_ else roots).append(node)
        open_.append(node)
    return tuple(node.freeze() for node in roots)


def _bookmarks(pages: Sequence[LaidPage]) -> Iterable[tuple[int, Bookmark]]:
    return ((number, mark) for number, page in enumerate(pages) for mark in page.bookmarks)
