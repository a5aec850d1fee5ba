"""Small real file systems for tests: a tmpfs of a given size, or a read-only one.

The tests run as root in CI and here; `mount -t tmpfs` is allowed there. If it is not,
the test fails with the reason rather than pretending.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def tmpfs(folder: Path, *, size: str = "1m", read_only: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of `size` on `folder` (created) for the length of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0755" + (",ro" if read_only else "")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, f"mount -t tmpfs is refused here: {done.stderr.strip()}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)
