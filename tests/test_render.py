"""The rendering layer: only allowed resources load, and WeasyPrint's errors are fatal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from brochure.access import ResourcePolicy
from brochure.errors import RenderError, ResourceError
from brochure.render.weasy import render_pdf
from pdftools import page_texts

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
    "DwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def render(tmp_path: Path, body: str) -> bytes:
    html = f"<!DOCTYPE html><html lang='en'><body>{body}</body></html>"
    return render_pdf(html, tmp_path.as_uri() + "/", ResourcePolicy([tmp_path])).pdf


def test_plain_document_renders(tmp_path: Path) -> None:
    pdf = render(tmp_path, f"<p>Hello Ningbo</p><img src='{PNG_1PX}'>")
    out = tmp_path / "x.pdf"
    out.write_bytes(pdf)
    assert "Hello Ningbo" in page_texts(out)[0]


def test_file_inside_the_root_loads(tmp_path: Path) -> None:
    (tmp_path / "style.css").write_text("p::after { content: ' from css'; }")
    out = tmp_path / "x.pdf"
    out.write_bytes(render(tmp_path, "<link rel='stylesheet' href='style.css'><p>Text</p>"))
    assert "Text from css" in page_texts(out)[0]


@pytest.mark.parametrize(
    "body",
    [
        "<img src='file:///etc/passwd'>",
        "<link rel='stylesheet' href='file:///etc/hostname'>",
        "<link rel='stylesheet' href='../outside.css'>",
    ],
)
def test_files_outside_the_roots_are_refused(tmp_path: Path, body: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.css").write_text("p { color: red }")
    html = f"<html><body>{body}<p>x</p></body></html>"
    with pytest.raises(ResourceError, match="outside the allowed folders"):
        render_pdf(html, root.as_uri() + "/", ResourcePolicy([root]))


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest", "https://example.com/x.css", "ftp://example.com/x"]
)
def test_network_urls_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ResourceError, match="no network access"):
        render(tmp_path, f"<link rel='stylesheet' href='{url}'><p>x</p>")


def test_missing_file_is_an_error_not_a_silent_gap(tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match=r"logo\.png.*file not found"):
        render(tmp_path, "<img src='logo.png'>")


def test_an_image_weasyprint_cannot_read_is_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(RenderError) as caught:
        render(tmp_path, "<img src='broken.png'>")
    assert "broken.png" in str(caught.value)


def test_only_weasyprints_own_failures_become_layout_errors() -> None:
    """An AttributeError raised in WeasyPrint is bad input; one raised in brochure is a bug."""
    from brochure.render import weasy

    with pytest.raises(RenderError, match="could not lay out") as caught, weasy._weasyprint():
        weasy.HTML.render(object())  # type: ignore[attr-defined]  # fails inside WeasyPrint
    assert isinstance(caught.value.__cause__, AttributeError)
    with pytest.raises(AttributeError, match="_page_box"), weasy._weasyprint():
        weasy._page_box(object())  # fails inside brochure's code: surfaces as it is


def test_collections_are_rarer_while_weasyprint_works_and_as_before_afterwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """heap.py: a higher threshold and frozen old objects during layout, restored after."""
    import gc

    import weasyprint

    from brochure.render import heap

    seen: list[tuple[tuple[int, int, int], int]] = []
    layout = weasyprint.HTML.render

    def watched(self: object, *args: object, **kwargs: object) -> object:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return layout(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", watched)
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        render(tmp_path, "<p>Tianjin</p>")
        (threshold, frozen), *_ = seen
        assert threshold == (heap.YOUNG_THRESHOLD, 10, 10) and frozen > 1000
        assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0
        with heap.fewer_collections(), heap.fewer_collections():
            assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
        assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*before)


def test_objects_a_process_froze_itself_stay_frozen() -> None:
    import gc

    from brochure.render import heap

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with heap.fewer_collections():
            pass
        assert gc.get_freeze_count() > frozen - 100  # (objects die frozen too), not 0
    finally:
        gc.unfreeze()


def test_a_long_documents_boxes_are_freed_before_the_next_not_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """heap.py: no full collection once a long document is written (it is wanted now),
    one before the next document is laid out, none after a short one."""
    import gc

    from brochure.access import ResourcePolicy
    from brochure.render import heap
    from brochure.render.layouter import SessionLayouter
    from brochure.render.weasy import LayoutSession, RenderOptions

    collections: list[str] = []

    def collect(*_: object) -> int:
        collections.append("full")
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    heap.collect_garbage()  # whatever an earlier test left
    collections.clear()
    long = "".join(f'<p style="break-after: page">Page {n}</p>' for n in range(10))
    with LayoutSession(tmp_path.as_uri() + "/", ResourcePolicy([tmp_path]), RenderOptions()) as s:
        lay = SessionLayouter(s)
        assert len(lay.document(long).pages) == 10
        assert collections == []
        lay.document("<p>Short</p>")
        assert collections == ["full"]  # before the short one
        lay.document("<p>Short again</p>")
        assert collections == ["full"]
    heap.leave_garbage()
    heap.collect_garbage()
    heap.collect_garbage()
    assert collections == ["full", "full"]


def test_fonts_subset_by_fonttools_carry_the_build_date_not_the_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without libharfbuzz-subset0 WeasyPrint subsets with fontTools, which stamps each
    font with the time it was written: the same pack must still give the same bytes."""
    import datetime as dt
    import types

    import weasyprint.pdf.fonts
    from fontTools.misc import timeTools

    from brochure.render.weasy import RenderOptions

    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    html = "<!DOCTYPE html><html lang='en'><body><p>Qingdao, Tianjin</p></body></html>"
    options = RenderOptions(created=dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    pdfs = []
    for clock in (1.7e9, 1.8e9):  # two builds, three years apart by the clock
        monkeypatch.setattr(timeTools, "time", types.SimpleNamespace(time=lambda c=clock: c))
        policy = ResourcePolicy([tmp_path])
        pdfs.append(render_pdf(html, tmp_path.as_uri() + "/", policy, options).pdf)
    assert pdfs[0] == pdfs[1]
    assert "SOURCE_DATE_EPOCH" not in os.environ  # set only while the PDF was written
