"""Laying out a pack part by part (see plan.py): long packs so that memory stays flat,
every pack when the part cache is on so that unchanged parts are reused.

Every page is laid out once, except the front (cover and contents: two to four pages),
which is laid out twice (a draft, then with the page numbers; once when a front of the same
markup was laid out in this process before, see shapes.py), and, when the styles print
page numbers, a part whose targets' page numbers were not all known when it was laid
out: it is laid out again once they are. Peak memory is that of the largest part.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace

from ...access import ResourcePolicy
from ...errors import RenderError
from ..cache import PartCache
from ..layouter import (
    CachedLayouter,
    Layouter,
    PoolLayouter,
    SessionLayouter,
    stop_workers,
    wait,
)
from ..pages import LaidDocument, LaidPage, PageFacts, PlacedImage, outline
from ..weasy import LayoutSession, Rendered, RenderOptions, rendered_whole
from .plan import (
    END_PAGE,
    OTHER_SIDE,
    STUB_PAGE,
    LayoutPlan,
    Segment,
    chrome_document,
    external_targets,
    front_document,
    part_document,
)
from .shapes import FrontShape, known_shape, latest_shape, markup_key, remember_shape
from .stitch import PartPdf, Stitching

_WHOLE = "render this pack whole (--layout whole)"


def _kept(laid: LaidDocument, start: int, last: bool) -> range:
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


def render_planned(
    plan: LayoutPlan,
    html: str,
    base_url: str,
    policy: ResourcePolicy,
    options: RenderOptions,
    cache: PartCache | None = None,
    jobs: int = 1,
) -> Rendered:
    """Lay a pack out as `plan` says: in this process, or its parts in `jobs` workers;
    with `cache` in front if given."""
    with LayoutSession(base_url, policy, options) as session:
        lay: Layouter = SessionLayouter(session)
        cached = None if cache is None else CachedLayouter(lay, cache, base_url, policy, options)
        pooled = jobs > 1 and _side_by_side(plan, cached) > 1
        if pooled:
            lay = PoolLayouter(jobs, base_url, policy, options)
        if cached is not None:
            cached.inner = lay
            lay = cached
        try:
            if plan.split is None:
                done = rendered_whole(lay.document(html, attach=True))
            else:
                done = render_in_parts(plan, lay, guess_any=not pooled)
            return replace(done, layout=plan.reason)
        except BaseException:  # out of time, Ctrl-C, an error: the workers stop too
            if pooled:
                stop_workers()
            raise


#: The side a left-to-right document's first page is on: parts are laid out early with it.
_FIRST_SIDE = "right"


def render_in_parts(plan: LayoutPlan, lay: Layouter, guess_any: bool = False) -> Rendered:
    """Lay out a draft of the front, the parts, then the front (with their page numbers)
    and the chrome; stitch.

    The draft tells the front's length, first side and anchors. It goes first, and fails
    fast on a bad cover; it is skipped when a front with the same markup was laid out in
    this process before (shapes.py): its shape is the guess, and the front laid out with
    the page numbers must confirm it. With `guess_any` (documents laid out one after
    another, where the draft would not run beside the parts) the last front laid out here
    is the guess for a front never seen. Parts that do not depend on where they start are
    handed to the layouter at once (a pool lays them out side by side); the rest follow
    in order.
    """
    split = plan.split
    assert split is not None, "a plan in parts"
    draft_html = front_document(split, {})
    markup = markup_key(draft_html)
    shape = known_shape(markup)
    if shape is None and guess_any:  # one document after another: the draft would wait too
        shape = latest_shape()
    drafting = None if shape is not None else lay.submit(draft_html, write=False)
    early = _submit_free_parts(lay, plan, _FIRST_SIDE)
    messages: list[tuple[str, ...]] = []
    if drafting is not None:
        draft = wait(drafting)
        shape = FrontShape.of([draft.pages[i] for i in _kept(draft, 0, last=False)])
        messages.append(draft.messages)
    assert shape is not None
    # The contents may break anew once numbers are known; a guessed shape may be wrong.
    for _attempt in range(2 if drafting is not None else 3):
        front_length, first_side = len(shape.pages), shape.first_side
        known = {a: i + 1 for i, (_, anchors) in enumerate(shape.pages) for a in anchors}
        parts = _lay_out_parts(lay, plan, front_length, first_side, known, early)
        if not plan.sided:  # laid out on any side: give their pages the pack's
            _set_sides(parts, front_length, first_side)
        targets = _numbered(external_targets(split, [split.front], known), 1)
        fronting = lay.submit(front_document(split, targets), attach=True)
        guess = [facts for facts, _ in shape.pages]
        guess += [page.facts for part in parts for page in part.pages]
        chroming = lay.submit(chrome_document(split, guess), tagged=False)
        front = wait(fronting)
        keep = _kept(front, 0, last=False)
        messages += [front.messages, *(p.messages for p in parts)]
        laid = FrontShape.of([front.pages[i] for i in keep])
        if shape.agrees(laid, plan.sided):
            break
        # The front has another length or shape (or the pack starts on a left page): its
        # layout is the draft now, and it is laid out again.
        shape = laid
    else:
        raise RenderError(
            f"the contents pages changed length once page numbers were known; {_WHOLE}"
        )
    remember_shape(markup, laid)
    if not plan.sided and front.pages[0].facts.side != first_side:  # right to left
        _set_sides(parts, front_length, front.pages[0].facts.side)
    pages = [front.pages[i] for i in keep] + [page for part in parts for page in part.pages]
    if [p.facts for p in pages] != guess:
        chroming = lay.submit(chrome_document(split, [p.facts for p in pages]), tagged=False)
    assert front.pdf is not None
    with Stitching(PartPdf(front.pdf, keep), [p.pdf for p in parts], outline(pages)) as joined:
        chrome = wait(chroming)  # laid out in a worker while the rest was stitched
        _check_chrome(chrome, pages)
        assert chrome.pdf is not None
        pdf = joined.finish(chrome.pdf)
    messages.append(chrome.messages)
    images = front.images_of(keep) + tuple(i for part in parts for i in part.images)
    anchors = frozenset(a for p in pages for a in p.anchors)
    links = tuple(link for p in pages for link in p.links)
    warnings = tuple(dict.fromkeys(m for said in messages for m in said))
    return Rendered(pdf, len(pages), warnings, anchors, links, images, parts=len(parts) + 1)


def _numbered_part(plan: LayoutPlan, group: Sequence[Segment]) -> bool:
    """Whether a part prints page numbers (of its own elements or of other parts')."""
    return plan.page_references and any(s.links for s in group)


@dataclass(frozen=True)
class _Part:
    """One part laid out: its PDF, and what is kept of its pages and images."""

    pdf: PartPdf
    pages: list[LaidPage]
    images: tuple[PlacedImage, ...]
    messages: tuple[str, ...]


def _numbered(targets: dict[str, int | None], guess: int) -> dict[str, int]:
    """Targets with a page number each: `guess` where the number is not known yet."""
    return {anchor: guess if page is None else page for anchor, page in targets.items()}


@dataclass(frozen=True)
class _Place:
    """Where a part is laid out: the side and number of its first page, its targets."""

    side: str
    first_page: int
    targets: dict[str, int]
    numbered: bool  # its pages print page numbers of its own or other parts' elements


def _place(
    plan: LayoutPlan, group: Sequence[Segment], side: str, page: int, known: dict[str, int]
) -> _Place:
    """Where to lay a part out. A part whose pages do not depend on where it starts is laid
    out as if it began on page 1 (on the pack's first side if the pack is not sided), so
    that the part cache finds it wherever it lands."""
    assert plan.split is not None
    targets = _numbered(external_targets(plan.split, group, known), page)
    numbered = _numbered_part(plan, group)
    if not numbered:
        page, targets = 1, dict.fromkeys(targets, 1)
    return _Place(side, page, targets, numbered)


_Early = dict[int, tuple["_Place", Future[LaidDocument]]]


def _submit_free_parts(lay: Layouter, plan: LayoutPlan, side: str) -> _Early:
    """Hand the layouter every part that is laid out the same wherever it starts, the
    heaviest first (so that the longest does not start last and keep the others waiting)."""
    return {
        number: (place, _submit_part(lay, plan, number, place))
        for number, place in _free_parts(plan, side).items()
    }


def _free_parts(plan: LayoutPlan, side: str) -> dict[int, _Place]:
    """The parts laid out the same wherever they start, and where: the heaviest first."""
    if plan.split is None or plan.sided:
        return {}
    free = [n for n, group in enumerate(plan.groups) if not _numbered_part(plan, group)]
    free.sort(key=lambda n: -sum(s.weight for s in plan.groups[n]))
    return {n: _place(plan, plan.groups[n], side, 1, {}) for n in free}


def _side_by_side(plan: LayoutPlan, cached: CachedLayouter | None) -> int:
    """How many documents of the plan can be laid out at once: the parts that do not
    depend on where they start, less those the part cache holds. Worker processes cost
    a second or two to start, and earn it back only when this is two or more."""
    places = _free_parts(plan, _FIRST_SIDE)
    if cached is None:
        return len(places)
    return sum(1 for n, place in places.items() if not cached.holds(_part_html(plan, n, place)))


def _lay_out_parts(
    lay: Layouter,
    plan: LayoutPlan,
    front_length: int,
    first_side: str,
    known: dict[str, int],
    early: _Early,
) -> list[_Part]:
    """Each group of chapters in its own document, in order; `known` learns their anchors.

    A part is laid out with the page numbers known so far (a later part's anchor gets the
    part's own first page as a guess). When the styles print page numbers, every part whose
    targets' numbers turn out different is laid out again with the right ones; it must
    break as before.
    """
    done: list[_Part] = []
    places: list[_Place] = []
    next_page = front_length + 1
    # Parts laid out early already know their pages: a part that prints their page numbers
    # is first laid out with those (taking itself and the other late parts as one page).
    ahead = {n: _part(plan, n, wait(f)) for n, (_, f) in early.items()}
    for number, group in enumerate(plan.groups):
        side = first_side if next_page % 2 or not plan.sided else OTHER_SIDE[first_side]
        guess = _ahead(ahead, number, next_page, len(plan.groups))
        place = _place(plan, group, side, next_page, {**guess, **known})
        started = early.get(number)
        if started is not None and started[0] == place:
            part = ahead[number]
        else:
            part = _part(plan, number, wait(_submit_part(lay, plan, number, place)))
        for offset, page in enumerate(part.pages):
            for anchor in page.anchors:
                known.setdefault(anchor, next_page + offset)
        done.append(part)
        places.append(place)
        next_page += len(part.pages)
    for number, place in enumerate(places):
        final = {anchor: known.get(anchor, page) for anchor, page in place.targets.items()}
        if not place.numbered or final == place.targets:
            continue
        again = _part(
            plan, number, lay.document(_part_html(plan, number, replace(place, targets=final)))
        )
        if _breaks(again) != _breaks(done[number]):
            raise RenderError(
                "a page number of a later chapter changed how its own chapter breaks; " + _WHOLE
            )
        done[number] = again
    return done


def _ahead(ahead: dict[int, _Part], number: int, first_page: int, parts: int) -> dict[str, int]:
    """Where the anchors of the parts after `number` land, if it and every part not yet
    laid out take one page."""
    pages: dict[str, int] = {}
    start = first_page + 1
    for later in range(number + 1, parts):
        part = ahead.get(later)
        if part is None:
            start += 1
            continue
        for offset, page in enumerate(part.pages):
            for anchor in page.anchors:
                pages.setdefault(anchor, start + offset)
        start += len(part.pages)
    return pages


def _set_sides(parts: list[_Part], front_length: int, first_side: str) -> None:
    """Give the pages of parts laid out on any side the sides they have in the pack."""
    number = front_length + 1
    for part in parts:
        for i, page in enumerate(part.pages):
            side = first_side if number % 2 else OTHER_SIDE[first_side]
            part.pages[i] = replace(page, facts=replace(page.facts, side=side))
            number += 1


def _last(plan: LayoutPlan, number: int) -> bool:
    return number == len(plan.groups) - 1


def _breaks(part: _Part) -> list[tuple[PageFacts, tuple[str, ...]]]:
    """Where a part's pages break: each page's facts and anchors."""
    return [(page.facts, page.anchors) for page in part.pages]


def _part_html(plan: LayoutPlan, number: int, place: _Place) -> str:
    assert plan.split is not None
    group, last = plan.groups[number], _last(plan, number)
    return part_document(plan.split, group, place.side, place.targets, last, place.first_page)


def _submit_part(
    lay: Layouter, plan: LayoutPlan, number: int, place: _Place
) -> Future[LaidDocument]:
    """Start laying out one part where `place` says."""
    return lay.submit(_part_html(plan, number, place))


def _part(plan: LayoutPlan, number: int, laid: LaidDocument) -> _Part:
    """What the pack keeps of a part's document: its pages after the lead, before the end."""
    assert laid.pdf is not None
    keep = _kept(laid, 1, _last(plan, number))
    pages = [laid.pages[i] for i in keep]
    return _Part(PartPdf(laid.pdf, keep), pages, laid.images_of(keep), laid.messages)


def _check_chrome(chrome: LaidDocument, pages: Sequence[LaidPage]) -> None:
    """The chrome must have the pack's pages, each with the same name, side and blankness."""
    got = [(p.facts.name, p.facts.side, p.facts.blank) for p in chrome.pages]
    want = [(p.facts.name, p.facts.side, p.facts.blank) for p in pages]
    if got != want:
        raise RenderError(
            "the running heads and feet could not be laid out page for page "
            f"({len(got)} pages for {len(want)}); {_WHOLE}"
        )
