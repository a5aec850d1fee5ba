"""Output file names and atomic writes: a target is replaced whole or not at all."""

from __future__ import annotations

import errno
import os
import secrets
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import OutputError

#: Where packs go when no output path is given, relative to the working folder.
DEFAULT_DIR = Path("output")
#: Temporary files are named `.<target>.<random>.part` beside their target.
TEMP_SUFFIX = ".part"
_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def default_name(city_ids: Sequence[str], all_cities: bool, paper: str, suffix: str) -> str:
    """A file name that says what is in the pack, e.g. `briefing-shanghai-ningbo-a4.pdf`."""
    if all_cities:
        cities = "all-cities"
    elif len(city_ids) > 4:
        cities = "-".join(city_ids[:3]) + f"-and-{len(city_ids) - 3}-more"
    else:
        cities = "-".join(city_ids)
    return f"briefing-{cities}-{paper}.{suffix}"


def not_a_file(path: Path) -> str | None:
    """What `path` is if it exists and is neither a regular file nor a folder (a FIFO...)."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return None
    return _KINDS.get(stat.S_IFMT(mode))


def check_writable(target: Path) -> None:
    """Fail early, before any rendering, if `target` cannot be written."""
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name such as {target / 'pack.pdf'}")
    if kind := not_a_file(target):
        raise OutputError(
            f"{target}: is {kind}, not a file; brochure only writes regular files "
            "(give a file name such as pack.pdf)"
        )
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create the output folder ({exc.strerror})") from exc
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{parent}: the output folder is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{target}: the existing file is not writable")
    try:  # root passes os.access everywhere: /proc, /sys and read-only mounts still refuse
        fd, probe = tempfile.mkstemp(prefix=".brochure-probe-", suffix=TEMP_SUFFIX, dir=parent)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        raise OutputError(
            f"{parent}: cannot write in the output folder ({exc.strerror or exc})"
        ) from exc


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target`, then move it into place.

    The bytes go first to an unnamed file (O_TMPFILE), so even SIGKILL mid-write leaves no
    file behind; the file gets a `.part` name only for the instant before the rename.
    """
    check_writable(target)
    tmp: Path | None = None
    try:
        tmp = _write_temp(target, data)
        tmp.replace(target)
    except BaseException as exc:  # Ctrl-C and full disks too: never leave a partial file
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{target}: could not write ({exc.strerror or exc})") from exc
        raise


def _write_temp(target: Path, data: bytes) -> Path:
    """Write, flush and name a temporary file in `target`'s folder; return its name."""
    name = target.parent / f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        fd = os.open(target.parent, os.O_WRONLY | os.O_TMPFILE | os.O_CLOEXEC, 0o644)
    except (OSError, AttributeError):  # a file system (or OS) without unnamed files
        fd = -1
    if fd >= 0:
        try:
            _fill(fd, data)
            os.fchmod(fd, 0o644)
            os.link(f"/proc/self/fd/{fd}", name)
            return name
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.EXDEV, errno.EPERM):
                raise
        finally:
            os.close(fd)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        _fill(fd, data)
        os.fchmod(fd, 0o644)
    except BaseException:
        name.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return name


def _fill(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove `.part` files an earlier, killed writer left in `folder`; return them."""
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(".")]
    except OSError:
        return removed
    for path in candidates:
        if path.name.endswith(TEMP_SUFFIX) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
