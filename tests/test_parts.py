"""Long packs laid out part by part: the same PDF, page for page, as one laid out whole."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import ImageChops

import brochure
from brochure.cli import main
from brochure.errors import BrochureError, RenderError
from brochure.render.pages import PageFacts
from brochure.render.parts import plan as parts
from brochure.render.parts.plan import (
    PART_MARKER,
    PartPolicy,
    Segment,
    chrome_document,
    external_targets,
    group_chapters,
    split_pack,
    stubs,
    weight,
)
from pdftools import (
    drawn_chars,
    internal_links,
    outline,
    page_pictures,
    page_texts,
    structure_problems,
    structure_size,
    toc_entries,
)

PACK: dict[str, Any] = {
    "cities": ["shanghai", "ningbo"],  # 26 pages in 8 parts with SMALL_PARTS
    "topics": ["investment", "trip-planning"],
    "traveller": "Alex Chen",
    "itinerary": [
        {
            "city": "shanghai",
            "arrive": "2026-12-07",
            "depart": "2026-12-09",
            "meetings": ["Port authority, 10:00"],
        },
        {"city": "ningbo", "arrive": "2026-12-09", "depart": "2026-12-11"},
    ],
    "build_date": dt.date(2026, 11, 20),
}


#: Parts of about one chapter each, so that a short pack has many.
SMALL_PARTS = PartPolicy(part_max_weight=12_000)
#: The same, and `auto` cuts a short pack too.
AUTO_CUTS = PartPolicy(whole_max_weight=10_000, part_max_weight=12_000)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The same pack laid out whole and in parts."""
    folder = tmp_path_factory.mktemp("pair")
    whole = brochure.build_pack(
        **PACK, part_policy=SMALL_PARTS, layout="whole", output=folder / "whole.pdf"
    )
    split = brochure.build_pack(
        **PACK, part_policy=SMALL_PARTS, layout="parts", output=folder / "parts.pdf"
    )
    assert whole.parts == 1
    assert split.parts >= 6, split.parts
    assert whole.pages == split.pages
    assert whole.warnings == split.warnings == ()
    yield whole.path, split.path


def assert_same_pictures(a: Path, b: Path) -> None:
    """The same characters in the same places, and nothing else drawn or missing.

    Characters may sit a few hundredths of a point apart: WeasyPrint writes a glyph's width
    as it first met it in a document, and each part is a document. At 36 dpi that moves
    no pixel by more than a quarter of its grey; a missing or extra mark moves it fully.
    """
    pages = zip(drawn_chars(a), drawn_chars(b), strict=True)
    for number, (chars, others) in enumerate(pages, 1):
        assert [c[0] for c in chars] == [c[0] for c in others], f"page {number}"
        shift = max(
            (abs(p[1] - q[1]) + abs(p[2] - q[2]) for p, q in zip(chars, others, strict=True)),
            default=0,
        )
        assert shift < 0.25, f"page {number}: a character moved {shift:.2f} pt"
    pictures = zip(page_pictures(a), page_pictures(b), strict=True)
    for number, (x, y) in enumerate(pictures, 1):
        _, high = ImageChops.difference(x, y).getextrema()
        assert isinstance(high, int) and high < 96, f"page {number}: pixels differ by {high}"


def test_parts_give_the_same_text_page_for_page(pair: tuple[Path, Path]) -> None:
    whole, split = pair
    assert page_texts(split) == page_texts(whole)


def test_parts_give_the_same_pages_to_the_pixel(pair: tuple[Path, Path]) -> None:
    assert_same_pictures(*pair)


def test_parts_give_the_same_outline(pair: tuple[Path, Path]) -> None:
    whole, split = pair
    assert outline(split) == outline(whole)
    assert len({b.level for b in outline(split)}) == 2


def test_contents_numbers_and_links_point_where_the_whole_pack_does(
    pair: tuple[Path, Path],
) -> None:
    whole, split = pair
    links = internal_links(split)
    assert links == internal_links(whole)
    toc = toc_entries(page_texts(split)[1])
    opened = {link.anchor: link.target_page for link in links if link.page == 2}
    assert toc["Shanghai"] == opened["city-shanghai"]
    chapters = [mark for mark in outline(split) if mark.level == 1]
    assert toc["Sources"] == opened["sources"] == chapters[-1].page
    assert toc["Your itinerary"] == opened["itinerary"] == 3
    itinerary = [link for link in links if link.page == 3]
    assert {link.anchor for link in itinerary} == {"city-shanghai", "city-ningbo"}


def test_parts_give_a_whole_structure_tree(pair: tuple[Path, Path]) -> None:
    whole, split = pair
    assert structure_problems(split) == []
    assert structure_size(split) == structure_size(whole)
    with pikepdf.open(split) as pdf:
        root = pdf.Root.StructTreeRoot
        assert int(root.ParentTreeNextKey) == len(root.ParentTree.Nums) // 2
        assert str(pdf.Root.Lang) == "en"
        with pdf.open_metadata() as meta:
            assert meta.get("pdfuaid:part") == "1"
        for page in pdf.pages:  # running heads and feet are pagination artifacts
            assert b"/Artifact BMC" in b"".join(
                x.read_bytes() for x in page.Resources.XObject.values() if x.Subtype == "/Form"
            )


def test_print_profile_in_parts_keeps_bleed_marks_and_boxes(tmp_path: Path) -> None:
    options: dict[str, Any] = {
        "cities": ["ningbo", "tianjin"],
        "topics": ["regions"],
        "profile": "print",
        "paper": "a5",
        "build_date": "2026-11-20",
    }
    whole = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="whole", output=tmp_path / "whole.pdf"
    )
    split = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="parts", output=tmp_path / "parts.pdf"
    )
    assert split.parts > 2
    assert_same_pictures(whole.path, split.path)
    with pikepdf.open(whole.path) as a, pikepdf.open(split.path) as b:
        for x, y in zip(a.pages, b.pages, strict=True):
            for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
                assert list(x.obj[box]) == list(y.obj[box])
        assert "/StructTreeRoot" not in b.Root


def test_booklet_of_parts_matches_the_booklet_of_the_whole(tmp_path: Path) -> None:
    options: dict[str, Any] = {"cities": ["qingdao"], "topics": ["regions"], "booklet": True}
    whole = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="whole", output=tmp_path / "whole.pdf"
    )
    split = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="parts", output=tmp_path / "parts.pdf"
    )
    assert split.parts > 2
    assert_same_pictures(whole.path, split.path)


def test_auto_lays_out_a_long_pack_in_parts_and_archives_it(tmp_path: Path) -> None:
    result = brochure.build_pack(
        part_policy=AUTO_CUTS,
        cities=["ningbo", "qingdao"],
        topics=["regions"],
        profile="archive",
        output=tmp_path / "archive.pdf",
    )
    assert result.parts > 2
    with pikepdf.open(result.path) as pdf:
        assert "/OutputIntents" in pdf.Root
        with pdf.open_metadata() as meta:
            assert meta.get("pdfaid:part") == "3"
        assert "brochure-content.json" in pdf.attachments


BOOK_CSS = """
@page :left { margin-left: 14mm; margin-right: 26mm;
  @bottom-left { content: "p. " counter(page) " / " counter(pages); }
  @bottom-right { content: none; } }
@page :right { margin-left: 26mm; margin-right: 14mm; }
@page :blank { @bottom-left { content: none; } @bottom-right { content: "intentionally blank"; } }
.chapter { break-before: right; }
"""


def test_a_book_style_kit_gets_the_same_sides_and_blank_pages(tmp_path: Path) -> None:
    kit = tmp_path / "kit"
    (kit / "styles").mkdir(parents=True)
    (kit / "brand.yml").write_text("meta:\n  name: Book Press\n", encoding="utf-8")
    (kit / "styles" / "book.css").write_text(BOOK_CSS, encoding="utf-8")
    options: dict[str, Any] = {**PACK, "brand": kit, "cities": ["shanghai", "tianjin"]}
    whole = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="whole", output=tmp_path / "whole.pdf"
    )
    split = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="parts", output=tmp_path / "parts.pdf"
    )
    texts = page_texts(split.path)
    assert sum("intentionally blank" in t for t in texts) >= 2, "the kit makes blank pages"
    assert texts == page_texts(whole.path)
    assert_same_pictures(whole.path, split.path)


def test_an_example_kit_with_its_own_cover_and_fonts(tmp_path: Path) -> None:
    options: dict[str, Any] = {
        **PACK,
        "cities": ["shanghai", "tianjin"],
        "brand": Path(__file__).parents[1] / "examples" / "meridian-consulting",
        "paper": "a5",
    }
    whole = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="whole", output=tmp_path / "whole.pdf"
    )
    split = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="parts", output=tmp_path / "parts.pdf"
    )
    assert split.parts > 4
    assert outline(split.path) == outline(whole.path)
    assert internal_links(split.path) == internal_links(whole.path)
    assert_same_pictures(whole.path, split.path)


def _kit_with(tmp_path: Path, name: str, template: str) -> Path:
    kit = tmp_path / "kit"
    (kit / "templates").mkdir(parents=True)
    (kit / "brand.yml").write_text("meta:\n  name: Test Kit\n", encoding="utf-8")
    (kit / "templates" / name).write_text(template, encoding="utf-8")
    return kit


def test_a_pack_template_without_markers_is_laid_out_whole(tmp_path: Path) -> None:
    kit = _kit_with(
        tmp_path,
        "pack.html",
        '<!DOCTYPE html><html lang="en"><head><title>{{ pack.title }}</title></head><body>'
        '<section class="chapter" id="only"><h1>Only</h1><p>{{ pack.title }}</p></section>'
        "</body></html>",
    )
    options: dict[str, Any] = {"cities": ["ningbo"], "brand": kit}
    auto = brochure.build_pack(**options, output=tmp_path / "auto.pdf")
    assert auto.parts == 1
    with pytest.raises(RenderError, match="no part markers"):
        brochure.build_pack(**options, layout="parts", output=tmp_path / "parts.pdf")
    assert not (tmp_path / "parts.pdf").exists()


def test_cross_references_across_parts(tmp_path: Path) -> None:
    """A link to no anchor is dropped and reported; page numbers back and forward are right."""
    kit = _kit_with(
        tmp_path,
        "city.html",
        '{% extends "!default/city.html" %}{% block city_profile %}{{ super() }}'
        '<p><a href="#nowhere">a broken cross-reference</a>, '
        '<a class="ref" href="#country">the country</a>, '
        '<a class="ref" href="#sources">the sources</a>, '
        '<a class="ref" href="#{{ view.anchor }}">this chapter</a></p>{% endblock %}',
    )
    (kit / "styles").mkdir()
    (kit / "styles" / "ref.css").write_text(
        '.ref::after { content: " (page " target-counter(attr(href), page) ")"; }'
    )
    options: dict[str, Any] = {"cities": ["ningbo", "qingdao"], "topics": ["regions"], "brand": kit}
    whole = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="whole", output=tmp_path / "whole.pdf"
    )
    split = brochure.build_pack(
        part_policy=SMALL_PARTS, **options, layout="parts", output=tmp_path / "parts.pdf"
    )
    assert split.parts > 2
    assert "link to #nowhere points nowhere" in split.warnings
    assert split.warnings == whole.warnings
    links = internal_links(split.path)
    assert links == internal_links(whole.path)
    assert "nowhere" not in {link.anchor for link in links}
    assert {link.anchor for link in links} >= {"sources", "country"}
    texts = page_texts(split.path)
    assert texts == page_texts(whole.path)
    flat = [t.replace("\r\n", " ") for t in texts]
    assert sum("the country (page 3)" in t for t in flat) == 2
    sources = next(n for n, t in enumerate(flat, 1) if t.lstrip().startswith("Sources"))
    assert sum(f"the sources (page {sources})" in t for t in flat) == 2, sources
    chapters = [n for n, t in enumerate(flat, 1) if "this chapter (page" in t]
    assert [f"this chapter (page {n})" in flat[n - 1] for n in chapters] == [True, True]


@pytest.mark.parametrize(
    ("css", "named"),
    [
        ('.ref::after { content: " (" target-text(attr(href)) ")"; }', "target-text()"),
        (".ref::after { content: target-counter(attr(href), figure); }", "'figure'"),
    ],
)
def test_cross_references_parts_cannot_give_are_laid_out_whole(
    tmp_path: Path, css: str, named: str
) -> None:
    """Text or counters of another part: `auto` lays the pack out whole, `parts` says why not."""
    kit = _kit_with(
        tmp_path,
        "city.html",
        '{% extends "!default/city.html" %}{% block city_profile %}{{ super() }}'
        '<p><a class="ref" href="#sources">Sources</a></p>{% endblock %}',
    )
    (kit / "styles").mkdir()
    (kit / "styles" / "ref.css").write_text("/* target-text( in a comment is no use */" + css)
    options: dict[str, Any] = {"cities": ["ningbo", "qingdao"], "topics": ["regions"], "brand": kit}
    built = brochure.build_pack(part_policy=AUTO_CUTS, **options, output=tmp_path / "auto.pdf")
    assert built.parts == 1
    with pytest.raises(RenderError, match=re.escape(named)) as raised:
        brochure.build_pack(
            part_policy=AUTO_CUTS, **options, layout="parts", output=tmp_path / "parts.pdf"
        )
    assert "--layout whole" in str(raised.value)
    assert not (tmp_path / "parts.pdf").exists()


def test_page_references_alone_can_be_cut() -> None:
    css = "a::after { content: target-counter(attr(href), page) target-counter(url(#x), page); }"
    assert parts.cannot_cut([css, "/* target-text() */", "p { content: 'target' }"]) is None
    assert parts.cannot_cut(["a::after { content: target-counters(attr(href), item, '.') }"])


# The pieces -----------------------------------------------------------------------------

SHELL = (
    '<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
    '<body class="paper-a4"><div class="running-mark">mark</div>'
    f"{PART_MARKER}<section id='cover'>cover</section><nav id='contents'>"
    '<a href="#one">one</a><a href="#two">two</a><a href="#gone">gone</a></nav>'
    f"{PART_MARKER}<section class='chapter' id='one'><p>One</p></section>"
    f"{PART_MARKER}  {PART_MARKER}<section class='chapter' id='two'><p>Two"
    '<svg width="10" height="10"><rect width="10" height="10"/></svg></p>'
    '<a href="#one">back</a></section></body></html>'
)


def test_split_pack_cuts_at_the_markers() -> None:
    split = split_pack(SHELL)
    assert split is not None
    assert split.head.endswith("<title>t</title>")
    assert split.body_open == '<body class="paper-a4">'
    assert split.prefix == '<div class="running-mark">mark</div>'
    assert split.front.ids == {"cover", "contents"}
    assert split.front.links == {"one", "two", "gone"}
    assert [c.ids for c in split.chapters] == [{"one"}, {"two"}]  # the empty piece is dropped
    assert split.ids == {"cover", "contents", "one", "two"}


@pytest.mark.parametrize(
    "html",
    [
        SHELL.replace(PART_MARKER, ""),  # no markers
        SHELL.replace("<p>One</p></section>", "<div><p>One</p></section>"),  # unclosed div
        SHELL.replace("</body></html>", ""),  # no body end
    ],
)
def test_split_pack_refuses_what_it_cannot_cut(html: str) -> None:
    assert split_pack(html) is None


def test_styles_inside_any_piece_of_the_markup_are_read_each_piece_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pack's markup is read for styles piece by piece: a style in a chapter, the head
    or the front counts, and a piece already read in this process is not read again."""
    from brochure.content.models import Layout

    policy = parts.PartPolicy(reuse=True)
    sided = SHELL.replace("<p>One</p>", "<p style='break-before: left'>One</p>")
    numbered = SHELL.replace(
        "<title>t</title>",
        "<title>t</title><style>a::after { content: target-counter(attr(href), page) }</style>",
    )
    refused = SHELL.replace(
        "<nav id='contents'>", "<nav id='contents' style='content: target-text(attr(href))'>"
    )
    plain = parts.plan_layout(SHELL, [], Layout.auto, policy)
    assert plain.split is not None and not plain.sided and not plain.page_references
    assert parts.plan_layout(sided, [], Layout.auto, policy).sided
    assert parts.plan_layout(numbered, [], Layout.auto, policy).page_references
    assert "target-text()" in parts.plan_layout(refused, [], Layout.auto, policy).reason
    read: list[str] = []
    real = parts._read_style

    def reading(css: str) -> Any:
        read.append(css)
        return real(css)

    monkeypatch.setattr(parts, "_read_style", reading)
    parts.plan_layout(SHELL.replace(">cover<", ">another cover<"), [], Layout.auto, policy)
    assert read == [
        "<section id='cover'>another cover</section><nav id='contents'>"
        '<a href="#one">one</a><a href="#two">two</a><a href="#gone">gone</a></nav>'
    ]


def test_optional_end_tags_do_not_stop_a_split() -> None:
    html = SHELL.replace("<p>One</p>", "<ul><li>a<li>b</ul><p>c")
    assert split_pack(html) is not None


def test_weight_counts_svg_at_a_quarter() -> None:
    svg = "<svg>" + "x" * 395 + "</svg>"
    assert weight("abcd") == 4
    assert weight("abcd" + svg) == 4 + len(svg) // 4


def test_groups_stay_under_the_weight_and_keep_their_order() -> None:
    chapters = [Segment.of("x" * n) for n in (40, 30, 50, 10, 90, 5)]
    groups = group_chapters(chapters, 80)
    assert [[c.weight for c in g] for g in groups] == [[40, 30], [50, 10], [90], [5]]


def test_targets_are_the_anchors_other_parts_hold() -> None:
    split = split_pack(SHELL)
    assert split is not None
    assert external_targets(split, [split.front], {"one": 3}) == {"one": 3, "two": None}
    assert external_targets(split, [split.chapters[1]], {"one": 3}) == {"one": 3}


def test_stubs_put_every_target_on_one_page_with_its_number() -> None:
    page = stubs({"a": 3, "b&c": 12})
    assert page.count("break-before: page") == 1
    assert '<span id="a" style="counter-reset: page 3"></span>' in page
    assert '<span id="b&amp;c" style="counter-reset: page 12"></span>' in page
    assert stubs({}) == ""


def test_chrome_repeats_names_strings_and_the_breaks_before_blank_pages() -> None:
    split = split_pack(SHELL)
    assert split is not None
    pages = [
        PageFacts("cover", "right", False, ()),
        PageFacts("", "left", False, (("chapter", "Shanghai <上海>"),)),
        PageFacts("", "right", True, ()),
        PageFacts("", "left", False, (("bad name!", "x"),)),
    ]
    html = chrome_document(split, pages)
    assert html.count('class="brochure-chrome"') == 3  # the blank page is made by a break
    assert 'style="page: cover; break-before: auto"' in html
    assert 'style="page: auto; break-before: left"' in html
    assert '<div data-string="chapter">Shanghai &lt;上海&gt;</div>' in html
    assert "string-set: chapter content(text)" in html
    assert "bad name" not in html
    assert html.count("mark</div>") == 1  # the running elements, once


def test_the_command_line_says_when_a_pack_was_laid_out_in_parts(tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    done = CliRunner().invoke(
        main, ["build", "-c", "ningbo", "-t", "regions", "--layout", "parts", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert re.search(r"\(1 city, 1 topic, \d+ pages laid out in \d+ parts\)", done.output)
    assert page_texts(out)[0]
    refused = CliRunner().invoke(main, ["build", "-c", "ningbo", "--layout", "pieces"])
    assert refused.exit_code == 2
    assert "'pieces' is not one of 'auto', 'whole', 'parts'" in refused.output


def test_a_part_is_held_to_the_same_fetcher_and_time_limit(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the pack")
    kit = _kit_with(
        tmp_path,
        "city.html",
        '{% extends "!default/city.html" %}{% block city_profile %}{{ super() }}'
        f'<img src="{secret.as_uri()}" alt="">{{% endblock %}}',
    )
    out = tmp_path / "pack.pdf"
    options: dict[str, Any] = {"cities": ["ningbo"], "topics": ["regions"], "output": out}
    with pytest.raises(BrochureError, match=r"refused to load .*secret\.png"):
        brochure.build_pack(part_policy=SMALL_PARTS, **options, brand=kit, layout="parts")
    assert not out.exists()
    with pytest.raises(RenderError, match=r"took longer than 0\.5 s"):
        brochure.build_pack(
            part_policy=SMALL_PARTS, **options, layout="parts", timeout=0.5, cache=False
        )
    assert not out.exists()
