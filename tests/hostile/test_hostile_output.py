"""The output file: unwritable, a folder, a full disk, Ctrl-C. An earlier pack survives."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest

import brochure.render.cache
import brochure.render.weasy
from hostile.support import (
    EARLIER_PDF,
    SELECTION,
    Outcome,
    Target,
    assert_clean_exit,
    assert_error,
    assert_no_temp_files,
    assert_refused,
    build,
)
from mounts import tmpfs


def forbid_rendering(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any layout: problems with the output path come before rendering."""
    calls: list[str] = []

    def render(*args: Any, **kwargs: Any) -> NoReturn:
        calls.append("layout")
        raise KeyboardInterrupt  # stop at once; the test then fails on `calls`

    monkeypatch.setattr(brochure.render.weasy.LayoutSession, "document", render)
    monkeypatch.setattr(brochure.render.cache.PartCache, "get", render)
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

    monkeypatch.setattr(brochure.render.weasy.LayoutSession, "document", interrupted)
    outcome = build(*earlier.args, "--no-cache")
    assert_interrupted(outcome, earlier)


def test_ctrl_c_while_writing(earlier: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def interrupted(fd: int) -> NoReturn:
        # the bytes are in an unnamed temporary file in the target's folder (O_TMPFILE)
        seen.append(Path(f"/proc/self/fd/{fd}").readlink())
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    outcome = build(*earlier.args)
    assert_interrupted(outcome, earlier)
    assert len(seen) == 1, "the write did not go through a temporary file"
    assert seen[0].parent == earlier.path.parent and seen[0].name.endswith("(deleted)")
    assert_no_temp_files(earlier.path.parent, keep=[earlier.path])


def test_a_successful_build_replaces_the_earlier_pack(earlier: Target) -> None:
    """The control case: the same target, nothing hostile, is written."""
    outcome = build(*earlier.args)
    assert outcome.code == 0, str(outcome)
    earlier.assert_written()


# -- targets that are not plain files, folders that refuse a temporary file -----------


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _char_device(path: Path) -> Path:
    """A node like /dev/full (1, 7), made in tmp_path so no real device is at risk."""
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    return path


def _socket(path: Path) -> Path:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
    return path


@pytest.mark.parametrize(
    ("make", "kind"),
    [(_fifo, "a FIFO"), (_char_device, "a character device"), (_socket, "a socket")],
)
def test_an_output_that_is_not_a_plain_file_is_refused(
    tmp_path: Path, make: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = make(tmp_path / "pack.pdf")
    before = node.lstat()
    rendered = forbid_rendering(monkeypatch)
    outcome = build("-o", str(node))
    assert rendered == []
    assert_error(outcome, f"error: {node}: is {kind}", "not a file")
    after = node.lstat()
    assert (after.st_mode, after.st_ino, after.st_rdev) == (
        before.st_mode,
        before.st_ino,
        before.st_rdev,
    )
    assert_no_temp_files(tmp_path, keep=[node])


@pytest.mark.parametrize("folder", ["/proc", "/sys"])
def test_a_folder_of_the_kernel_gives_one_error_line(
    folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Path(folder) / "brochure-pack.pdf"
    rendered = forbid_rendering(monkeypatch)
    outcome = build("-o", str(target))
    assert rendered == []
    assert_error(outcome, f"error: {folder}: cannot write in the output folder")
    assert len(outcome.messages) == 1, str(outcome)
    assert not target.exists()


def test_a_read_only_mount_gives_one_error_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", read_only=True) as folder:
        outcome = build("-o", str(folder / "pack.pdf"))
        assert_error(outcome, f"error: {folder}")
        assert "not writable" in outcome.stderr or "Read-only file system" in outcome.stderr
        assert len(outcome.messages) == 1, str(outcome)
        assert list(folder.iterdir()) == []


def test_a_folder_the_user_may_not_write_gives_one_error_line(tmp_path: Path) -> None:
    """Root writes anywhere, so the run gives up root's right to ignore file modes
    (CAP_DAC_OVERRIDE) with setpriv; the folder belongs to `nobody`, mode 755."""
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) runs the build without CAP_DAC_OVERRIDE"
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o755)
    os.chown(folder, 65534, 65534)
    target = folder / "pack.pdf"
    command = [sys.executable, "-m", "brochure", "build", *SELECTION, "-o", str(target)]
    done = subprocess.run(
        [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {folder}: the output folder is not writable"], done.stderr
    assert list(folder.iterdir()) == []
