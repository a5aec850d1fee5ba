"""The bounded mapping behind the in-process memos."""

from __future__ import annotations

from brochure.recent import Recent


def test_recent_keeps_the_most_recently_stored_entries() -> None:
    kept: Recent[str, int] = Recent(2)
    kept["a"], kept["b"] = 1, 2
    kept["a"] = 3  # stored again: the most recent now
    kept["c"] = 4
    assert list(kept.items()) == [("a", 3), ("c", 4)]
    assert kept.get("b") is None and len(kept) == 2
