"""Shared fixtures: copies of the bundled content, and packs rendered once per session."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from brochure.resources import builtin_data


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private copy of the bundled content folder that a test may change."""
    target = tmp_path / "data"
    shutil.copytree(builtin_data(), target)
    return target


@pytest.fixture
def edit(content: Path) -> Callable[[str, Callable[[str], str]], Path]:
    """Rewrite one file of the content copy: edit("cities/shanghai.yml", fn)."""

    def apply(relative: str, change: Callable[[str], str]) -> Path:
        path = content / relative
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
        return path

    return apply
