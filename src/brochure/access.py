"""Which resources a document may load: files under allowed roots and data: URLs."""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
import stat
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

from .errors import ResourceError

#: Largest resource a document may load, in bytes.
MAX_RESOURCE_BYTES = 20_000_000
#: Largest raster image a document may load, in pixels (width times height).
MAX_IMAGE_PIXELS = 40_000_000

_FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff", ".woff2")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff")


@dataclass(frozen=True)
class Resource:
    """A local file a document may read."""

    path: Path
    body: bytes
    mime_type: str


#: SHA-256 of files already checked and read, by (path, size, mtime, ctime, inode).
_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}


class ResourcePolicy:
    """Serves regular files under the allowed roots; refuses everything else."""

    def __init__(self, roots: Iterable[Path], allow_remote: Iterable[str] = ()) -> None:
        self.roots = tuple(dict.fromkeys(Path(r).resolve() for r in roots))
        self.remote_hosts = frozenset(h.lower().strip() for h in allow_remote if h.strip())
        self.refusals: list[str] = []

    def allows_data_url(self, url: str) -> bool:
        """data: URLs carry their content inline and are always allowed."""
        return url[:5].lower() == "data:"

    def allows_remote(self, url: str) -> bool:
        """Whether `url` is http(s) on a host the user allowed with --allow-remote."""
        parts = urlsplit(url)
        return (
            parts.scheme.lower() in ("http", "https")
            and parts.hostname is not None
            and parts.hostname.lower() in self.remote_hosts
        )

    def open(self, url: str) -> Resource:
        """Read the file behind a file: URL, or raise ResourceError naming the URL.

        Every refusal is also remembered in `refusals`, because WeasyPrint swallows
        errors raised while it renders an SVG image.
        """
        try:
            return self._open(url)
        except ResourceError as exc:
            self.refusals.append(str(exc))
            raise

    def digest(self, url: str) -> str | None:
        """The SHA-256 of the file behind `url` if it may be loaded now, else None.

        Nothing is recorded in `refusals`: this asks, it does not load. A file unchanged
        since the last call (same size, times and inode) is not read again.
        """
        try:
            path = self._locate(url)
            info = path.stat()
        except (ResourceError, OSError):
            return None
        stamp = (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        known = _DIGESTS.get(stamp)
        if known is not None:
            return known
        try:
            body = self._open(url).body
        except ResourceError:
            return None
        digest = _DIGESTS[stamp] = hashlib.sha256(body).hexdigest()
        return digest

    def _open(self, url: str) -> Resource:
        path = self._locate(url)
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
        mime = mime or "application/octet-stream"
        _check_content(url, path, body, mime)
        if mime == "image/svg+xml":
            self._check_svg_references(url, body)
        return Resource(path, body, mime)

    def _check_svg_references(self, url: str, body: bytes) -> None:
        """Check what an SVG links to now, so a refusal can name the SVG that asked."""
        text = body.decode("utf-8", errors="replace")
        refs = re.findall(r"""(?:xlink:)?href\s*=\s*["']([^"']+)["']""", text)
        refs += re.findall(r"""url\(\s*["']?([^"')]+)""", text)
        for ref in refs:
            ref = ref.strip()
            if ref.startswith("#") or self.allows_data_url(ref):
                continue
            target = urljoin(url, ref)
            if self.allows_remote(target):
                continue
            try:
                self._locate(target)
            except ResourceError as exc:
                raise ResourceError(f"{exc} (referenced by {url})") from exc

    def _locate(self, url: str) -> Path:
        """The allowed local file behind `url`, or ResourceError."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            remote = parts.scheme.lower() in ("http", "https")
            hint = " (allow a host with --allow-remote HOST)" if remote else ""
            raise ResourceError(
                f"refused to fetch {url!r}: only local files and data: URLs may be loaded "
                f"while rendering (no network access){hint}"
            )
        if parts.netloc not in ("",):
            raise ResourceError(f"refused to fetch {url!r}: file URLs may not name a host")
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except ValueError as exc:
            raise ResourceError(f"refused to load {url!r}: not a valid file path") from exc
        except (OSError, RuntimeError) as exc:
            raise ResourceError(f"cannot load {url!r}: file not found") from exc
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ResourceError(
                f"refused to load {url!r}: it is outside the allowed folders "
                f"({', '.join(str(r) for r in self.roots)})"
            )
        return path


def _check_content(url: str, path: Path, body: bytes, mime: str) -> None:
    """Refuse content that is hostile whatever its folder: bombs, entities, fake fonts."""
    if mime in _IMAGE_TYPES or body[:8] == b"\x89PNG\r\n\x1a\n":
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(body)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ResourceError(
                        f"refused to load {url!r}: {width}x{height} pixels is over the "
                        f"{MAX_IMAGE_PIXELS:,}-pixel limit"
                    )
                image.verify()  # chunk checksums and a complete stream: no truncated files
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,
            Image.DecompressionBombError,
        ) as exc:
            raise ResourceError(f"refused to load {url!r}: not a readable image ({exc})") from exc
    elif mime == "image/svg+xml" or path.suffix.lower() == ".svg":
        text = body.lower()
        if b"<!entity" in text or b"<!doctype" in text:
            raise ResourceError(
                f"refused to load {url!r}: SVG files may not declare entities or a DOCTYPE"
            )
    elif path.suffix.lower() in _FONT_SUFFIXES and not is_font(body):
        raise ResourceError(f"refused to load {url!r}: not a font file")


def is_font(body: bytes) -> bool:
    """Whether `body` is a font: fontTools reads its table directory, which lists a header
    and a character map, and (for plain OpenType) every table lies inside the file.

    Cheap on purpose (a millisecond, where decoding the CJK font's character map took 50):
    every font a pack uses passes here on every build.
    """
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(io.BytesIO(body), fontNumber=0, lazy=True) as font:
            if "cmap" not in font or "head" not in font:
                return False
            if getattr(font.reader, "flavor", None) is None:  # not WOFF: tables are in place
                entries = font.reader.tables.values()
                return all(e.offset + e.length <= len(body) for e in entries)
            return True
    except (TTLibError, OSError, KeyError, ValueError, AssertionError, struct.error, EOFError):
        return False
