"""Where a batch task's copy of a kit or content folder is written (many/snapshot.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from brochure.errors import BrochureError
from brochure.many import snapshot
from brochure.many.snapshot import unpacked

KIT = {"brand.yml": b"meta:\n  name: Testco\n", "fonts/a.ttf": b"\0\1font"}


def test_without_a_shared_folder_each_task_has_a_private_copy_deleted_after() -> None:
    with unpacked({"brand": KIT}) as first, unpacked({"brand": KIT}) as second:
        assert first["brand"] != second["brand"]
        assert (first["brand"] / "fonts" / "a.ttf").read_bytes() == KIT["fonts/a.ttf"]
    assert not first["brand"].exists() and not second["brand"].exists()


def test_the_same_bytes_are_unpacked_once_at_the_same_path(tmp_path: Path) -> None:
    """So that the HTML of two packs with one kit is the same, and the part cache shares."""
    shared = tmp_path / "bundles"
    with unpacked({"brand": KIT}, shared) as first:
        pass
    with unpacked({"brand": KIT}, shared) as second:
        pass
    assert first == second and first["brand"].parent == shared.resolve()
    assert (second["brand"] / "brand.yml").read_bytes() == KIT["brand.yml"]
    assert len(list(shared.iterdir())) == 1  # no staging folder left behind
    other = {**KIT, "brand.yml": b"meta:\n  name: Otherco\n"}
    with unpacked({"brand": other}, shared) as third:
        assert third["brand"] != first["brand"]
        assert (third["brand"] / "brand.yml").read_bytes() == other["brand.yml"]


def test_a_damaged_shared_copy_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "bundles"
    with unpacked({"brand": KIT}, shared) as first:
        pass
    (first["brand"] / "brand.yml").write_bytes(b"meta:\n  name: Tampered\n")
    with unpacked({"brand": KIT}, shared) as second:
        assert second["brand"] != first["brand"]
        assert (second["brand"] / "brand.yml").read_bytes() == KIT["brand.yml"]
    (first["brand"] / "extra.css").write_text("body { color: red }")  # a file too many
    with unpacked({"brand": KIT}, shared) as third:
        assert not (third["brand"] / "extra.css").exists()


def test_copies_unused_for_a_day_are_swept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "bundles"
    with unpacked({"brand": {**KIT, "old.txt": b"old"}}, shared) as old:
        pass
    day_ago = time.time() - snapshot.SHARED_COPY_SECONDS - 60
    os.utime(old["brand"], (day_ago, day_ago))
    monkeypatch.setattr(snapshot, "_swept", set())  # a new process
    with unpacked({"brand": KIT}, shared) as new:
        assert new["brand"].exists()
    assert not old["brand"].exists()


def test_a_bundle_path_cannot_leave_its_folder(tmp_path: Path) -> None:
    for shared in (None, tmp_path / "bundles"):
        with (
            pytest.raises(BrochureError, match="leaves its folder"),
            unpacked({"brand": {"../escape.txt": b"x"}}, shared),
        ):
            pass
    assert not (tmp_path / "escape.txt").exists()
    assert list((tmp_path / "bundles").iterdir()) == []  # no half-written copy left


def test_a_cache_folder_that_cannot_be_written_gives_a_private_copy(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with unpacked({"brand": KIT}, blocker / "bundles") as places:
        assert (places["brand"] / "brand.yml").read_bytes() == KIT["brand.yml"]
        assert not places["brand"].is_relative_to(tmp_path)
    assert not places["brand"].exists()
