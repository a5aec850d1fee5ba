"""Laying out a long pack part by part, so that memory stays flat as packs grow (see plan.py).

Every page is laid out once, except the front (cover and contents: two to four pages),
which is laid out twice, and, when the styles print page numbers, a part whose targets'
page numbers were not all known when it was laid out: it is laid out again once they are.
Peak memory is that of the largest part, not of the whole pack.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass

from ...access import ResourcePolicy
from ...errors import RenderError
from ..pages import LaidPage, PageFacts, outline
from ..weasy import LaidOut, LayoutSession, PlacedImage, Rendered, RenderOptions
from .plan import (
    END_PAGE,
    OTHER_SIDE,
    STUB_PAGE,
    LayoutPlan,
    Segment,
    SplitPack,
    chrome_document,
    external_targets,
    front_document,
    part_document,
)
from .stitch import PartPdf, stitch

_WHOLE = "render this pack whole (--layout whole)"


def _kept(laid: LaidOut, start: int, last: bool) -> range:
    """The pack's own pages of a document: after its lead page, before its end and stubs."""
    pages = laid.pages
    end = next(
        (
            i
            for i in range(start, len(pages))
            if pages[i].facts.name.startswith((STUB_PAGE, END_PAGE))
        ),
        len(pages),
    )
    while last and end > start and pages[end - 1].facts.blank:
        end -= 1  # the whole pack would not end on a blank page
    return range(start, end)


def render_in_parts(
    plan: LayoutPlan, base_url: str, policy: ResourcePolicy, options: RenderOptions
) -> Rendered:
    """Lay out the front, then each part, then the front again and the chrome; stitch them."""
    split = plan.split
    assert split is not None, "a plan in parts"
    with LayoutSession(base_url, policy, options) as session:
        draft = session.layout(front_document(split, {}))
        front_length = len(_kept(draft, 0, last=False))
        first_side = draft.pages[0].facts.side
        for _attempt in range(2):
            known = {a: i + 1 for i, p in enumerate(draft.pages[:front_length]) for a in p.anchors}
            parts, pages, images = _lay_out_parts(session, plan, front_length, first_side, known)
            targets = _numbered(external_targets(split, [split.front], known), 1)
            front = session.layout(front_document(split, targets))
            keep = _kept(front, 0, last=False)
            if len(keep) == front_length:
                break
            # The real page numbers changed how the contents break: lay out again.
            draft, front_length = front, len(keep)
        else:
            raise RenderError(
                f"the contents pages changed length once page numbers were known; {_WHOLE}"
            )
        front_pages = [front.pages[i] for i in keep]
        images = front.images(keep) + images
        front_pdf = PartPdf(front.write(session.attachments()), keep)
        del front, draft
        pages = front_pages + pages
        chrome = session.layout(chrome_document(split, [p.facts for p in pages]), tagged=False)
        _check_chrome(chrome, pages)
        chrome_pdf = chrome.write()
        del chrome
        gc.collect()
        warnings = session.warnings()
    pdf = stitch(front_pdf, parts, chrome_pdf, outline(pages))
    anchors = frozenset(a for p in pages for a in p.anchors)
    links = tuple(link for p in pages for link in p.links)
    return Rendered(pdf, len(pages), warnings, anchors, links, images, parts=len(parts) + 1)


@dataclass(frozen=True)
class _Part:
    """One part laid out: its PDF, and what is kept of its pages and images."""

    pdf: PartPdf
    pages: list[LaidPage]
    images: tuple[PlacedImage, ...]


def _numbered(targets: dict[str, int | None], guess: int) -> dict[str, int]:
    """Targets with a page number each: `guess` where the number is not known yet."""
    return {anchor: guess if page is None else page for anchor, page in targets.items()}


def _lay_out_parts(
    session: LayoutSession,
    plan: LayoutPlan,
    front_length: int,
    first_side: str,
    known: dict[str, int],
) -> tuple[list[PartPdf], list[LaidPage], tuple[PlacedImage, ...]]:
    """Each group of chapters in its own document, in order; `known` learns their anchors.

    A part is laid out with the page numbers known so far (a later part's anchor gets the
    part's own first page as a guess). When the styles print page numbers, every part whose
    targets' numbers turn out different is laid out again with the right ones; it must
    break as before.
    """
    assert plan.split is not None
    split, groups = plan.split, plan.groups
    done: list[_Part] = []
    starts: list[tuple[str, int]] = []
    used: list[dict[str, int]] = []
    next_page = front_length + 1
    for number, group in enumerate(groups):
        side = first_side if next_page % 2 else OTHER_SIDE[first_side]
        targets = _numbered(external_targets(split, group, known), next_page)
        part = _lay_out_part(session, split, group, side, next_page, targets, _last(plan, number))
        for offset, page in enumerate(part.pages):
            for anchor in page.anchors:
                known.setdefault(anchor, next_page + offset)
        done.append(part)
        starts.append((side, next_page))
        used.append(targets)
        next_page += len(part.pages)
    for number, targets in enumerate(used):
        final = {anchor: known.get(anchor, page) for anchor, page in targets.items()}
        if not plan.page_references or final == targets:
            continue
        side, first_page = starts[number]
        again = _lay_out_part(
            session, split, groups[number], side, first_page, final, _last(plan, number)
        )
        if _breaks(again) != _breaks(done[number]):
            raise RenderError(
                "a page number of a later chapter changed how its own chapter breaks; " + _WHOLE
            )
        done[number] = again
    pages = [page for part in done for page in part.pages]
    images = tuple(image for part in done for image in part.images)
    return [part.pdf for part in done], pages, images


def _last(plan: LayoutPlan, number: int) -> bool:
    return number == len(plan.groups) - 1


def _breaks(part: _Part) -> list[tuple[PageFacts, tuple[str, ...]]]:
    """Where a part's pages break: each page's facts and anchors."""
    return [(page.facts, page.anchors) for page in part.pages]


def _lay_out_part(
    session: LayoutSession,
    split: SplitPack,
    group: Sequence[Segment],
    side: str,
    first_page: int,
    targets: dict[str, int],
    last: bool,
) -> _Part:
    """One part, its first page numbered `first_page`, its targets on the pages given."""
    laid = session.layout(part_document(split, group, side, targets, last, first_page))
    keep = _kept(laid, 1, last)
    pages = [laid.pages[i] for i in keep]
    images = laid.images(keep)
    part = _Part(PartPdf(laid.write(), keep), pages, images)
    del laid
    gc.collect()  # a part's boxes hold cycles: free them before the next part
    return part


def _check_chrome(chrome: LaidOut, pages: Sequence[LaidPage]) -> None:
    """The chrome must have the pack's pages, each with the same name, side and blankness."""
    got = [(p.facts.name, p.facts.side, p.facts.blank) for p in chrome.pages]
    want = [(p.facts.name, p.facts.side, p.facts.blank) for p in pages]
    if got != want:
        raise RenderError(
            "the running heads and feet could not be laid out page for page "
            f"({len(got)} pages for {len(want)}); {_WHOLE}"
        )
