"""One consistent copy of a folder's bytes: what every pack of a batch is built from.

A batch reads each brand kit and content folder once, into memory, and builds every pack
that uses it from that copy (written out where the pack reads it: see `unpacked`), whether
it renders locally or on a Dask worker. A kit edited while the batch runs cannot give one pack two
versions of its files, and the fingerprint recorded for a pack is that of the bytes used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..access import MAX_RESOURCE_BYTES
from ..errors import BrochureError

#: How often a folder is read again when its files change while it is being read.
READ_ATTEMPTS = 5

Listing = dict[str, tuple[int, int, int]]


@dataclass(frozen=True)
class Folder:
    """A folder's regular files (relative POSIX path to bytes) and a digest of them all."""

    files: Mapping[str, bytes]
    digest: str


def read_folder(root: Path) -> Folder:
    """Read every file under `root` at one moment; retry if a file changes meanwhile."""
    root = root.resolve()
    for _ in range(READ_ATTEMPTS):
        before = _listing(root)
        files = {}
        for relative in sorted(before):
            try:
                files[relative] = (root / relative).read_bytes()
            except OSError as exc:
                raise BrochureError(f"{root / relative}: cannot read ({exc.strerror})") from exc
        if _listing(root) == before:
            return Folder(files, _digest(files))
    raise BrochureError(
        f"{root}: its files kept changing while they were read; run again once it is saved"
    )


def _listing(root: Path) -> Listing:
    """Size, modification time and inode of every regular file inside `root`."""
    found: Listing = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        for name in names:
            path = Path(folder) / name
            try:
                real = path.resolve(strict=True)
                info = real.stat()
            except (OSError, RuntimeError):
                continue
            if not real.is_relative_to(root) or not real.is_file():
                continue  # links out of the folder, FIFOs and devices are never read
            relative = path.relative_to(root).as_posix()
            if info.st_size > MAX_RESOURCE_BYTES:
                raise BrochureError(
                    f"{path}: {info.st_size:,} bytes is over the {MAX_RESOURCE_BYTES:,}-byte "
                    "limit for a file in a kit or content folder; move it out of the folder"
                )
            found[relative] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return found


def _digest(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for relative in sorted(files):
        digest.update(relative.encode())
        digest.update(hashlib.sha256(files[relative]).digest())
    return digest.hexdigest()


@contextmanager
def unpacked(
    folders: Mapping[str, Mapping[str, bytes]], shared: Path | None = None
) -> Iterator[dict[str, Path]]:
    """Write each folder's files out; yield where each went.

    Into a private temporary folder, deleted afterwards; or, with `shared` (the part
    cache's folder for them), into a folder named by the files' digest, so that every pack
    built from the same bytes reads them at the same paths, and the part cache can give
    one pack the chapters another laid out (their HTML names those paths).
    """
    if not folders:
        yield {}
        return
    if shared is not None:
        try:
            places = {name: _shared_copy(shared, files) for name, files in folders.items()}
        except OSError:  # a cache folder that cannot be written is no cache: a private copy
            pass
        else:
            yield places
            return
    with tempfile.TemporaryDirectory(prefix="brochure-task-") as tmp:
        places = {}
        for name, files in folders.items():
            root = (Path(tmp) / name).resolve()
            _write(root, files)
            places[name] = root
        yield places


def _write(root: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` (relative path to bytes) under `root`, which is created."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, body in files.items():
        target = (root / relative).resolve()
        if not target.is_relative_to(root.resolve()):
            raise BrochureError(f"bundle path {relative!r} leaves its folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)


#: A shared copy no task has used for this long is deleted (by the next task that looks).
SHARED_COPY_SECONDS = 24 * 3600
_swept: set[Path] = set()  # the folders this process has swept already


def _shared_copy(shared: Path, files: Mapping[str, bytes]) -> Path:
    """`files` unpacked in `shared`, in a folder named by their digest: written (a whole
    copy is renamed into place, or none) unless a copy of exactly these bytes is there.

    A folder under that name that holds other bytes (damaged by hand) is left alone and
    this task uses a copy of its own; the sweep deletes both a day after their last use.
    """
    shared.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = shared / _digest(files)[:40]
    with contextlib.suppress(OSError):
        os.utime(target)  # in use from now: not swept
    if not _holds(target, files):
        staging = Path(tempfile.mkdtemp(dir=shared, prefix=".unpacking-"))
        try:
            _write(staging, files)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            staging.rename(target)
        except OSError:  # a folder is there: another task's copy, or a damaged one
            if not _holds(target, files):
                return staging.resolve()
            shutil.rmtree(staging, ignore_errors=True)
    _sweep(shared)
    return target.resolve()


def _holds(folder: Path, files: Mapping[str, bytes]) -> bool:
    """Whether `folder` holds exactly `files`, byte for byte."""
    if not folder.is_dir():
        return False
    try:
        found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}
        return found == set(files) and all(
            (folder / relative).read_bytes() == body for relative, body in files.items()
        )
    except OSError:
        return False


def _sweep(shared: Path) -> None:
    """Delete the shared copies no task has used for SHARED_COPY_SECONDS (once a process)."""
    if shared in _swept:
        return
    _swept.add(shared)
    limit = time.time() - SHARED_COPY_SECONDS
    for folder in shared.iterdir():
        with contextlib.suppress(OSError):
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder)
