"""What brochure assumes of WeasyPrint beyond its public API, checked on the installed version.

render/weasy.py reads laid-out pages (page boxes, page types, string-sets, links,
bookmarks, images) and render/parts/stitch.py reads the structure tree WeasyPrint writes.
When an upgrade breaks one of these assumptions, the test fails naming it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import weasyprint

from brochure.access import ResourcePolicy
from brochure.render import weasy
from brochure.render.pages import Bookmark, LaidPage, PageFacts, outline
from brochure.render.weasy import LayoutSession, RenderOptions

PNG_2PX = (  # 2 x 1 pixels
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGP4zwAE"
    "/wEHAAH/4iOeWQAAAABJRU5ErkJggg=="
)
DOCUMENT = f"""<!DOCTYPE html><html lang="en"><head><style>
@page {{ size: 100mm 100mm; margin: 10mm; }}
@page cover {{ margin: 20mm; }}
.cover {{ page: cover; }}
h1 {{ bookmark-level: 1; string-set: chapter content(text); break-before: right; }}
h2 {{ bookmark-level: 2; bookmark-state: closed; }}
</style></head><body>
<section class="cover">Cover</section>
<h1 id="one">One</h1><h2>Sub</h2><p><a href="#two">to two</a></p>
<img src="{PNG_2PX}" style="width: 2in; height: 1in" alt="">
<h1 id="two">Two</h1>
</body></html>"""


def broke(what: str) -> str:
    return (
        f"WeasyPrint {weasyprint.__version__} no longer does what brochure/render/weasy.py "
        f"assumes: {what}"
    )


@pytest.fixture(scope="module")
def laid(tmp_path_factory: pytest.TempPathFactory) -> tuple[LaidPage, ...]:
    folder = tmp_path_factory.mktemp("contract")
    with LayoutSession(folder.as_uri() + "/", ResourcePolicy([folder]), RenderOptions()) as s:
        return s.layout(DOCUMENT).pages


def raw_pages() -> list[Any]:
    return list(weasyprint.HTML(string=DOCUMENT).render().pages)


def test_pages_have_a_page_box_with_descendants() -> None:
    page = raw_pages()[0]
    assert hasattr(page, "_page_box"), broke("Page._page_box holds the page's root box")
    box = weasy._page_box(page)
    assert callable(getattr(box, "descendants", None)), broke("boxes have descendants()")


def test_page_types_give_name_side_and_blankness(laid: tuple[LaidPage, ...]) -> None:
    kind = weasy._page_box(raw_pages()[0]).page_type
    for name in ("name", "side", "blank"):
        assert hasattr(kind, name), broke(f"PageBox.page_type.{name}")
    facts = [(p.facts.name, p.facts.side, p.facts.blank) for p in laid]
    assert facts == [
        ("cover", "right", False),
        ("", "left", True),
        ("", "right", False),
        ("", "left", True),
        ("", "right", False),
    ], broke("page_type names pages, gives their side and marks blank pages")


def test_string_sets_are_name_and_text_pairs(laid: tuple[LaidPage, ...]) -> None:
    strings = [p.facts.strings for p in laid]
    assert strings == [(), (), (("chapter", "One"),), (), (("chapter", "Two"),)], broke(
        "box.string_set is a list of (name, text) or 'none'"
    )


def test_anchors_and_internal_links(laid: tuple[LaidPage, ...]) -> None:
    assert [p.anchors for p in laid] == [(), (), ("one",), (), ("two",)], broke(
        "Page.anchors maps each id on the page"
    )
    assert [p.links for p in laid] == [(), (), ("two",), (), ()], broke(
        "Page.links holds (kind, target, rectangle, box), kind 'internal' for #id"
    )


def test_bookmarks_are_level_label_point_and_state(laid: tuple[LaidPage, ...]) -> None:
    marks = [[(b.level, b.label, b.closed) for b in p.bookmarks] for p in laid]
    assert marks == [[], [], [(1, "One", False), (2, "Sub", True)], [], [(1, "Two", False)]], broke(
        "Page.bookmarks holds (level, label, (x, y), 'open' or 'closed')"
    )
    first = laid[2].bookmarks[0]
    assert isinstance(first, Bookmark) and 0 < first.x < 100 and 0 < first.y < 200


def test_our_outline_is_weasyprints(laid: tuple[LaidPage, ...]) -> None:
    document = weasyprint.HTML(string=DOCUMENT).render()
    theirs = document.make_bookmark_tree(scale=0.75, transform_pages=True)

    def plain(node: Any) -> tuple[Any, ...]:
        title, (page, x, y), children, state = node
        kids = tuple(plain(c) for c in children)
        return (title, page, round(x, 3), round(y, 3), state == "closed", kids)

    def ours(node: Any) -> tuple[Any, ...]:
        kids = tuple(ours(c) for c in node.children)
        return (node.title, node.page, round(node.x, 3), round(node.y, 3), node.closed, kids)

    assert [ours(n) for n in outline(laid)] == [plain(n) for n in theirs], broke(
        "the outline nests bookmarks by level, in PDF points from the bottom left"
    )


def test_raster_images_have_pixels_and_a_printed_size(tmp_path: Path) -> None:
    folder = tmp_path
    with LayoutSession(folder.as_uri() + "/", ResourcePolicy([folder]), RenderOptions()) as s:
        found = s.layout(DOCUMENT).images(range(5))
    assert [(i.pixels, i.inches) for i in found] == [((2, 1), (2.0, 1.0))], broke(
        "a replaced box's .replacement is a RasterImage with width and height in pixels"
    )


def test_the_structure_tree_is_as_stitch_reads_it(tmp_path: Path) -> None:
    options = RenderOptions(variant="pdf/ua-1")
    with LayoutSession(tmp_path.as_uri() + "/", ResourcePolicy([tmp_path]), options) as s:
        pdf = s.layout(DOCUMENT).write()
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        root = opened.Root.get("/StructTreeRoot")
        assert root is not None, broke("a PDF/UA document has a /StructTreeRoot")
        document = root.K[0]
        assert document.S == "/Document", broke("the tree's first element is /Document")
        assert len(document.K) > 0, broke("the page content hangs under /Document")
        assert "/Nums" in root.ParentTree, broke("the parent tree is one flat /Nums array")
        assert all("/StructParents" in page.obj for page in opened.pages), broke(
            "every page has /StructParents"
        )


def test_counter_styles_come_from_weasyprints_stylesheet() -> None:
    styles = weasy.counter_styles()
    assert {"decimal", "lower-alpha", "lower-roman", "upper-roman"} <= set(styles), broke(
        "css/html5_ua.css defines the list-style-type counter styles"
    )
    assert len(styles) > 20


def test_page_facts_are_plain_values(laid: tuple[LaidPage, ...]) -> None:
    assert all(isinstance(p.facts, PageFacts) for p in laid)
    assert laid[0].height == pytest.approx(100 / 25.4 * 96)


def test_font_subsets_keep_glyph_ids_and_identity_encoding(tmp_path: Path) -> None:
    """render/parts/fonts.py merges a face's subsets from several documents by glyph id."""
    from fontTools.ttLib import TTFont

    from brochure.resources import builtin_fonts

    fonts = builtin_fonts()
    html = (
        f'<style>@font-face {{ font-family: F; src: url("{fonts / "NotoSans-Regular.ttf"}"); }}'
        "body { font-family: F; }</style><p>Qingdao</p>"
    )
    with LayoutSession(fonts.as_uri() + "/", ResourcePolicy([fonts]), RenderOptions()) as s:
        pdf = s.layout(html).write()
    original = TTFont(fonts / "NotoSans-Regular.ttf")
    expected = {original.getGlyphID(original.getBestCmap()[ord(c)]) for c in "Qingdao"}
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        [font] = [f for _, f in opened.pages[0].Resources.Font.items()]
        assert font.Subtype == "/Type0" and font.Encoding == "/Identity-H", broke(
            "text is set in Type 0 fonts with the Identity-H encoding"
        )
        cid = font.DescendantFonts[0]
        assert cid.get("/CIDToGIDMap", "/Identity") == "/Identity", broke("CID = glyph id")
        widths = [int(w) for w in cid.W[::2]]
        used = {
            start + n
            for start, run in zip(widths, cid.W[1::2], strict=True)
            for n in range(len(run))
        }
        assert used == expected, broke("the /W array lists the original font's glyph ids")
        assert b"beginbfchar" in font.ToUnicode.read_bytes(), broke("ToUnicode uses bfchar")
        subset = TTFont(io.BytesIO(cid.FontDescriptor.FontFile2.read_bytes()))
        order = subset.getGlyphOrder()
        assert all(subset["glyf"][order[g]].numberOfContours > 0 for g in expected), broke(
            "subsets keep glyph ids (retain-gids): a used glyph is at its original id"
        )


def test_pango_version_is_readable() -> None:
    """The part cache's key names Pango's version (render/layouter.py, weasy.engine)."""
    assert "pango 1." in weasy.engine(), broke("weasyprint.text.ffi.pango.pango_version()")
