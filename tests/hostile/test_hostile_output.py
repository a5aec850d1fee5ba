"""The output file: unwritable, a folder, a full disk, Ctrl-C. An earlier pack survives."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any, NoReturn

import pytest

import brochure.render.weasy
from hostile.support import (
    EARLIER_PDF,
    Outcome,
    Target,
    assert_clean_exit,
    assert_no_temp_files,
    assert_refused,
    build,
)


def forbid_rendering(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any call to render_pdf: problems with the output path come before rendering."""
    calls: list[str] = []

    def render(*args: Any, **kwargs: Any) -> NoReturn:
        calls.append("render_pdf")
        raise KeyboardInterrupt  # stop at once; the test then fails on `calls`

    monkeypatch.setattr(brochure.render.weasy, "render_pdf", render)
    return calls


def assert_interrupted(outcome: Outcome, target: Target) -> None:
    assert_clean_exit(outcome)
    assert outcome.code == 130, str(outcome)
    assert outcome.messages == ["interrupted"], str(outcome)
    target.assert_untouched()


def test_an_unwritable_output_folder_is_reported_before_rendering(
    earlier: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = earlier.path.parent
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        # tests may run as root, who may write anywhere: stand in for a locked folder
        if Path(path) == folder and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    rendered = forbid_rendering(monkeypatch)
    outcome = build(*earlier.args)
    assert rendered == []
    assert_refused(outcome, earlier, f"error: {folder}: the output folder is not writable")


def test_an_unwritable_earlier_file_is_reported(
    earlier: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        if Path(path) == earlier.path and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    rendered = forbid_rendering(monkeypatch)
    outcome = build(*earlier.args)
    assert rendered == []
    assert_refused(outcome, earlier, f"error: {earlier.path}: the existing file is not writable")


def test_an_output_path_that_is_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "packs"
    folder.mkdir()
    (folder / "keep.pdf").write_bytes(EARLIER_PDF)
    rendered = forbid_rendering(monkeypatch)
    outcome = build("-o", str(folder))
    assert rendered == []
    assert_refused(
        outcome, Target(folder / "keep.pdf", EARLIER_PDF), f"error: {folder}: is a folder"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["keep.pdf"]


def test_an_output_path_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(EARLIER_PDF)
    outcome = build("-o", str(blocker / "pack.pdf"))
    assert_refused(outcome, Target(blocker, EARLIER_PDF), "cannot create the output folder")


def test_a_full_disk_keeps_the_earlier_pack(
    earlier: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> NoReturn:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    outcome = build(*earlier.args)
    assert_refused(outcome, earlier, f"{earlier.path}: could not write (No space left on device)")


def test_a_failed_rename_keeps_the_earlier_pack(
    earlier: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, target: Any) -> NoReturn:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(Path, "replace", refuse)
    outcome = build(*earlier.args)
    assert_refused(outcome, earlier, f"{earlier.path}: could not write (Permission denied)")


def test_ctrl_c_while_rendering(earlier: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> NoReturn:
        raise KeyboardInterrupt

    monkeypatch.setattr(brochure.render.weasy, "render_pdf", interrupted)
    outcome = build(*earlier.args)
    assert_interrupted(outcome, earlier)


def test_ctrl_c_while_writing(earlier: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def interrupted(fd: int) -> NoReturn:
        seen.extend(earlier.path.parent.glob(".*.part"))  # the temporary file exists now
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    outcome = build(*earlier.args)
    assert_interrupted(outcome, earlier)
    assert len(seen) == 1, "the write did not go through a temporary file"
    assert not seen[0].exists()
    assert_no_temp_files(earlier.path.parent, keep=[earlier.path])


def test_a_successful_build_replaces_the_earlier_pack(earlier: Target) -> None:
    """The control case: the same target, nothing hostile, is written."""
    outcome = build(*earlier.args)
    assert outcome.code == 0, str(outcome)
    earlier.assert_written()
