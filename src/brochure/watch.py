"""Rebuild when inputs change: a small polling watcher with no dependencies."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

Snapshot = dict[Path, tuple[int, int]]


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Modification time and size of every file under `paths`."""
    found: Snapshot = {}
    for root in paths:
        files = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())
        for path in files:
            try:
                info = path.stat()
            except OSError:
                continue
            found[path] = (info.st_mtime_ns, info.st_size)
    return found


def watch(
    paths: Iterable[Path],
    rebuild: Callable[[], None],
    *,
    interval: float = 0.5,
    keep_going: Callable[[], bool] = lambda: True,
) -> int:
    """Call `rebuild` now and after every change under `paths`; return the number of builds.

    Runs until `keep_going` returns False (or the user presses Ctrl-C).
    """
    roots = list(paths)
    seen = snapshot(roots)
    rebuild()
    builds = 1
    while keep_going():
        time.sleep(interval)
        current = snapshot(roots)
        if current != seen:
            seen = current
            rebuild()
            builds += 1
    return builds
