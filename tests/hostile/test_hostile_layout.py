"""Extreme layout: huge font sizes, huge pages, deep nesting. Each must end, within the
--timeout given, with a PDF or a clear error: no traceback, no hang."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from brochure import pack
from brochure.render.limits import Limits
from hostile.support import (
    Outcome,
    Target,
    assert_built,
    assert_clean_exit,
    assert_refused,
    build,
    cover_with,
    put,
)

TIMEOUT = 20.0


def assert_pdf_or_clear_error(outcome: Outcome, target: Target) -> None:
    """Exit 0 with a clean PDF, or exit 1 with `error: ...` and nothing written."""
    assert_clean_exit(outcome)
    assert outcome.seconds < TIMEOUT + 10, str(outcome)
    if outcome.code == 0:
        assert_built(outcome, target)
    else:
        assert_refused(outcome, target)


@pytest.mark.parametrize(
    "css",
    [
        "p { letter-spacing: 1e8px; word-spacing: -1e8px; }\n",
        "h1 { margin-left: -1e8px; width: 1e8px; }\n",
        "html { font-size: 1e-8px; }\n",
    ],
    ids=["letter-spacing", "width", "tiny-font"],
)
def test_huge_lengths_in_a_kit_stylesheet(kit: Path, earlier: Target, css: str) -> None:
    put(kit, "styles/evil.css", css)
    outcome = build("--brand", str(kit), *earlier.args, timeout=TIMEOUT)
    assert_pdf_or_clear_error(outcome, earlier)


def test_a_huge_font_size(kit: Path, earlier: Target) -> None:
    """Decided by running: WeasyPrint divides by zero and brochure says what to look for.

    Pango also prints `Pango-CRITICAL ... assertion 'size >= 0' failed` straight to fd 2;
    that is library noise beside brochure's one `error:` line, not a failure.
    """
    put(kit, "styles/evil.css", "h1, h2, p { font-size: 1e8px; }\n")
    outcome = build("--brand", str(kit), *earlier.args, timeout=TIMEOUT)
    assert_pdf_or_clear_error(outcome, earlier)
    if outcome.code == 1:
        assert "could not lay out the document" in outcome.stderr, str(outcome)


def test_a_huge_page_size_is_stopped_by_the_limits(
    kit: Path, earlier: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 1e8 px page makes WeasyPrint allocate without end, or overflow Pango's integers
    (justifying a contents line 1e8 px wide): the time or memory limit stops the first,
    the layout error names the second. Either way: a clear error, nothing written.

    The memory ceiling is lowered from 2 GiB to 768 MiB here only to keep the test quick
    and light: with the default the same error comes after about 15 s.
    """
    monkeypatch.setattr(pack, "Limits", functools.partial(Limits, memory_bytes=768 * 1024**2))
    put(kit, "styles/evil.css", "@page { size: 1e8px; }\n")
    outcome = build("--brand", str(kit), *earlier.args, timeout=TIMEOUT)
    assert_pdf_or_clear_error(outcome, earlier)
    assert outcome.code == 1
    assert (
        "rendering needed more than 768 MB" in outcome.stderr
        or f"rendering took longer than {TIMEOUT:g} s" in outcome.stderr
        or "could not lay out the document (OverflowError" in outcome.stderr
    ), str(outcome)


def test_3000_nested_divs(kit: Path, earlier: Target) -> None:
    put(kit, "templates/cover.html", cover_with("<div>" * 3000 + "deep" + "</div>" * 3000))
    outcome = build("--brand", str(kit), *earlier.args, timeout=TIMEOUT)
    assert_pdf_or_clear_error(outcome, earlier)
    if outcome.code == 1:
        assert "nests too deeply" in outcome.stderr, str(outcome)
