"""Claims on part cache entries: which process is laying a document out right now.

Two processes that share a cache folder (the workers of a batch, two builds started
together) often need the same document at once: the first packs of a batch share every
topic chapter. Without claims both lay it out. A process about to lay a document out
claims its key first: a file created only if none exists, holding its process id. Another
process that finds the claim lays its other documents out, then waits for the entry
(`awaited` in layouter.py) instead of laying this one out too.

A claim whose process has died (or is a zombie), or that is older than `CLAIM_TTL`, is
stale: it is ignored and replaced. A folder where a claim cannot be written claims
nothing, and every process lays its documents out as before.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

#: Seconds after which a claim is stale whoever holds it (longer than any one document's
#: layout takes within the default time limit).
CLAIM_TTL = 180.0
#: Seconds a claim may be empty (its process id still being written) and still count.
_BEING_WRITTEN = 10.0
_SUFFIX = ".claim"


class Claims:
    """Claims kept beside the entries of a cache folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / (key + _SUFFIX)

    def claim(self, key: str) -> bool:
        """Claim `key` for this process: False if a live process holds it already."""
        path = self._path(key)
        for _attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self.held(key):
                    return False
                with contextlib.suppress(OSError):
                    path.unlink()  # stale: its process died or gave up
                continue
            except OSError:
                return True  # a folder that cannot be written: nothing is shared
            with os.fdopen(handle, "w") as out:
                out.write(str(os.getpid()))
            return True
        return False

    def release(self, key: str) -> None:
        """Drop this process's claim on `key` (whether or not it laid the document out)."""
        path = self._path(key)
        with contextlib.suppress(OSError, ValueError):
            if int(path.read_text() or "0") == os.getpid():
                path.unlink()

    def held(self, key: str) -> bool:
        """Whether a live process holds a claim on `key` that is not stale."""
        path = self._path(key)
        try:
            age = time.time() - path.stat().st_mtime
            text = path.read_text()
        except OSError:
            return False
        if age > CLAIM_TTL:
            return False
        if not text.strip().isdigit():
            return age < _BEING_WRITTEN
        return _alive(int(text))

    def clear(self) -> None:
        """Remove every claim (`brochure cache clear`)."""
        for path in self.root.glob("??/*" + _SUFFIX):
            with contextlib.suppress(OSError):
                path.unlink()


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True
