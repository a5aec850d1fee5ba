"""A long pack as parts: split its HTML where chapters begin, and build each part's document.

WeasyPrint keeps every laid-out page of a document in memory until the PDF is written, so
a 300-page pack needs about 2.5 MB a page. A long pack is therefore laid out part by part:

- the *front* (cover and contents) is laid out first to count its pages, then once more at
  the end, when the page of every chapter is known (its contents page numbers need them);
- each *part* (a few chapters) is laid out once, with an empty page in front of it that
  puts its first page on the side (left or right) it has in the whole pack and keeps
  `@page :first` for the real first page;
- every document gets *stub* pages for the anchors it links to but does not hold, so that
  `target-counter()` and links resolve; stubs are dropped when the parts are stitched;
- running heads and feet (the page margin boxes) are left out of every part and drawn by a
  *chrome* document of the whole pack's length, which repeats each page's name, side and
  `string-set` values; its pages are laid over the parts' pages (see stitch.py).

Templates mark where a part may begin with PART_MARKER (see templates/pack.html). What comes
before the first marker (the running elements) is repeated in the front and the chrome;
what lies between the first and second markers is the front.
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from ..pages import PageFacts

#: Where a template allows a new part to begin: at the start of a chapter, on a new page.
PART_MARKER = "<!--brochure:part-->"

#: A pack whose content weighs more than this is laid out in parts (see `weight`). Laid out
#: whole, a pack needs about 105 MB plus 0.52 MB per 1,000 of weight, and has about 0.25
#: pages per 1,000 in the built-in look on A4 (bench/bench_pages.py measures both): past
#: about 170,000 it would need more than 150 MB plus 1 MB a page.
WHOLE_MAX_WEIGHT = 150_000
#: The most a part may weigh (a heavier chapter is a part of its own): about 20 A4 pages
#: and 40 MB of layout.
PART_MAX_WEIGHT = 80_000

#: The 16 page-margin boxes of CSS Paged Media.
MARGIN_BOXES = (
    "top-left-corner",
    "top-left",
    "top-center",
    "top-right",
    "top-right-corner",
    "right-top",
    "right-middle",
    "right-bottom",
    "bottom-right-corner",
    "bottom-right",
    "bottom-center",
    "bottom-left",
    "bottom-left-corner",
    "left-bottom",
    "left-middle",
    "left-top",
)
#: Page names brochure gives its own pages; a stub page's name starts with STUB_PAGE.
STUB_PAGE = "brochure-stub"
END_PAGE = "brochure-end"
#: The page number a stub gives an anchor of a later part, not laid out yet: a part that
#: shows it refers forward, and is laid out again once every page is known.
UNKNOWN_PAGE = 987_654_321

_SHELL = re.compile(r"(?is)^(.*?)(</head\s*>)\s*(<body\b[^>]*>)(.*)</body\s*>\s*</html\s*>\s*$")
_SVG = re.compile(r"(?is)<svg\b.*?</svg\s*>")
_ID = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""")
_HREF = re.compile(r"""\bhref\s*=\s*["']#([^"']+)["']""")
#: The side a page faces, and the side the next one faces.
OTHER_SIDE = {"left": "right", "right": "left"}
_IDENT = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")
_CSS_COMMENT = re.compile(r"(?s)/\*.*?\*/")
_TARGET_TEXT = re.compile(r"(?i)\btarget-text\s*\(")
#: target-counter(s)( <url>, <counter> ...: the counter's name.
_TARGET_COUNTER = re.compile(
    r"""(?i)\btarget-counters?\s*\(\s*(?:attr\([^)]*\)|url\([^)]*\)|"[^"]*"|'[^']*'|[^,)]*)"""
    r"\s*,\s*(-?[A-Za-z_][\w-]*)"
)

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
#: Elements whose end tag HTML lets an author leave out.
_OPTIONAL_END = frozenset(
    [
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "option",
        "colgroup",
        "caption",
    ]
)


@dataclass(frozen=True)
class Segment:
    """A run of top-level elements between two part markers."""

    html: str
    ids: frozenset[str]
    links: frozenset[str]
    weight: int

    @classmethod
    def of(cls, fragment: str) -> Segment:
        """Read a fragment's anchors, internal links and weight."""
        return cls(
            fragment,
            frozenset(htmlmod.unescape(i) for i in _ID.findall(fragment)),
            frozenset(htmlmod.unescape(h) for h in _HREF.findall(fragment)),
            weight(fragment),
        )


@dataclass(frozen=True)
class SplitPack:
    """A pack's HTML cut at its part markers."""

    head: str  # everything before </head>
    body_open: str  # the <body ...> tag
    prefix: str  # running elements: repeated in the front and the chrome
    front: Segment
    chapters: tuple[Segment, ...]

    @property
    def weight(self) -> int:
        """The weight of the whole pack."""
        return self.front.weight + sum(c.weight for c in self.chapters)

    @property
    def ids(self) -> frozenset[str]:
        """Every anchor of the pack."""
        return self.front.ids.union(*(c.ids for c in self.chapters))


def weight(fragment: str) -> int:
    """How much layout a fragment costs: its markup, with inline SVG counted at a quarter.

    SVG pictures take many bytes of markup but little layout; text, tables and lists are
    what WeasyPrint's memory grows with.
    """
    svg = sum(len(m) for m in _SVG.findall(fragment))
    return len(fragment) - svg + svg // 4


def split_pack(html: str) -> SplitPack | None:
    """Cut a pack at its part markers; None if it has no front and chapters to cut."""
    shell = _SHELL.match(html)
    if shell is None:
        return None
    head, _, body_open, body = shell.groups()
    pieces = body.split(PART_MARKER)
    if len(pieces) < 3 or not all(_balanced(p) for p in pieces):
        return None
    chapters = tuple(Segment.of(p) for p in pieces[2:] if p.strip())
    if not chapters:
        return None
    return SplitPack(head, body_open, pieces[0], Segment.of(pieces[1]), chapters)


def cannot_cut(styles: Iterable[str]) -> str | None:
    """Why a pack with these stylesheets (or inline styles) cannot be laid out in parts.

    `target-counter(..., page)` works across parts (stubs carry the page numbers); the text
    of an element in another part and counters other than `page` do not.
    """
    for css in styles:
        css = _CSS_COMMENT.sub("", css)
        if _TARGET_TEXT.search(css):
            return "its styles use target-text(), which reads text from other chapters"
        for name in _TARGET_COUNTER.findall(css):
            if name.lower() != "page":
                return (
                    f"its styles use target-counter() with the counter {name!r}, "
                    "which counts across chapters"
                )
    return None


def group_chapters(
    chapters: Sequence[Segment], max_weight: int = PART_MAX_WEIGHT
) -> list[tuple[Segment, ...]]:
    """Consecutive chapters in parts of at most `max_weight` (a heavier chapter stands alone)."""
    groups: list[tuple[Segment, ...]] = []
    current: list[Segment] = []
    for chapter in chapters:
        if current and sum(c.weight for c in current) + chapter.weight > max_weight:
            groups.append(tuple(current))
            current = []
        current.append(chapter)
    if current:
        groups.append(tuple(current))
    return groups


class _Balance(HTMLParser):
    """Checks that a fragment closes every element it opens, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <br/>, <path ... />: opens nothing

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        while self.stack and self.stack[-1] != tag and self.stack[-1] in _OPTIONAL_END:
            self.stack.pop()
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.ok = False


def _balanced(fragment: str) -> bool:
    """Whether a fragment closes what it opens, so that it can stand in its own document."""
    checker = _Balance()
    checker.feed(fragment)
    checker.close()
    return checker.ok and all(tag in _OPTIONAL_END for tag in checker.stack)


# Documents -----------------------------------------------------------------------------

_NO_MARGIN_BOXES = (
    "@page {" + "".join(f" @{b} {{ content: none !important; }}" for b in MARGIN_BOXES) + " }"
)
_LEAD_CSS = ".brochure-lead { break-after: page; height: 0; margin: 0; padding: 0; border: 0; }"
_END = f'<div style="page: {END_PAGE}; break-before: page"></div>'
_CHROME_CSS = (
    "@page { background: transparent !important; border-color: transparent !important;"
    " box-shadow: none !important; marks: none !important; }"
    " html, body { background: transparent !important; }"
    " .brochure-chrome { height: 0 !important; margin: 0 !important; padding: 0 !important;"
    " border: 0 !important; overflow: hidden; visibility: hidden; }"
)


def _document(split: SplitPack, css: str, body: str) -> str:
    return f"{split.head}<style>{css}</style></head>{split.body_open}{body}</body></html>"


def stubs(targets: Mapping[str, int | None]) -> str:
    """A page holding the anchors a document links to but does not contain.

    Each anchor resets a `page` counter of its own to its page number (UNKNOWN_PAGE where
    not known yet), which is what `target-counter(..., page)` then reads: one page serves
    every target.
    """
    if not targets:
        return ""
    spans = "".join(
        f'<span id="{htmlmod.escape(anchor, quote=True)}" style="counter-reset: page '
        f'{UNKNOWN_PAGE if page is None else page}"></span>'
        for anchor, page in sorted(targets.items())
    )
    return f'<div style="page: {STUB_PAGE}; break-before: page">{spans}</div>'


def front_document(split: SplitPack, targets: Mapping[str, int | None]) -> str:
    """The front (cover, contents) with the prefix, without margin boxes, then an end page.

    The end page makes a blank page that the front's own breaks call for appear here, as
    it would in the whole pack; the stubs follow it.
    """
    body = split.prefix + split.front.html + _END + stubs(targets)
    return _document(split, _NO_MARGIN_BOXES, body)


def part_document(
    split: SplitPack,
    chapters: Sequence[Segment],
    first_side: str,
    targets: Mapping[str, int | None],
    last: bool,
    first_page: int,
) -> str:
    """Some chapters as their own document, their first page on `first_side`, numbered
    `first_page` (so that `target-counter()` within the part gives the pack's numbers).

    A lead page comes first, on the other side; an end page follows unless the part is the
    last (a whole pack does not end on a blank page); then the stubs.
    """
    lead_side = OTHER_SIDE[first_side]
    body = (
        '<div class="brochure-lead"></div>'
        + "".join(c.html for c in chapters)
        + ("" if last else _END)
        + stubs(targets)
    )
    css = (
        f"{_NO_MARGIN_BOXES} {_LEAD_CSS} html {{ break-before: {lead_side}; }}"
        f" @page :first {{ counter-set: page {first_page - 1}; }}"
    )
    return _document(split, css, body)


def chrome_document(split: SplitPack, pages: Sequence[PageFacts]) -> str:
    """A document with the pack's margin boxes only: one empty page per page of the pack.

    Each page has the name the pack's page had, the strings it set, and (for a blank page)
    the break that made it, so that every margin box gets the same content and geometry.
    """
    names = sorted({n for p in pages for n, _ in p.strings if _IDENT.match(n)})
    css = [_CHROME_CSS]
    css += [
        f'.brochure-chrome [data-string="{n}"] {{ string-set: {n} content(text); }}' for n in names
    ]
    body = [split.prefix]
    after_blank = False
    for number, page in enumerate(pages):
        if page.blank:
            after_blank = True
            continue
        brk = "auto" if number == 0 else page.side if after_blank else "page"
        after_blank = False
        name = page.name if _IDENT.match(page.name) else "auto"
        strings = "".join(
            f'<div data-string="{htmlmod.escape(n)}">{htmlmod.escape(t)}</div>'
            for n, t in page.strings
            if _IDENT.match(n)
        )
        body.append(
            f'<div class="brochure-chrome" style="page: {name}; break-before: {brk}">'
            f"{strings}</div>"
        )
    return _document(split, " ".join(css), "".join(body))


def external_targets(
    split: SplitPack, segments: Iterable[Segment], known: Mapping[str, int]
) -> dict[str, int | None]:
    """The anchors `segments` link to that another part holds, with their page where known.

    A link to an anchor the pack does not have at all gets no stub: WeasyPrint drops it, as
    it would in the whole pack, and preflight reports it.
    """
    segments = list(segments)
    ids = set().union(*(s.ids for s in segments))
    links = set().union(*(s.links for s in segments))
    return {a: known.get(a) for a in sorted((links - ids) & split.ids)}
