"""Page references in every counter style: laid out in parts, a pack prints what it prints whole.

A reference forward (the contents to the last chapter, a chapter to a later one) is laid
out before its target's page is known; the part holding it must be laid out again with the
right number, whatever style prints it (a sentinel searched for in the text would be
printed as letters, numerals or symbols, and missed).
"""

from __future__ import annotations

import pytest

from brochure.access import ResourcePolicy
from brochure.content.models import Layout
from brochure.render.parts.layout import render_planned
from brochure.render.parts.plan import PART_MARKER, PartPolicy, plan_layout
from brochure.render.weasy import RenderOptions, counter_styles, render_pdf
from pdftools import page_texts

STYLES = counter_styles()
CHAPTERS = ("one", "two", "three", "four")
#: Every chapter a part of its own.
ONE_CHAPTER_A_PART = PartPolicy(whole_max_weight=0, part_max_weight=1)


def references() -> str:
    """One reference to every chapter in every style, each in its own line."""
    return "".join(
        f'<div><a class="s-{style}" href="#{chapter}">{style} {chapter}</a></div>'
        for style in STYLES
        for chapter in CHAPTERS
    )


def pack() -> tuple[str, str]:
    css = "".join(
        f".s-{style}::after {{ content: ' p.' target-counter(attr(href), page, {style}); }}"
        for style in STYLES
    )
    css += "@page { size: A5; margin: 12mm; } body { font-size: 7pt; line-height: 1.1; }"
    css += ".chapter { break-before: page; } .filler { height: 150mm; }"
    chapters = "".join(
        f"{PART_MARKER}<section class='chapter' id='{name}'><h1>{name}</h1>"
        f"<div class='filler'></div>{references() if i % 2 == 0 else ''}</section>"
        for i, name in enumerate(CHAPTERS)
    )
    html = (
        f"<!DOCTYPE html><html lang='en'><head><title>t</title><style>{css}</style></head>"
        f"<body>{PART_MARKER}<nav id='contents'>{references()}</nav>{chapters}</body></html>"
    )
    return html, css


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    folder = tmp_path_factory.mktemp("counters")
    html, css = pack()
    plan = plan_layout(html, [css], Layout.auto, ONE_CHAPTER_A_PART)
    assert plan.split is not None and len(plan.groups) == len(CHAPTERS), plan.reason
    assert plan.page_references
    base, policy = folder.as_uri() + "/", ResourcePolicy([folder])
    whole = render_pdf(html, base, policy, RenderOptions())
    split = render_planned(plan, html, base, policy, RenderOptions())
    assert split.parts == len(CHAPTERS) + 1
    assert whole.pages == split.pages > len(CHAPTERS) * 2
    (folder / "whole.pdf").write_bytes(whole.pdf)
    (folder / "parts.pdf").write_bytes(split.pdf)
    return page_texts(folder / "whole.pdf"), page_texts(folder / "parts.pdf")


def test_weasyprint_has_the_styles_we_test() -> None:
    assert {"decimal", "lower-alpha", "upper-roman", "cjk-decimal", "disc"} <= set(STYLES)


@pytest.mark.parametrize("style", STYLES)
def test_each_style_prints_the_same_references_in_parts(
    laid_out: tuple[list[str], list[str]], style: str
) -> None:
    whole, split = laid_out

    def lines(texts: list[str]) -> list[str]:
        """This style's references, each with the page it is on."""
        return [
            f"page {number}: {line.strip()}"
            for number, text in enumerate(texts, 1)
            for line in text.splitlines()
            if line.startswith(f"{style} ")
        ]

    found = lines(whole)
    assert len(found) == 3 * len(CHAPTERS), found  # the contents and two chapters
    assert lines(split) == found


def test_the_pages_read_the_same(laid_out: tuple[list[str], list[str]]) -> None:
    whole, split = laid_out
    assert split == whole
