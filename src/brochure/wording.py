"""Small helpers for the words brochure prints: counted nouns and Chinese characters."""

from __future__ import annotations

import re

#: The characters that need the bundled CJK font: CJK radicals, ideographs, compatibility
#: ideographs, CJK forms, full-width forms and the supplementary ideograph planes. The
#: same table decides how many terminal columns a character takes (two, inside it).
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]")


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and `noun`, plural unless the count is one: '3 problems', '2 cities'."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def columns(text: str) -> int:
    """Terminal columns `text` takes: CJK characters take two."""
    return len(text) + len(CJK.findall(text))
