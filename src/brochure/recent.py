"""A mapping that keeps only its most recently stored entries: the in-process memos
(parsed stylesheets, scanned markup, merged fonts, front shapes, loaded content) that a
batch worker or `--watch` fills pack after pack."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(dict[K, V]):
    """A dict of at most `size` entries: storing a key makes it the most recent, and the
    least recently stored entry goes when there are more."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: K, value: V) -> None:
        self.pop(key, None)
        super().__setitem__(key, value)
        while len(self) > self.size:
            del self[next(iter(self))]
