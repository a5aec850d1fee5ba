"""Fewer garbage collections while WeasyPrint lays out and writes a document.

Laying out a page allocates hundreds of thousands of boxes, and with Python's default
thresholds the cycle collector runs every 700 of them: a two-city pack paid about 1 s of
its 7 s for some 850 collections, most of them walking objects that were alive before the
document started (brochure, WeasyPrint, the fonts, the content). Inside `fewer_collections`
those objects are set aside (`gc.freeze`) and a collection waits for 10,000 new objects
instead of 700; the collector still runs, so a document's cycles are still freed as it
grows. Measured on a two-city pack laid out whole: 0.5 s of collections instead of 1.1 s,
the same peak memory. The process's settings are restored when the last document ends.

It covers loading the content and filling the templates too, but not stitching parts:
there fontTools reads one font subset per part and face, and with collections this rare
the parent of a 273-page pack grew from 382 MB to 505 MB (over its 423 MB budget).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: New objects between two collections of the youngest generation (Python's default: 700).
YOUNG_THRESHOLD = 10_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] = gc.get_threshold()
_froze = False  # whether we froze (a process that froze objects itself keeps them frozen)
_tasks = 0  # packs after_task has freed in this process


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect less often until the block ends (nested and threaded uses share one setting)."""
    global _depth, _saved, _froze
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            # After after_task, a worker's objects stay frozen; counting them would walk
            # them all (10 ms), so that is not asked then.
            _froze = _tasks == 0 and gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
            gc.set_threshold(max(YOUNG_THRESHOLD, _saved[0]), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                if _froze:
                    gc.unfreeze()


_garbage = threading.Event()  # a long document's boxes are garbage, not yet collected


def leave_garbage() -> None:
    """Note that a long document's boxes (they hold cycles) are garbage now. They are
    collected before the next document or pack grows (`collect_garbage`), not at once: a
    full collection after a long document takes half a second, and that document (often
    a pack's last: its chrome, or a pack laid out whole) is wanted now."""
    _garbage.set()


def collect_garbage() -> None:
    """Free the boxes of a long document laid out before, if any (a full collection)."""
    if _garbage.is_set():
        _garbage.clear()
        gc.collect()


#: Tasks between two collections of everything, frozen objects too (see after_task).
THAW_EVERY = 32


def after_task() -> None:
    """In a worker that builds pack after pack: free the cycles the last pack left, and set
    aside (`gc.freeze`) what is still alive, so that the next collection walks only the
    next pack's objects.

    WeasyPrint's boxes and documents hold cycles, and they outlive a pack's short documents
    into the oldest generation, which Python collects rarely: a worker grew by 3 to 5 MB a
    pack (484 MB after 60 personalised packs). Collected and frozen after each pack it
    stays near 165 MB, and the collection takes 5 ms where one of everything takes 85 ms.
    Every THAW_EVERY tasks everything is collected, frozen objects too, so that nothing
    frozen that died since is kept for good.
    """
    global _tasks
    with _lock:
        if _depth:  # a build runs in another thread: not now
            return
        _tasks += 1
        if _tasks % THAW_EVERY == 0:
            gc.unfreeze()
        _garbage.clear()
        gc.collect()
        gc.freeze()
