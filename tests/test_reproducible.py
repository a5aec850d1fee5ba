"""Reproducible packs: the same inputs give the same bytes in another process.

Every PDF is built twice: once in one fresh interpreter that builds them all (a cold
process), once here (a warm one, with WeasyPrint's caches full). One subprocess, not one
per PDF: starting Python and importing WeasyPrint is most of a small pack's time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest

import brochure
from pdftools import page_texts

EPOCH = "1767225600"  # 1 January 2026
SMALL: dict[str, Any] = {"cities": ["tianjin"], "topics": ["regions"]}
BUILDS: dict[str, dict[str, Any]] = {
    "screen": {**SMALL, "profile": "screen"},
    "print": {**SMALL, "profile": "print"},
    "archive": {**SMALL, "profile": "archive"},
    "parts": {"cities": ["tianjin", "ningbo"], "topics": ["regions"], "layout": "parts"},
}
_CHILD = """
import json, sys, brochure
folder, builds = sys.argv[1], json.loads(sys.argv[2])
for name, options in builds.items():
    brochure.build_pack(**options, output=f"{folder}/{name}.pdf")
"""


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Path, Path]]]:
    """Each build's PDF from a fresh process and from this one."""
    cold, warm = tmp_path_factory.mktemp("cold"), tmp_path_factory.mktemp("warm")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        child = subprocess.Popen(  # builds while this process builds the same packs
            [sys.executable, "-c", _CHILD, str(cold), json.dumps(BUILDS)],
            env=dict(os.environ),
        )
        try:
            for name, options in BUILDS.items():
                brochure.build_pack(**options, output=warm / f"{name}.pdf")
        finally:
            assert child.wait(timeout=600) == 0
    yield {name: (cold / f"{name}.pdf", warm / f"{name}.pdf") for name in BUILDS}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_same_inputs_same_bytes_in_another_process(
    twice: dict[str, tuple[Path, Path]], name: str
) -> None:
    cold, warm = twice[name]
    assert cold.read_bytes() == warm.read_bytes()


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_source_date_epoch_dates_the_pack_and_its_metadata(
    twice: dict[str, tuple[Path, Path]], name: str
) -> None:
    cold, _ = twice[name]
    assert "1 January 2026" in page_texts(cold)[0]
    with pikepdf.open(cold) as pdf:
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
        with pdf.open_metadata() as meta:
            xmp = str(meta)
    stamps = [v for k, v in info.items() if k.endswith("Date") and v]
    stamps += re.findall(r"\d{4}-\d\d-\d\dT[\d:]+", xmp)
    assert stamps and all(s.startswith(("D:20260101", "2026-01-01")) for s in stamps), stamps
