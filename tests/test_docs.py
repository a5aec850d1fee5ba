"""docs/branding.md lists every template block and every CSS variable there is."""

from __future__ import annotations

import re
from pathlib import Path

from brochure.resources import builtin_styles, builtin_templates

DOC = (Path(__file__).resolve().parents[1] / "docs" / "branding.md").read_text(encoding="utf-8")


def test_every_block_is_documented() -> None:
    blocks = {
        name
        for path in builtin_templates().glob("*.html")
        for name in re.findall(r"{%-?\s*block\s+(\w+)", path.read_text())
    }
    assert len(blocks) > 30
    missing = sorted(b for b in blocks if f"`{b}`" not in DOC)
    assert missing == []


def test_every_css_variable_is_documented() -> None:
    variables = {
        name
        for path in builtin_styles().glob("*.css")
        for name in re.findall(r"(--[a-z][a-z-]*)\s*:", path.read_text())
    }
    assert "--brand-primary" in variables
    missing = sorted(v for v in variables if f"`{v}`" not in DOC)
    assert missing == []


ROOT = Path(__file__).resolve().parents[1]


def test_every_test_named_in_the_fault_tables_exists() -> None:
    """docs/scaling.md ("Faults") and docs/security.md ("Bad input held") name real tests."""
    named = {
        (path, name)
        for doc in ("scaling.md", "security.md")
        for path, name in re.findall(
            r"`(tests/[\w/]+\.py)::(\w+)`", (ROOT / "docs" / doc).read_text(encoding="utf-8")
        )
    }
    assert len(named) >= 14
    missing = sorted(
        f"{path}::{name}"
        for path, name in named
        if not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M)
    )
    assert missing == []
