"""One time limit for the whole build, in-process and short."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

import brochure
from brochure import pack
from brochure.errors import RenderError
from brochure.render.limits import Limits, RenderTimeout, bounded


def test_started_limits_share_one_deadline() -> None:
    limits = Limits(seconds=0.5).started()
    assert limits.started() is limits  # the clock does not start again
    with bounded(limits):
        time.sleep(0.3)
    with pytest.raises(RenderTimeout, match=r"took longer than 0\.5 s"), bounded(limits):
        time.sleep(0.3)


def test_limits_not_started_give_each_stage_all_the_time() -> None:
    limits = Limits(seconds=0.5)
    for _ in range(2):
        with bounded(limits):
            time.sleep(0.3)


def test_a_timeout_swallowed_by_the_code_it_stopped_is_still_a_timeout() -> None:
    """Jinja's attribute lookup swallows any exception and fails later as undefined: the
    failure the timeout caused is reported as the timeout, not as that later error."""

    def swallowing() -> None:
        with contextlib.suppress(Exception):  # what the stopped code does, not what we do
            time.sleep(0.5)  # the timer fires here
        raise ValueError("'SourceRow object' has no attribute 'source_id'")

    limits = Limits(seconds=0.2).started()
    with pytest.raises(RenderTimeout, match=r"took longer than 0\.2 s") as raised, bounded(limits):
        swallowing()
    assert isinstance(raised.value.__cause__, ValueError)


def test_templates_and_rendering_share_the_builds_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Templates take most of the limit: rendering gets only what is left, not a new limit."""
    fill = pack.render_html  # type: ignore[attr-defined]

    def slow(*args: object) -> str:
        html = fill(*args)  # type: ignore[arg-type]
        time.sleep(1.0)
        return html

    monkeypatch.setattr(pack, "render_html", slow)
    out = tmp_path / "pack.pdf"
    with pytest.raises(RenderError, match=r"took longer than 1\.2 s"):
        brochure.build_pack(
            cities=["ningbo"], topics=["regions"], timeout=1.2, output=out, cache=False
        )
    assert not out.exists()


def test_the_memory_ceiling_is_lifted_before_the_error_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At the ceiling even a small new exception can fail: the error is built after lifting it."""
    import resource

    from brochure.render import limits as limits_module

    before = resource.getrlimit(resource.RLIMIT_AS)
    seen: list[tuple[int, int]] = []

    class Recording(RenderError):
        def __init__(self, *args: object) -> None:
            seen.append(resource.getrlimit(resource.RLIMIT_AS))
            super().__init__(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(limits_module, "RenderError", Recording)
    with (
        pytest.raises(Recording, match="needed more than 64 MB"),
        bounded(Limits(seconds=0, memory_bytes=64 * 1024**2)),
    ):
        assert resource.getrlimit(resource.RLIMIT_AS) != before  # the ceiling is on
        raise MemoryError
    assert seen == [before]
    assert resource.getrlimit(resource.RLIMIT_AS) == before
