"""Which resources a document may load: files under allowed roots and data: URLs."""

from __future__ import annotations

import mimetypes
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .errors import ResourceError

#: Largest resource a document may load, in bytes.
MAX_RESOURCE_BYTES = 20_000_000


@dataclass(frozen=True)
class Resource:
    """A local file a document may read."""

    path: Path
    body: bytes
    mime_type: str


class ResourcePolicy:
    """Serves regular files under the allowed roots; refuses everything else."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = tuple(dict.fromkeys(Path(r).resolve() for r in roots))

    def allows_data_url(self, url: str) -> bool:
        """data: URLs carry their content inline and are always allowed."""
        return url[:5].lower() == "data:"

    def open(self, url: str) -> Resource:
        """Read the file behind a file: URL, or raise ResourceError naming the URL."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise ResourceError(
                f"refused to fetch {url!r}: only local files and data: URLs may be loaded "
                "while rendering (no network access)"
            )
        if parts.netloc not in ("",):
            raise ResourceError(f"refused to fetch {url!r}: file URLs may not name a host")
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise ResourceError(f"cannot load {url!r}: file not found") from exc
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ResourceError(
                f"refused to load {url!r}: it is outside the allowed folders "
                f"({', '.join(str(r) for r in self.roots)})"
            )
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                raise ResourceError(f"refused to load {url!r}: not a regular file")
            if info.st_size > MAX_RESOURCE_BYTES:
                raise ResourceError(
                    f"refused to load {url!r}: {info.st_size:,} bytes is over the "
                    f"{MAX_RESOURCE_BYTES:,}-byte limit"
                )
            body = path.read_bytes()
        except OSError as exc:
            raise ResourceError(f"cannot load {url!r}: {exc.strerror}") from exc
        mime, _ = mimetypes.guess_type(path.name)
        return Resource(path, body, mime or "application/octet-stream")
