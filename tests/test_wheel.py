"""The wheel carries the built-in theme and content, so brochure works from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pdftools import outline

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("brochure-*.whl")
    return built


def test_wheel_holds_templates_styles_data_and_fonts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in [
        "brochure/_builtin/templates/pack.html",
        "brochure/_builtin/styles/print.css",
        "brochure/_builtin/data/country.yml",
        "brochure/_builtin/data/cities/shanghai.yml",
        "brochure/_builtin/data/topics/belt-and-road.yml",
        "brochure/_builtin/fonts/OFL.txt",
        "brochure/_builtin/fonts/NotoSansSC-Regular-subset.otf",
        "brochure/cli.py",
    ]:
        assert required in names, required
    assert not any(n.startswith(("tests/", "output/")) for n in names)


def test_installed_wheel_builds_a_pack_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import brochure, brochure.resources as r\n"
        "print(r.builtin_root())\n"
        "res = brochure.build_pack(cities=['ningbo'], topics=['regions'])\n"
        "print(res.path)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    root, path = done.stdout.split()
    assert Path(root) == site / "brochure" / "_builtin"
    pdf = elsewhere / path
    assert path == "output/briefing-ningbo-a4.pdf"
    assert any(b.title.startswith("Ningbo") for b in outline(pdf))
