"""The WeasyPrint adapter: the only module that imports WeasyPrint or reads its private parts."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import cssselect2  # type: ignore[import-untyped]
import tinycss2
import weasyprint
import weasyprint.css
from weasyprint import CSS, HTML, Attachment
from weasyprint.images import RasterImage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse, select_source

from ..access import ResourcePolicy
from ..errors import BrochureError, RenderError, ResourceError
from .heap import fewer_collections
from .limits import Limits, bounded
from .pages import Bookmark, LaidDocument, LaidPage, PageFacts, PlacedImage

_LOGGER_NAME = "weasyprint"
#: Messages that say nothing about the document, only about the machine's libraries.
_BENIGN = ("Using fontTools instead of HarfBuzz-Subset",)
#: Messages (some logged as errors) that preflight reports in its own words (preflight.py).
_PREFLIGHT = ("No anchor #", "Content discarded: target points to undefined anchor")


@dataclass(frozen=True)
class Rendered:
    """A finished PDF, what WeasyPrint said while making it, and its internal links."""

    pdf: bytes
    pages: int
    warnings: tuple[str, ...]
    anchors: frozenset[str] = frozenset()
    internal_links: tuple[str, ...] = ()
    images: tuple[PlacedImage, ...] = ()
    parts: int = 1  # how many documents the pack was laid out in (see parts/layout.py)
    layout: str = ""  # why it was laid out whole or in parts (the layout plan's reason)


@dataclass(frozen=True)
class FileToAttach:
    """A file embedded in the PDF, such as the content a pack was built from."""

    name: str
    body: bytes
    description: str


@dataclass(frozen=True)
class RenderOptions:
    """Per-profile PDF settings."""

    limits: Limits = field(default_factory=Limits)
    variant: str | None = None
    attachments: tuple[FileToAttach, ...] = ()
    created: dt.datetime | None = None


#: What SafeFetcher.loaded records for a resource fetched from the network.
REMOTE = "remote"


class SafeFetcher(URLFetcher):  # type: ignore[misc]
    """A URL fetcher that only serves what a ResourcePolicy allows."""

    def __init__(self, policy: ResourcePolicy, loaded: dict[str, str] | None = None) -> None:
        super().__init__(
            fail_on_errors=True,
            allowed_protocols=("data", "file", "http", "https"),
            allow_redirects=False,  # an allowed host must not bounce us elsewhere
            timeout=10,
        )
        self.policy = policy
        #: URL -> SHA-256 of every file served (REMOTE for a network fetch).
        self.loaded = {} if loaded is None else loaded

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Serve data: URLs, allowed local files and allowed hosts; refuse the rest."""
        if self.policy.allows_data_url(url):
            return super().fetch(url, headers)
        if self.policy.allows_remote(url):
            self.loaded[url] = REMOTE
            try:
                return super().fetch(url, headers)
            except HTTPError as exc:  # redirects land here too: they are not followed
                exc.close()
                raise ResourceError(
                    f"could not fetch {url!r}: the server answered {exc.code} {exc.reason} "
                    "(redirects are not followed)"
                ) from None
        resource = self.policy.open(url)
        self.loaded[url] = hashlib.sha256(resource.body).hexdigest()
        return URLFetcherResponse(
            resource.path.as_uri(),
            resource.body,
            headers={"Content-Type": resource.mime_type},
        )


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _collect_logs() -> Iterator[_Collector]:
    """Collect what WeasyPrint logs, without touching anyone else's handlers."""
    logger = logging.getLogger(_LOGGER_NAME)
    collector = _Collector()
    old_level = logger.level
    logger.addHandler(collector)
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.setLevel(old_level)


#: What WeasyPrint raises when hostile or broken input defeats its layout code.
_LAYOUT_FAILURES = (
    ArithmeticError,
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    AssertionError,
    OSError,
)
_BROCHURE = str(Path(__file__).resolve().parents[1])


def _raised_by_brochure(exc: BaseException) -> bool:
    """Whether the innermost frame of `exc` is brochure's own code (a bug, not bad input)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename.startswith(_BROCHURE)


@contextmanager
def _session(limits: Limits) -> Iterator[_Collector]:
    """Collect WeasyPrint's logs and bound the time and memory of everything inside."""
    with _collect_logs() as logs, bounded(limits):
        yield logs


@contextmanager
def _weasyprint() -> Iterator[None]:
    """Around one call into WeasyPrint: turn what its layout code raises into our errors.

    Only WeasyPrint's own calls are guarded: an exception raised in brochure's code is a
    bug and goes on as it is. Collections are rarer meanwhile (see heap.py).
    """
    try:
        with fewer_collections():
            yield
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        if isinstance(cause, BrochureError):
            raise cause from None
        raise RenderError(f"could not load a resource: {exc}") from exc
    except RecursionError as exc:
        raise RenderError(
            "the document nests too deeply to lay out (thousands of nested elements?)"
        ) from exc
    except _LAYOUT_FAILURES as exc:
        if _raised_by_brochure(exc):
            raise
        raise RenderError(
            f"WeasyPrint could not lay out the document ({type(exc).__name__}: {exc}); "
            "look for extreme values in the stylesheets, such as a huge font-size"
        ) from exc


_EPOCH = "SOURCE_DATE_EPOCH"
_epoch_lock = threading.Lock()


@contextmanager
def _font_dates(created: dt.datetime | None) -> Iterator[None]:
    """Without HarfBuzz-Subset, WeasyPrint subsets with fontTools, which stamps each font
    it writes with the time unless SOURCE_DATE_EPOCH is set: while a PDF is written, it is
    set to the build's date (when the user has not set it), so the same pack gives the
    same bytes, and a part from the cache the bytes of the part laid out anew."""
    if created is None:
        yield
        return
    with _epoch_lock:  # threads writing at once: one sets the variable, the others wait
        if _EPOCH in os.environ:  # the user's
            yield
            return
        os.environ[_EPOCH] = str(int(created.timestamp()))
        try:
            yield
        finally:
            del os.environ[_EPOCH]


def _check(records: Sequence[logging.LogRecord], refusals: Sequence[str]) -> tuple[str, ...]:
    """What WeasyPrint said, as warnings; raise if it reported an error or a refusal."""
    if refusals:  # refusals WeasyPrint swallowed, e.g. inside an SVG image
        raise ResourceError(refusals[0], list(refusals[1:]))
    errors = [
        r.getMessage()
        for r in records
        if r.levelno >= logging.ERROR and not r.getMessage().startswith(_PREFLIGHT)
    ]
    if errors:
        raise RenderError("WeasyPrint reported errors while rendering", errors)
    return tuple(
        dict.fromkeys(
            message
            for r in records
            if r.levelno < logging.ERROR
            and not (message := r.getMessage()).startswith(_BENIGN + _PREFLIGHT)
        )
    )


def _attachments(options: RenderOptions) -> list[Attachment]:
    return [
        Attachment(
            string=a.body,
            name=a.name,
            description=a.description,
            created=options.created,
            modified=options.created,
            relationship="Source",
        )
        for a in options.attachments
    ]


def render_pdf(
    html: str, base_url: str, policy: ResourcePolicy, options: RenderOptions | None = None
) -> Rendered:
    """Lay out `html` as one document and return the PDF; any error WeasyPrint logs is fatal."""
    options = options or RenderOptions()
    with LayoutSession(base_url, policy, options) as session:
        return rendered_whole(session.document(html, attach=True))


def rendered_whole(laid: LaidDocument) -> Rendered:
    """A document laid out whole as a finished pack."""
    assert laid.pdf is not None
    pages = laid.pages
    anchors = frozenset(name for page in pages for name in page.anchors)
    links = tuple(link for page in pages for link in page.links)
    images = laid.images_of(range(len(pages)))
    return Rendered(laid.pdf, len(pages), laid.messages, anchors, links, images)


class LaidOut:
    """A laid-out document: its pages' facts now, its PDF on request."""

    def __init__(
        self, document: Any, variant: str | None, created: dt.datetime | None = None
    ) -> None:
        self._document = document
        self._variant = variant
        self._created = created
        self.pages = tuple(_laid_page(page) for page in document.pages)

    def images(self, keep: range) -> tuple[PlacedImage, ...]:
        """The raster images on the pages in `keep`."""
        return tuple(
            image for i in keep for image in _raster_images(_page_box(self._document.pages[i]))
        )

    def write(self, attachments: Sequence[Attachment] = ()) -> bytes:
        """The PDF of every page; the laid-out pages are let go afterwards."""
        with _weasyprint(), _font_dates(self._created):
            pdf = self._document.write_pdf(pdf_variant=self._variant, attachments=list(attachments))
        self._document = None
        assert isinstance(pdf, bytes)
        return pdf


class Fonts:
    """The fonts documents share: WeasyPrint's font set-up, and the files loaded into it.

    WeasyPrint loads an `@font-face` file once per set-up, so every file loaded so far is
    counted as loaded by each later document (see LaidDocument.loaded).
    """

    def __init__(self) -> None:
        self.config = FontConfiguration()
        self.loaded: dict[str, str] = {}  # URL -> SHA-256, or REMOTE


class LayoutSession:
    """Lays out the documents of one pack: one font set-up, one log, one time limit."""

    def __init__(
        self,
        base_url: str,
        policy: ResourcePolicy,
        options: RenderOptions,
        fonts: Fonts | None = None,
    ) -> None:
        self.base_url = base_url
        self.policy = policy
        self.options = options
        self._shared = fonts or Fonts()
        self._fonts = self._shared.config
        self._loaded = self._shared.loaded
        self._guard: Any = None
        self._logs: _Collector | None = None

    def __enter__(self) -> LayoutSession:
        self._guard = _session(self.options.limits)
        self._logs = self._guard.__enter__()
        return self

    def __exit__(self, *exc: Any) -> bool | None:
        guard, self._guard = self._guard, None
        result: bool | None = guard.__exit__(*exc)
        return result

    def layout(self, html: str, *, tagged: bool = True) -> LaidOut:
        """Lay out one document; `tagged=False` leaves out the PDF variant (and its tags)."""
        variant = self.options.variant if tagged else None
        fetcher = SafeFetcher(self.policy, self._loaded)
        with _weasyprint():
            document = HTML(string=html, base_url=self.base_url, url_fetcher=fetcher).render(
                font_config=self._fonts, pdf_variant=variant
            )
        return LaidOut(document, variant, self.options.created)

    def document(
        self, html: str, *, tagged: bool = True, write: bool = True, attach: bool = False
    ) -> LaidDocument:
        """Lay out one document and write its PDF (with the attachments if `attach`).

        Raises if WeasyPrint reported an error or a resource was refused meanwhile.
        """
        assert self._logs is not None
        records, refusals = len(self._logs.records), len(self.policy.refusals)
        laid = self.layout(html, tagged=tagged)
        images = tuple(laid.images(range(i, i + 1)) for i in range(len(laid.pages)))
        pdf = laid.write(self.attachments() if attach else ()) if write else None
        messages = _check(self._logs.records[records:], self.policy.refusals[refusals:])
        loaded = self._loaded
        remote = REMOTE in loaded.values()
        return LaidDocument(
            laid.pages, images, pdf, messages, tuple(sorted(loaded.items())), remote
        )

    def attachments(self) -> list[Attachment]:
        """The files to embed in the finished PDF."""
        return _attachments(self.options)


def engine() -> str:
    """The versions of what lays documents out and writes them: WeasyPrint, pydyf, Pango."""
    import pydyf
    from weasyprint.text.ffi import pango

    version = int(pango.pango_version())
    pango_version = f"{version // 10000}.{version // 100 % 100}.{version % 100}"
    return f"weasyprint {weasyprint.__version__}, pydyf {pydyf.__version__}, pango {pango_version}"


# WeasyPrint's private parts ------------------------------------------------------------
# Everything below reads WeasyPrint's laid-out pages beyond its public API. Each function
# is one assumption; tests/test_weasy_contract.py checks every one against the installed
# WeasyPrint and names the one that broke.


def _page_box(page: Any) -> Any:
    """The root box of a laid-out page (`Page._page_box`)."""
    return page._page_box


def _page_facts(page: Any) -> PageFacts:
    """The page's name, side and blankness (`PageBox.page_type`) and its `string-set`s."""
    box = _page_box(page)
    kind = box.page_type
    strings = tuple(
        (name, text)
        for child in box.descendants()
        if child.string_set and child.string_set != "none"
        for name, text in child.string_set
    )
    return PageFacts(kind.name, kind.side, kind.blank, strings)


def _internal_links(page: Any) -> tuple[str, ...]:
    """The anchors the page's links point to (`Page.links`: (kind, target, rect, box))."""
    return tuple(target for kind, target, *_ in page.links if kind == "internal")


def _bookmarks(page: Any) -> tuple[Bookmark, ...]:
    """`Page.bookmarks`: (level, label, (x, y), 'open' or 'closed'), in CSS px."""
    return tuple(
        Bookmark(level, label, x, y, state == "closed")
        for level, label, (x, y), state in page.bookmarks
    )


def _raster_images(page_box: Any) -> tuple[PlacedImage, ...]:
    """Every raster image on a page, with its printed size (CSS px are 1/96 in)."""
    found = []
    for box in page_box.descendants():
        image = getattr(box, "replacement", None)
        if isinstance(image, RasterImage) and box.width and box.height:
            element = getattr(box, "element", None)
            src = element.get("src", "an image") if element is not None else "an image"
            pixels = (image.width, image.height)
            found.append(PlacedImage(src, pixels, (box.width / 96, box.height / 96)))
    return tuple(found)


def _laid_page(page: Any) -> LaidPage:
    return LaidPage(
        _page_facts(page),
        tuple(page.anchors),
        _internal_links(page),
        _bookmarks(page),
        page.height,
    )


def counter_styles() -> tuple[str, ...]:
    """The `list-style-type` counter styles WeasyPrint defines (its user-agent stylesheet)."""
    sheet = (Path(weasyprint.__file__).parent / "css" / "html5_ua.css").read_text("utf-8")
    return tuple(dict.fromkeys(re.findall(r"@counter-style\s+([\w-]+)", sheet)))


# Stylesheets parsed once ----------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """What parsing a stylesheet gave: its selectors and their checked declarations, its
    @page rules, and its @font-face rules (registered again in each document's fonts)."""

    base_url: str | None
    matcher: Any
    page_rules: tuple[Any, ...]
    font_faces: tuple[dict[str, Any], ...]


#: Stylesheets parsed in this process, by their text (or its digest), base URL and
#: media; None for one that must be parsed every time (see _stylesheet).
_PARSED: dict[tuple[object, ...], _Parsed | None] = {}
_PARSED_SIZE = 64
_parsed_lock = threading.Lock()
#: How often a stylesheet was parsed, and how often its parse was reused (tests read it).
parse_counts = {"parsed": 0, "reused": 0}


class _FontFaces:
    """Stands for a document's fonts while a stylesheet is parsed, noting its @font-face
    rules; anything else is the fonts' own."""

    def __init__(self, fonts: Any) -> None:
        self.fonts = fonts
        self.faces: list[dict[str, Any]] = []

    def add_font_face(self, descriptors: dict[str, Any], url_fetcher: Any) -> Any:
        self.faces.append(descriptors)
        return self.fonts.add_font_face(descriptors, url_fetcher)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fonts, name)


def _stylesheet(
    guess: Any = None,
    filename: Any = None,
    url: str | None = None,
    file_obj: Any = None,
    string: str | None = None,
    encoding: str | None = None,
    base_url: str | None = None,
    url_fetcher: Any = None,
    _check_mime_type: bool = False,
    media_type: str = "print",
    font_config: Any = None,
    counter_style: Any = None,
    color_profiles: Any = None,
    matcher: Any = None,
    page_rules: Any = None,
    layers: Any = None,
    layer: Any = None,
) -> Any:
    """WeasyPrint's CSS(), as it finds a document's <link> and <style> stylesheets, with
    each stylesheet parsed once per process.

    WeasyPrint parses and checks every stylesheet of every document anew: a tenth of a
    small document's time, and a pack laid out in parts, a batch or --watch lays out many
    documents with the same stylesheets. The text is still fetched every time (through the
    document's fetcher: the resource policy and the part cache's list of loaded files see
    it), and a stylesheet whose text, base URL or media differ is parsed anew. A parse is
    reused only for a stylesheet whose parse touched nothing but its own selectors, the
    document's @page rules and its fonts (no @import, @layer, @counter-style or
    @color-profile) and logged nothing (its warnings are reported for every document).
    """
    plain = (
        guess is None
        and filename is None
        and file_obj is None
        and matcher is None
        and layer is None
        and None not in (url_fetcher, font_config, counter_style, color_profiles)
        and isinstance(page_rules, list)
        and isinstance(layers, list)
    )
    if not plain:
        return CSS(
            guess, filename, url, file_obj, string, encoding, base_url, url_fetcher,
            _check_mime_type, media_type, font_config, counter_style, color_profiles,
            matcher, page_rules, layers, layer,
        )  # fmt: skip
    source = select_source(
        url=url, string=string, base_url=base_url, url_fetcher=url_fetcher,
        check_css_mime_type=_check_mime_type,
    )  # fmt: skip
    with source as (body, base_url, protocol_encoding, _):
        text = body.read()
    digest = text if isinstance(text, str) else hashlib.sha256(text).digest()
    key = (type(text).__name__, digest, base_url, protocol_encoding, encoding, media_type)
    with _parsed_lock:
        known = _PARSED.get(key, False)
    sheet = CSS.__new__(CSS)
    sheet.base_url, sheet.page_rules, sheet.layers = base_url, page_rules, layers
    if isinstance(known, _Parsed):
        parse_counts["reused"] += 1
        sheet.matcher = known.matcher
        page_rules.extend(known.page_rules)
        for descriptors in known.font_faces:
            font_config.add_font_face(descriptors, url_fetcher)
        return sheet
    parse_counts["parsed"] += 1
    if isinstance(text, str):
        rules = tinycss2.parse_stylesheet(text)
    else:
        rules, _ = tinycss2.parse_stylesheet_bytes(
            text, environment_encoding=encoding, protocol_encoding=protocol_encoding
        )
    sheet.matcher = cssselect2.Matcher()
    fonts = _FontFaces(font_config)
    rules_before = len(page_rules)
    others_before = (list(layers), dict(counter_style), dict(color_profiles))
    with _collect_logs() as logged:
        weasyprint.css.preprocess_stylesheet(
            media_type, base_url, rules, url_fetcher, sheet.matcher, page_rules, layers,
            fonts, counter_style, color_profiles,
        )  # fmt: skip
    alone = (
        not logged.records
        and (layers, counter_style, color_profiles) == others_before
        and not any(r.type == "at-rule" and r.lower_at_keyword == "import" for r in rules)
    )
    parsed = None
    if alone:
        parsed = _Parsed(
            base_url, sheet.matcher, tuple(page_rules[rules_before:]), tuple(fonts.faces)
        )
    with _parsed_lock:
        _PARSED[key] = parsed
        while len(_PARSED) > _PARSED_SIZE:
            del _PARSED[next(iter(_PARSED))]
    return sheet


weasyprint.css.CSS = _stylesheet  # what find_stylesheets() calls for each stylesheet
