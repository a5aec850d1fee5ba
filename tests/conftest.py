"""Shared fixtures: copies of the bundled content, and packs rendered once per session."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import brochure
from brochure.pack import BuildResult
from brochure.render.parts.shapes import forget_shapes
from brochure.resources import builtin_data
from pdftools import qpdf_problems


@pytest.fixture(scope="session", autouse=True)
def part_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One part cache for the whole run, shared by every xdist worker and subprocess."""
    root = tmp_path_factory.getbasetemp().parent / "part-cache"
    os.environ["BROCHURE_CACHE_DIR"] = str(root)
    return root


@pytest.fixture(scope="session", autouse=True)
def one_layout_process_per_build() -> None:
    """pytest-xdist keeps every core busy already: a `brochure build` the tests run lays
    its parts out in its own process, as `--jobs 1` does, unless the test asks for more.
    (Worker pools would only compete for the same cores; the tests of parallel layout in
    test_part_cache.py ask for them, and test_cli.py checks the default without this.)"""
    os.environ["BROCHURE_JOBS"] = "1"


@pytest.fixture(autouse=True)
def fronts_not_seen_before() -> None:
    """Each test starts as a fresh process would: no front shapes remembered (a pack laid
    out in parts skips the front's draft when this process has seen its markup)."""
    forget_shapes()


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


def _build_full(folder: Path) -> BuildResult:
    return brochure.build_pack(
        all_cities=True, all_topics=True, build_date="2026-12-02", output=folder / "full.pdf"
    )


@pytest.fixture(scope="session")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """Every city and every topic of the bundled content, built once per session.

    Only for tests that read the pack: it is shared by several modules. Under xdist the
    first worker to ask builds it, in its own temporary folder (so the session's qpdf
    check covers it); the others wait on a lock and read the result it left.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _build_full(tmp_path_factory.mktemp("full"))
    shared = tmp_path_factory.getbasetemp().parent  # the folder every worker's temp is in
    record = shared / "full_build.pickle"
    with (shared / "full_build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if record.exists():
            result: BuildResult = pickle.loads(record.read_bytes())
            return result
        result = _build_full(tmp_path_factory.mktemp("full"))
        partial = record.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(result))
        partial.replace(record)
        return result


@pytest.fixture(scope="session")
def full_pack(full_build: BuildResult) -> Path:
    """The path of the pack of every city and topic (see full_build)."""
    return full_build.path


@pytest.fixture(scope="session", autouse=True)
def every_pdf_passes_qpdf_check(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the session, run qpdf --check on every PDF any test wrote."""
    yield
    base = tmp_path_factory.getbasetemp()
    pdfs = [pdf for pdf in sorted(base.rglob("*.pdf")) if pdf.stat().st_size > 1000]
    # qpdf runs in its own process: check several PDFs at once, on the cores other
    # workers that have finished leave free.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = list(pool.map(qpdf_problems, pdfs))
    failures = {str(pdf): problems for pdf, problems in zip(pdfs, found, strict=True) if problems}
    assert failures == {}, failures
