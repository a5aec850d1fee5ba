"""What lays a pack's documents out: a WeasyPrint session here, or a pool of worker
processes, with the part cache in front of either.

`Layouter.submit(html)` gives a future `LaidDocument` (pages, images, PDF);
`document(html)` waits for it. `SessionLayouter` lays documents out in this process,
`PoolLayouter` in worker processes (spawned on first use, only for a plan with two or more
documents to lay out side by side, and kept warm: `--watch` and the tests reuse them), and
`CachedLayouter` asks the part cache first and fills it; a document another process has
claimed (claims.py) is taken from the cache when that process has kept it, not laid out
twice.
"""

from __future__ import annotations

import atexit
import hashlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from typing import Any

from .._version import __version__
from ..access import ResourcePolicy
from ..errors import RenderError
from .cache import PartCache, document_key, system_fonts
from .heap import after_task, collect_garbage, leave_garbage
from .pages import LaidDocument
from .weasy import Fonts, LayoutSession, RenderOptions, engine


class Layouter:
    """Lays out documents; subclasses say where."""

    def submit(
        self, html: str, *, tagged: bool = True, write: bool = True, attach: bool = False
    ) -> Future[LaidDocument]:
        """Start laying out one document (and writing it, unless `write` is false)."""
        raise NotImplementedError

    def document(
        self, html: str, *, tagged: bool = True, write: bool = True, attach: bool = False
    ) -> LaidDocument:
        """Lay out one document and wait for it."""
        return wait(self.submit(html, tagged=tagged, write=write, attach=attach))


def _done(laid: LaidDocument) -> Future[LaidDocument]:
    future: Future[LaidDocument] = Future()
    future.set_result(laid)
    return future


class SessionLayouter(Layouter):
    """Lays documents out in this process, in one LayoutSession, as they are submitted."""

    def __init__(self, session: LayoutSession) -> None:
        self.session = session

    def submit(
        self, html: str, *, tagged: bool = True, write: bool = True, attach: bool = False
    ) -> Future[LaidDocument]:
        """Lay `html` out now."""
        collect_garbage()
        laid = self.session.document(html, tagged=tagged, write=write, attach=attach)
        _let_go(laid)
        return _done(laid)


class PoolLayouter(Layouter):
    """Lays documents out in `jobs` worker processes, each keeping its fonts per pack."""

    def __init__(
        self, jobs: int, base_url: str, policy: ResourcePolicy, options: RenderOptions
    ) -> None:
        self.jobs = jobs
        self._pack = (os.urandom(8).hex(), base_url, policy, options)

    def submit(
        self, html: str, *, tagged: bool = True, write: bool = True, attach: bool = False
    ) -> Future[LaidDocument]:
        """Hand `html` to the next free worker."""
        try:
            return _pool(self.jobs).submit(_lay_out, *self._pack, html, tagged, write, attach)
        except BrokenProcessPool:
            stop_workers()
            return _pool(self.jobs).submit(_lay_out, *self._pack, html, tagged, write, attach)


def wait(future: Future[LaidDocument]) -> LaidDocument:
    """A document's result; a worker that died is a RenderError, and the pool is replaced."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        stop_workers()
        raise RenderError(
            "a layout worker process died (out of memory, or killed); try --jobs 1"
        ) from exc


_POOLS: dict[int, ProcessPoolExecutor] = {}
#: What a worker keeps between documents of one pack: its fonts, loaded once.
_WARM: dict[str, Fonts] = {}


def _pool(jobs: int) -> ProcessPoolExecutor:
    """This process's pool of `jobs` workers, started on first use from a fork server that
    has imported WeasyPrint once (WeasyPrint is not safe to fork once it has rendered)."""
    if jobs not in _POOLS:
        _POOLS[jobs] = ProcessPoolExecutor(
            jobs, mp_context=_fork_server(), initializer=_ignore_sigint
        )
    return _POOLS[jobs]


def _fork_server() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["brochure.render.layouter"])
    return context


def start_fork_server() -> None:
    """Start the workers' fork server now, so that it imports WeasyPrint (0.6 s) while this
    process loads the content and fills the templates; the first worker then starts at
    once. It costs a process and that import on another core if no worker is needed."""
    _fork_server()
    forkserver.ensure_running()


def stop_workers() -> None:
    """Stop every pool now, its workers killed (a worker died, a build failed, Ctrl-C)."""
    for pool in _POOLS.values():
        processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
    _POOLS.clear()


atexit.register(stop_workers)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us


def _lay_out(
    pack: str,
    base_url: str,
    policy: ResourcePolicy,
    options: RenderOptions,
    html: str,
    tagged: bool,
    write: bool,
    attach: bool,
) -> LaidDocument:
    """In a worker: lay out one document of `pack`, with the fonts of its earlier ones."""
    if pack not in _WARM:
        if _WARM:  # a new pack (--watch's next build): free what the last one left
            _WARM.clear()
            after_task()
        _WARM[pack] = Fonts()
    collect_garbage()
    with LayoutSession(base_url, policy, options, _WARM[pack]) as session:
        laid = session.document(html, tagged=tagged, write=write, attach=attach)
    _let_go(laid)
    return laid


#: Pages from which a document's boxes are worth a full collection before the next one.
_COLLECT_FROM = 8


def _let_go(laid: LaidDocument) -> None:
    """Have a long document's boxes freed before the next document grows (heap.py)."""
    if len(laid.pages) >= _COLLECT_FROM:
        leave_garbage()


class CachedLayouter(Layouter):
    """Takes documents from the part cache, and lays out (and keeps) the others."""

    def __init__(
        self,
        inner: Layouter,
        cache: PartCache,
        base_url: str,
        policy: ResourcePolicy,
        options: RenderOptions,
    ) -> None:
        self.inner = inner
        self.cache = cache
        self.policy = policy
        self._options = options
        self._context = (__version__, engine(), system_fonts(), base_url, options.variant)
        self._found: dict[str, LaidDocument] = {}  # entries read by `holds`, not yet used

    def key(self, html: str, *, tagged: bool, write: bool, attach: bool) -> str:
        """Everything that can change the document: see render/cache.py."""
        attached = _attachments(self._options) if attach else ""
        return document_key(*self._context, tagged, write, attached, html)

    def holds(
        self, html: str, *, tagged: bool = True, write: bool = True, attach: bool = False
    ) -> bool:
        """Whether the cache has the document (read now, and handed out by `submit`)."""
        key = self.key(html, tagged=tagged, write=write, attach=attach)
        if key not in self._found:
            found = self.cache.get(key, self.policy)
            if found is None:
                return False
            self._found[key] = found
        return True

    def submit(
        self, html: str, *, tagged: bool = True, write: bool = True, attach: bool = False
    ) -> Future[LaidDocument]:
        """The cached document, or a new one laid out and then kept; one that another
        process is laying out now is waited for when its result is asked for."""
        flags = {"tagged": tagged, "write": write, "attach": attach}
        key = self.key(html, tagged=tagged, write=write, attach=attach)
        found = self._found.pop(key, None) or self.cache.get(key, self.policy)
        if found is not None:
            return _done(found)
        if not self.cache.claims.claim(key):
            return _Awaited(lambda: self._awaited(key, html, flags))
        return self._lay_out(key, html, flags)

    def _lay_out(self, key: str, html: str, flags: dict[str, bool]) -> Future[LaidDocument]:
        """Lay a claimed document out, keep it, and drop the claim."""
        try:
            future = self.inner.submit(html, **flags)
        except BaseException:
            self.cache.claims.release(key)
            raise
        future.add_done_callback(lambda done: self._keep(key, done))
        return future

    def _keep(self, key: str, done: Future[LaidDocument]) -> None:
        try:
            if not done.cancelled() and done.exception() is None:
                self.cache.put(key, done.result())
        finally:
            self.cache.claims.release(key)

    def _awaited(self, key: str, html: str, flags: dict[str, bool]) -> LaidDocument:
        """The document another process claimed: from the cache once its claim is gone,
        or laid out here if that process did not keep it (it failed, or died)."""
        pause = 0.02
        while True:
            while self.cache.claims.held(key):
                time.sleep(pause)
                pause = min(2 * pause, 0.25)
            found = self.cache.get(key, self.policy)
            if found is not None:
                return found
            if self.cache.claims.claim(key):
                return wait(self._lay_out(key, html, flags))


class _Awaited(Future[LaidDocument]):
    """A document another process is laying out: waited for when its result is asked for,
    so that the documents submitted after it are laid out meanwhile."""

    def __init__(self, fetch: Callable[[], LaidDocument]) -> None:
        super().__init__()
        self._fetch = fetch

    def result(self, timeout: float | None = None) -> LaidDocument:
        if not self.done():
            self.set_result(self._fetch())
        return super().result(timeout)


def _attachments(options: RenderOptions) -> str:
    """A digest of the files a finished PDF embeds, and their dates."""
    digest = hashlib.sha256(str(options.created).encode())
    for item in options.attachments:
        for field in (item.name, item.description):
            digest.update(field.encode() + b"\0")
        digest.update(hashlib.sha256(item.body).digest())
    return digest.hexdigest()
