"""What the fronts laid out in this process looked like, to skip the front's draft.

A pack laid out in parts lays its front (cover and contents) out twice: a draft, for its
length, its first side and the page of each of its anchors, then again with every
chapter's page number. Packs of a batch (and rebuilds in `--watch`) often have fronts
that differ only in their text: another traveller's name on the cover. Such a front has
the same shape as one laid out before, so the draft can be skipped: the front is laid out
once, with the numbers the earlier shape gives, and checked against that shape; where it
differs, it becomes the draft and is laid out again. A process that lays documents out one
after another (a batch worker) guesses a front it has never seen from the last one it
laid out: a wrong guess costs what the draft would have.

The key is the front's markup without its text (the text of `<style>` is kept): tags,
attributes, links and stylesheets. Text can change a front's length, which is why a
shape is only ever a guess that the layout confirms.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from ...recent import Recent
from ..pages import LaidPage, PageFacts


@dataclass(frozen=True)
class FrontShape:
    """A front as laid out: each kept page's facts and anchors."""

    pages: tuple[tuple[PageFacts, tuple[str, ...]], ...]

    @classmethod
    def of(cls, pages: Sequence[LaidPage]) -> FrontShape:
        return cls(tuple((page.facts, page.anchors) for page in pages))

    @property
    def first_side(self) -> str:
        return self.pages[0][0].side

    def agrees(self, laid: FrontShape, sided: bool) -> bool:
        """Whether a front laid out as `laid` confirms this guess: the same pages, each with
        the same name, blankness and anchors; on the same sides where the pack is sided.
        (Their strings may differ: a wrong guess of them costs only the running heads,
        which are checked against the pages anyway.)"""

        def view(shape: FrontShape) -> list[tuple[object, ...]]:
            return [
                (facts.name, facts.blank, anchors, facts.side if sided else "")
                for facts, anchors in shape.pages
            ]

        return view(self) == view(laid)


class _Markup(HTMLParser):
    """Feeds a digest with a document's tags and attributes, and the text of its styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.digest = hashlib.sha256()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.digest.update(repr((tag, attrs)).encode())
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.digest.update(f"</{tag}>".encode())
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.digest.update(data.encode())


def markup_key(html: str) -> str:
    """A digest of `html` without its text (see the module's docstring)."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.digest.hexdigest()


#: The shapes of the fronts this process laid out, by markup_key.
_SHAPES: Recent[str, FrontShape] = Recent(64)


def known_shape(key: str) -> FrontShape | None:
    """The shape a front with this markup had when last laid out here."""
    return _SHAPES.get(key)


def latest_shape() -> FrontShape | None:
    """The shape of the front this process laid out last, whatever its markup: the guess
    for a front never seen here (another route of a batch has the same kind of front,
    most often as long)."""
    return _SHAPES[next(reversed(_SHAPES))] if _SHAPES else None


def remember_shape(key: str, shape: FrontShape) -> None:
    """Keep the shape a front with this markup turned out to have."""
    _SHAPES[key] = shape  # the most recent now: latest_shape


def forget_shapes() -> None:
    """Forget every shape (for tests)."""
    _SHAPES.clear()
