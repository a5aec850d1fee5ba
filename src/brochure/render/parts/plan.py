"""A long pack as parts: the plan (whole or parts, and why), and each part's document.

Everything here is pure: strings in, strings and values out, nothing laid out. The plan
is `plan_layout(html, styles, layout, policy)`; layout.py lays the documents out.

WeasyPrint keeps every laid-out page of a document in memory until the PDF is written, so
a 300-page pack needs about 2.5 MB a page. A long pack is therefore laid out part by part:

- the *front* (cover and contents) is laid out first to count its pages, then once more at
  the end, when the page of every chapter is known (its contents page numbers need them);
- each *part* (a few chapters) is laid out once, with an empty page in front of it that
  puts its first page on the side (left or right) it has in the whole pack and keeps
  `@page :first` for the real first page;
- every document gets *stub* pages for the anchors it links to but does not hold, so that
  `target-counter()` and links resolve; stubs are dropped when the parts are stitched. A
  part is laid out with the page numbers known so far; when the styles print page numbers
  (`target-counter(..., page)`), the parts whose targets' numbers then changed are laid
  out again once every number is known;
- running heads and feet (the page margin boxes) are left out of every part and drawn by a
  *chrome* document of the whole pack's length, which repeats each page's name, side and
  `string-set` values; its pages are laid over the parts' pages (see stitch.py).

Templates mark where a part may begin with PART_MARKER (see templates/pack.html). What comes
before the first marker (the running elements) is repeated in the front and the chrome;
what lies between the first and second markers is the front.
"""

from __future__ import annotations

import hashlib
import html as htmlmod
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from ...content.models import Layout
from ...errors import RenderError
from ...recent import Recent
from ..pages import PageFacts

#: Where a template allows a new part to begin: at the start of a chapter, on a new page.
PART_MARKER = "<!--brochure:part-->"

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

_SHELL = re.compile(r"(?is)^(.*?)(</head\s*>)\s*(<body\b[^>]*>)(.*)</body\s*>\s*</html\s*>\s*$")
_SVG = re.compile(r"(?is)<svg\b.*?</svg\s*>")
_METADATA = re.compile(r"(?is)<title\b[^>]*>.*?</title\s*>\s*|<meta\s+name\s*=[^>]*>\s*")
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
class PartPolicy:
    """When a pack is laid out in parts, and how much a part may hold (see `weight`).

    Laid out whole, a pack needs about 104 MB plus 0.35 MB per 1,000 of weight, and has
    0.16 to 0.19 pages per 1,000 in the built-in look on A4 (measured on packs of 131,000
    to 237,000 with the content of December 2026; bench/bench_pages.py measures both): past
    about 235,000 it would need more than 150 MB plus 1 MB a page. A part of 80,000 is
    about 20 A4 pages and 40 MB of layout; a heavier chapter is a part of its own.
    """

    whole_max_weight: int = 200_000
    part_max_weight: int = 80_000
    #: Cut every pack at its chapters, whatever its length, so that each part can be
    #: taken from the part cache (see render/cache.py) when it did not change.
    reuse: bool = False
    #: With `reuse`: short chapters in a row share a part until it weighs this much (each
    #: document costs its stylesheets and fonts anew); a heavier chapter stands alone.
    reuse_weight: int = 8_000


@dataclass(frozen=True)
class Segment:
    """A run of top-level elements between two part markers."""

    html: str
    ids: frozenset[str]
    links: frozenset[str]
    weight: int

    @classmethod
    def of(cls, fragment: str, scan: _Found | None = None) -> Segment:
        """Read a fragment's anchors (`id`), internal links (`href="#..."`) and weight
        (from `scan`, the fragment already scanned, if given)."""
        scan = scan or _scan(fragment)
        return cls(fragment, scan.ids, scan.links, scan.weight)


@dataclass(frozen=True)
class SplitPack:
    """A pack's HTML cut at its part markers."""

    head: str  # everything before </head>
    body_open: str  # the <body ...> tag
    prefix: str  # running elements: repeated in the front and the chrome
    front: Segment
    chapters: tuple[Segment, ...]

    @property
    def part_head(self) -> str:
        """The head without the pack's title and named meta tags: parts and the chrome only
        lend the finished PDF their pages (its metadata is the front's), and without them
        a chapter's documents are the same in every pack that holds the chapter."""
        return _METADATA.sub("", self.head)

    @property
    def pieces(self) -> list[str]:
        """The pack's markup in pieces, all of it but the part markers and closing tags."""
        return [self.head, self.body_open, self.prefix, self.front.html] + [
            c.html for c in self.chapters
        ]

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
    if len(pieces) < 3:
        return None
    scans = [_scan(p) for p in pieces]
    if not all(scan.balanced for scan in scans):
        return None
    found = zip(pieces[2:], scans[2:], strict=True)
    chapters = tuple(Segment.of(p, scan) for p, scan in found if p.strip())
    if not chapters:
        return None
    return SplitPack(head, body_open, pieces[0], Segment.of(pieces[1], scans[1]), chapters)


@dataclass(frozen=True)
class LayoutPlan:
    """How one pack is laid out, and why: whole, or in parts (`split` and `groups`)."""

    reason: str
    split: SplitPack | None = None
    groups: tuple[tuple[Segment, ...], ...] = ()
    page_references: bool = False  # the styles print page numbers of other elements
    sided: bool = False  # the styles tell left pages from right ones (or break to one)


def plan_layout(
    html: str, styles: Sequence[str], layout: Layout, policy: PartPolicy | None = None
) -> LayoutPlan:
    """Whole or in parts, as `layout` asks and `policy` allows; `styles` are the CSS texts.

    Raises RenderError when `layout` asks for parts that the pack cannot be cut into.
    """
    policy = policy or PartPolicy()
    if layout is Layout.whole:
        return LayoutPlan("asked for whole (--layout whole)")
    reuse = policy.reuse and layout is Layout.auto
    size = 0 if reuse else weight(html)
    if layout is not Layout.parts and not reuse and size <= policy.whole_max_weight:
        return LayoutPlan(f"short: weighs {size:,}, at most {policy.whole_max_weight:,}")
    split = split_pack(html)
    # The pack's markup is read piece by piece: its chapters are the same from pack to pack.
    sheets = [*split.pieces, *styles] if split is not None else [html, *styles]
    why_not = (
        "its templates have no part markers "
        f"({PART_MARKER}) or a part does not close the elements it opens"
        if split is None
        else cannot_cut(sheets)
    )
    if why_not is not None:
        if layout is Layout.parts:
            hint = "" if split is None else "; use --layout whole"
            raise RenderError(f"this pack cannot be laid out in parts: {why_not}{hint}")
        return LayoutPlan(f"whole: {why_not}")  # right in one piece rather than wrong in parts
    assert split is not None
    if layout is Layout.parts:
        reason = "asked for parts (--layout parts)"
    elif reuse:
        reason = "cut at its chapters, so that each part can come from the part cache"
    else:
        reason = f"long: weighs {size:,}, over {policy.whole_max_weight:,}"
    if reuse:
        groups = tuple(group_short_chapters(split.chapters, policy.reuse_weight))
    else:
        groups = tuple(group_chapters(split.chapters, policy.part_max_weight))
    return LayoutPlan(reason, split, groups, prints_page_numbers(sheets), is_sided(sheets))


def cannot_cut(styles: Iterable[str]) -> str | None:
    """Why a pack with these stylesheets (or inline styles) cannot be laid out in parts.

    `target-counter(..., page)` works across parts (stubs carry the page numbers); the text
    of an element in another part and counters other than `page` do not.
    """
    return next((f.refusal for css in styles if (f := _style_facts(css)).refusal), None)


def prints_page_numbers(styles: Iterable[str]) -> bool:
    """Whether the styles print the page number of another element (`target-counter`)."""
    return any(_style_facts(css).page_numbers for css in styles)


_SIDED = re.compile(
    r"(?i)@page[^{]*:(?:left|right|recto|verso)\b"
    r"|\b(?:page-)?break-(?:before|after)\s*:\s*(?:left|right|recto|verso)\b"
)


def is_sided(styles: Iterable[str]) -> bool:
    """Whether the styles make left and right pages differ (`@page :left`, breaks to a side).

    When they do not, a part is laid out the same wherever it starts.
    """
    return any(_style_facts(css).sided for css in styles)


@dataclass(frozen=True)
class _StyleFacts:
    """What a stylesheet, or markup with inline styles, asks of a layout in parts."""

    refusal: str | None  # why it cannot be laid out in parts (see cannot_cut)
    page_numbers: bool  # it prints page numbers of other elements
    sided: bool  # its left and right pages differ


#: Style facts of texts read in this process, by their SHA-256 (see _SCANNED).
_STYLED: Recent[bytes, _StyleFacts] = Recent(1024)


def _style_facts(css: str) -> _StyleFacts:
    key = hashlib.sha256(css.encode()).digest()
    facts = _STYLED.get(key)
    if facts is None:
        facts = _STYLED[key] = _read_style(_CSS_COMMENT.sub("", css))
    return facts


def _read_style(css: str) -> _StyleFacts:
    names = _TARGET_COUNTER.findall(css)
    other = next((name for name in names if name.lower() != "page"), None)
    refusal = None
    if _TARGET_TEXT.search(css):
        refusal = "its styles use target-text(), which reads text from other chapters"
    elif other is not None:
        refusal = (
            f"its styles use target-counter() with the counter {other!r}, "
            "which counts across chapters"
        )
    page_numbers = any(name.lower() == "page" for name in names)
    return _StyleFacts(refusal, page_numbers, _SIDED.search(css) is not None)


def group_chapters(chapters: Sequence[Segment], max_weight: int) -> list[tuple[Segment, ...]]:
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


def group_short_chapters(chapters: Sequence[Segment], min_weight: int) -> list[tuple[Segment, ...]]:
    """A part for each chapter of at least `min_weight`; shorter chapters in a row share
    a part until it weighs that much."""
    groups: list[tuple[Segment, ...]] = []
    current: list[Segment] = []
    for chapter in chapters:
        if chapter.weight >= min_weight:
            groups += [tuple(current)] if current else []
            groups.append((chapter,))
            current = []
            continue
        current.append(chapter)
        if sum(c.weight for c in current) >= min_weight:
            groups.append(tuple(current))
            current = []
    if current:
        groups.append(tuple(current))
    return groups


class _Scan(HTMLParser):
    """One pass over a fragment: its ids, its links within the pack, and whether it
    closes every element it opens, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True
        self.ids: set[str] = set()
        self.links: set[str] = set()

    def _attributes(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name == "href" and value.startswith("#") and len(value) > 1:
                self.links.add(value[1:])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attributes(attrs)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attributes(attrs)  # <br/>, <path ... />: opens nothing

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        while self.stack and self.stack[-1] != tag and self.stack[-1] in _OPTIONAL_END:
            self.stack.pop()
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.ok = False

    @property
    def balanced(self) -> bool:
        """Whether the fragment can stand in its own document."""
        return self.ok and all(tag in _OPTIONAL_END for tag in self.stack)


@dataclass(frozen=True)
class _Found:
    """What a scan of a fragment found."""

    ids: frozenset[str]
    links: frozenset[str]
    balanced: bool
    weight: int


#: Fragments scanned in this process, by their SHA-256: a batch's packs on one route, and
#: --watch's rebuilds, are cut into the same chapters again and again.
_SCANNED: Recent[bytes, _Found] = Recent(1024)


def _scan(fragment: str) -> _Found:
    key = hashlib.sha256(fragment.encode()).digest()
    found = _SCANNED.get(key)
    if found is None:
        scanner = _Scan()
        scanner.feed(fragment)
        scanner.close()
        ids, links = frozenset(scanner.ids), frozenset(scanner.links)
        found = _Found(ids, links, scanner.balanced, weight(fragment))
        _SCANNED[key] = found
    return found


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


def _document(split: SplitPack, css: str, body: str, *, front: bool = False) -> str:
    head = split.head if front else split.part_head
    return f"{head}<style>{css}</style></head>{split.body_open}{body}</body></html>"


def stubs(targets: Mapping[str, int]) -> str:
    """A page holding the anchors a document links to but does not contain.

    Each anchor resets a `page` counter of its own to its page number, which is what
    `target-counter(..., page)` then reads: one page serves every target.
    """
    if not targets:
        return ""
    spans = "".join(
        f'<span id="{htmlmod.escape(anchor, quote=True)}" style="counter-reset: page '
        f'{page}"></span>'
        for anchor, page in sorted(targets.items())
    )
    return f'<div style="page: {STUB_PAGE}; break-before: page">{spans}</div>'


def front_document(split: SplitPack, targets: Mapping[str, int]) -> str:
    """The front (cover, contents) with the prefix, without margin boxes, then an end page.

    The end page makes a blank page that the front's own breaks call for appear here, as
    it would in the whole pack; the stubs follow it.
    """
    body = split.prefix + split.front.html + _END + stubs(targets)
    return _document(split, _NO_MARGIN_BOXES, body, front=True)


def part_document(
    split: SplitPack,
    chapters: Sequence[Segment],
    first_side: str,
    targets: Mapping[str, int],
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
