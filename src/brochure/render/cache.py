"""The part cache: laid-out documents kept on disk, so that no page is laid out twice.

An entry holds one document's PDF and page facts (a `LaidDocument`) under a key that
covers its HTML and everything else that can change it (see `document_key`). Each entry
also lists the files its layout loaded (stylesheets, fonts, images) with their SHA-256;
an entry is used only if every one of them still has that digest and the pack's resource
policy still allows it, so an edited font or image is a miss, never a stale page.

Entries are single files, written to a temporary name and renamed (safe under concurrent
writers: a reader sees a whole entry or none), each with a digest of its own bytes (an
entry that fails it is ignored and deleted). The least recently used are evicted past
`max_bytes`. The folder is the user's cache folder (platformdirs), or $BROCHURE_CACHE_DIR.
Processes sharing the folder claim an entry before laying it out (claims.py), so that two
of them do not lay the same document out at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..access import ResourcePolicy
from .claims import Claims
from .pages import Bookmark, LaidDocument, LaidPage, PageFacts, PlacedImage

#: Raise when the entry layout or the meaning of a key changes: old entries are then misses.
FORMAT = 1
_MAGIC = b"brochure part cache %d\n" % FORMAT
_SUFFIX = ".part"
#: The default bound on the cache folder's size.
DEFAULT_MAX_BYTES = 10**9  # 1 GB
#: Where the fonts a system may lay text out with live (fontconfig's usual folders).
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")


#: The folder, inside the cache's, where batches unpack kits and content (many/snapshot.py).
BUNDLES = "bundles"


def default_root() -> Path:
    """$BROCHURE_CACHE_DIR, or the user's cache folder for brochure."""
    configured = os.environ.get("BROCHURE_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("brochure")) / "parts"


def document_key(*inputs: str | bytes | bool | int | None) -> str:
    """The key of a document laid out from these inputs (HTML, versions, options...)."""
    digest = hashlib.sha256(_MAGIC)
    for value in inputs:
        body = value if isinstance(value, bytes) else json.dumps(value).encode()
        digest.update(b"%d:" % len(body) + body)
    return digest.hexdigest()


def system_fonts() -> str:
    """A digest of the system's font files (name, size, time): fallback fonts change pages."""
    digest = hashlib.sha256()
    for folder in _FONT_DIRS:
        root = Path(folder).expanduser()
        for path in sorted(root.rglob("*")) if root.is_dir() else ():
            with contextlib.suppress(OSError):
                info = path.stat()
                digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    """What `brochure cache info` reports."""

    root: Path
    entries: int
    size: int
    max_bytes: int


class PartCache:
    """Laid-out documents on disk, by key; see the module's docstring."""

    def __init__(self, root: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = default_root() if root is None else root
        self.max_bytes = max_bytes
        self._size: int | None = None  # bytes in the folder, as last counted plus written
        self.claims = Claims(self.root)  # who lays which entry out now (claims.py)
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / (key + _SUFFIX)

    def get(self, key: str, policy: ResourcePolicy) -> LaidDocument | None:
        """The document stored under `key` if it is whole and its files are unchanged."""
        path = self._path(key)
        try:
            blob = path.read_bytes()
            laid = _decode(blob)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            laid = None
            with contextlib.suppress(OSError):
                if path.exists():
                    path.unlink()  # corrupt: rebuilt and rewritten by the caller
        if laid is None or not all(policy.digest(url) == sha for url, sha in laid.loaded):
            self.misses += 1
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used
        self.hits += 1
        return laid

    def put(self, key: str, laid: LaidDocument) -> None:
        """Store a document (atomically), then evict the least recently used past the bound."""
        if laid.remote:
            return  # what a server sends can change without a trace: never kept
        # Not output.write_atomic: an entry needs no fsync (its digest catches a torn write),
        # and no check of the folder first (a cache that cannot be written is no cache).
        path, blob = self._path(key), _encode(laid)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            Path(temporary).replace(path)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                Path(temporary).unlink()
            return
        if self._size is None or self._size + len(blob) > self.max_bytes:
            self.evict()  # the folder is walked once per cache, then when it may be full
        else:
            self._size += len(blob)

    def _entries(self) -> Iterator[tuple[Path, os.stat_result]]:
        for folder in self.root.glob("??"):
            for path in folder.glob("*" + _SUFFIX):
                with contextlib.suppress(OSError):
                    yield path, path.stat()

    def evict(self) -> int:
        """Delete the least recently used entries until the cache fits; how many went."""
        entries = sorted(self._entries(), key=lambda e: e[1].st_mtime_ns)
        total = sum(info.st_size for _, info in entries)
        gone = 0
        for path, info in entries:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                gone += 1
            total -= info.st_size
        self._size = total
        return gone

    def info(self) -> CacheInfo:
        """The folder, how many entries it holds and their size."""
        entries = list(self._entries())
        size = sum(info.st_size for _, info in entries)
        return CacheInfo(self.root, len(entries), size, self.max_bytes)

    def clear(self) -> int:
        """Delete every entry, and the batches' unpacked kits (BUNDLES); how many entries
        there were."""
        shutil.rmtree(self.root / BUNDLES, ignore_errors=True)
        self.claims.clear()
        gone = 0
        for path, _ in list(self._entries()):
            with contextlib.suppress(OSError):
                path.unlink()
                gone += 1
        return gone


# Entries ---------------------------------------------------------------------------------
# magic, then the SHA-256 (hex) of the rest, a newline, a JSON header, a newline, the PDF.


def _encode(laid: LaidDocument) -> bytes:
    header = {
        "pages": [_page(p) for p in laid.pages],
        "images": [[[i.url, list(i.pixels), list(i.inches)] for i in page] for page in laid.images],
        "messages": list(laid.messages),
        "loaded": [list(pair) for pair in laid.loaded],
        "pdf": laid.pdf is not None,
    }
    body = json.dumps(header, separators=(",", ":")).encode() + b"\n" + (laid.pdf or b"")
    return _MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def _decode(blob: bytes) -> LaidDocument:
    if not blob.startswith(_MAGIC):
        raise ValueError("not an entry of this format")
    digest, _, body = blob[len(_MAGIC) :].partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != digest:
        raise ValueError("the entry fails its digest")
    head, _, pdf = body.partition(b"\n")
    header: dict[str, Any] = json.loads(head)
    pages = tuple(_laid_page(p) for p in header["pages"])
    images = tuple(
        tuple(PlacedImage(url, (px[0], px[1]), (inch[0], inch[1])) for url, px, inch in page)
        for page in header["images"]
    )
    loaded = tuple((url, sha) for url, sha in header["loaded"])
    messages = tuple(str(m) for m in header["messages"])
    return LaidDocument(pages, images, pdf if header["pdf"] else None, messages, loaded)


def _page(page: LaidPage) -> list[Any]:
    facts = page.facts
    marks = [[b.level, b.label, b.x, b.y, b.closed] for b in page.bookmarks]
    strings = [list(s) for s in facts.strings]
    head = [facts.name, facts.side, facts.blank, strings]
    return [head, list(page.anchors), list(page.links), marks, page.height]


def _laid_page(row: list[Any]) -> LaidPage:
    (name, side, blank, strings), anchors, links, marks, height = row
    facts = PageFacts(str(name), str(side), bool(blank), tuple((n, t) for n, t in strings))
    bookmarks = tuple(Bookmark(int(lv), str(lb), x, y, bool(c)) for lv, lb, x, y, c in marks)
    return LaidPage(facts, tuple(anchors), tuple(links), bookmarks, float(height))
