"""What a batch keeps in its output folder between runs: a lock and a record of builds.

The record (`.brochure-batch.json`) maps each pack's path inside the folder to the
fingerprint of its inputs and the size of the PDF written; a pack is skipped only when both
still match. A record that cannot be read is reported and ignored (every pack it covered is
rebuilt), never trusted in part. The lock (`.brochure-batch.lock`, held with `flock`) keeps
two batches from writing one folder at once; the kernel releases it if a batch is killed.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import BrochureError, OutputError
from ..render.output import write_atomic

STATE_FILE = ".brochure-batch.json"
LOCK_FILE = ".brochure-batch.lock"
REPORT_FILE = "batch-report.json"


@dataclass(frozen=True)
class Built:
    """What the record says about one pack."""

    fingerprint: str
    size: int | None = None  # None in records from brochure versions before the size


def load_state(out_dir: Path) -> tuple[dict[str, Built], list[str]]:
    """The record of earlier builds, and warnings about any part that could not be read."""
    path = out_dir / STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"{path}: cannot read the record of earlier builds ({exc}); {_REBUILD}"]
    try:
        data = json.loads(text)
        packs = data["packs"]
        if not isinstance(packs, dict):
            raise TypeError("`packs` is not a mapping")
    except (ValueError, KeyError, TypeError) as exc:
        return {}, [f"{path}: the record of earlier builds is damaged ({exc}); {_REBUILD}"]
    state: dict[str, Built] = {}
    bad = []
    for name, entry in packs.items():
        if isinstance(entry, str):  # version 1: the fingerprint alone
            state[name] = Built(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str):
            size = entry.get("size")
            state[name] = Built(entry["fingerprint"], size if isinstance(size, int) else None)
        else:
            bad.append(str(name))
    warnings = []
    if bad:
        warnings.append(
            f"{path}: {len(bad)} damaged entr{'ies' if len(bad) > 1 else 'y'} "
            f"({', '.join(bad[:5])}); those packs are rebuilt"
        )
    return state, warnings


_REBUILD = "every pack is rebuilt"


def save_state(out_dir: Path, state: dict[str, Built]) -> None:
    """Write the record atomically."""
    packs = {k: {"fingerprint": v.fingerprint, "size": v.size} for k, v in state.items()}
    body = json.dumps({"version": 2, "packs": packs}, indent=1, sort_keys=True)
    write_atomic(out_dir / STATE_FILE, body.encode("utf-8"))


def is_current(state: dict[str, Built], key: str, target: Path, mark: str) -> bool:
    """Whether the pack at `target` was built from inputs with fingerprint `mark` and is whole."""
    entry = state.get(key)
    if entry is None or entry.fingerprint != mark:
        return False
    try:
        size = target.stat().st_size if target.is_file() else None
    except OSError:
        return False
    return size is not None and (entry.size is None or entry.size == size)


def report_warning(out_dir: Path) -> str | None:
    """A warning if an earlier run's report is there but is not a whole JSON report."""
    path = out_dir / REPORT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("packs"), list):
            raise ValueError("not a batch report")
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return f"{path}: the earlier report is damaged ({exc}); it is replaced by this run's"
    return None


#: The descriptors of the batch locks this process holds.
_HELD: set[int] = set()


def forget_locks() -> None:
    """In a worker forked from a batch: close the lock descriptors it inherited, so that
    a batch killed outright frees its folder at once, not when its workers end. (The lock
    stays with the batch: it is held while any descriptor of it is open.)"""
    for fd in list(_HELD):
        os.close(fd)
    _HELD.clear()


@contextmanager
def batch_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock; refuse at once if another batch holds it."""
    path = out_dir / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the batch lock ({exc.strerror})") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise OutputError(f"{path}: cannot lock ({exc.strerror})") from exc
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise BrochureError(
                f"{out_dir}: another batch (process {holder}) is writing to this folder; "
                "wait for it to finish, or give another output folder"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD.add(fd)
        yield
    finally:
        _HELD.discard(fd)
        os.close(fd)  # closing the descriptor releases the lock
