"""Shared fixtures: copies of the bundled content, and packs rendered once per session."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
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


def _qpdf_problems(pdf: Path) -> list[str]:
    """What `qpdf --check` says is wrong with a PDF (pikepdf's copy of qpdf if no CLI)."""
    if shutil.which("qpdf"):
        done = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        return [] if done.returncode == 0 else [done.stdout + done.stderr]
    import pikepdf

    with pikepdf.open(pdf) as opened:
        return opened.check_pdf_syntax()


@pytest.fixture(scope="session", autouse=True)
def every_pdf_passes_qpdf_check(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the session, run qpdf --check on every PDF any test wrote."""
    yield
    base = tmp_path_factory.getbasetemp()
    failures = {
        str(pdf): problems
        for pdf in sorted(base.rglob("*.pdf"))
        if pdf.stat().st_size > 1000 and (problems := _qpdf_problems(pdf))
    }
    assert failures == {}, failures
