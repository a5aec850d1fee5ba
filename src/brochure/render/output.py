"""Output file names and atomic writes: a target is replaced whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import OutputError

#: Where packs go when no output path is given, relative to the working folder.
DEFAULT_DIR = Path("output")


def default_name(city_ids: Sequence[str], all_cities: bool, paper: str, suffix: str) -> str:
    """A file name that says what is in the pack, e.g. `briefing-shanghai-ningbo-a4.pdf`."""
    if all_cities:
        cities = "all-cities"
    elif len(city_ids) > 4:
        cities = "-".join(city_ids[:3]) + f"-and-{len(city_ids) - 3}-more"
    else:
        cities = "-".join(city_ids)
    return f"briefing-{cities}-{paper}.{suffix}"


def check_writable(target: Path) -> None:
    """Fail early, before any rendering, if `target` cannot be written."""
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name such as {target / 'pack.pdf'}")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create the output folder ({exc.strerror})") from exc
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{parent}: the output folder is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{target}: the existing file is not writable")


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target`, then move it into place."""
    check_writable(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o644)
        tmp.replace(target)
    except BaseException as exc:  # Ctrl-C and full disks too: never leave a partial file
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{target}: could not write ({exc.strerror})") from exc
        raise
