"""One consistent copy of a folder's bytes: what every pack of a batch is built from.

A batch reads each brand kit and content folder once, into memory, and builds every pack
that uses it from that copy (unpacked into a private temporary folder), whether it renders
locally or on a Dask worker. A kit edited while the batch runs cannot give one pack two
versions of its files, and the fingerprint recorded for a pack is that of the bytes used.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
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
def unpacked(folders: Mapping[str, Mapping[str, bytes]]) -> Iterator[dict[str, Path]]:
    """Write each folder's files into a private temporary folder; yield where each went."""
    if not folders:
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="brochure-task-") as tmp:
        places = {}
        for name, files in folders.items():
            root = (Path(tmp) / name).resolve()
            for relative, body in files.items():
                target = (root / relative).resolve()
                if not target.is_relative_to(root):
                    raise BrochureError(f"bundle path {relative!r} leaves its folder")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(body)
            root.mkdir(parents=True, exist_ok=True)
            places[name] = root
        yield places
