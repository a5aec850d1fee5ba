"""Local worker processes for a batch, where one worker's death costs only its own pack.

Workers are forked from this process when it has not loaded WeasyPrint and runs no
other thread (the `brochure batch` command): they start at once, and import WeasyPrint
side by side. Otherwise (a library user who rendered first: WeasyPrint is not safe to
fork from a process that has used it) they come from a fork server, which never renders:
it only imports the `preload` modules once, and the first worker starts when it has
(0.4 s later than a fork, on the bundled batch). Each has its own pipe and is
given one task at a time, so the parent always knows which pack a worker holds. A worker
that dies (SIGKILL, the kernel's out-of-memory killer, a crash in a C library) fails that
pack alone, with the reason; a new worker takes over the packs still waiting.

Packs that share parts (`group_of`: the same cities, topics and look for other travellers)
are handed out so that the part cache, not a second worker, lays those parts out: a
group's first pack goes out first, and its others wait until it is done while packs of
other groups are there to take.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

from ..render.heap import after_task

T = TypeVar("T")
Result = dict[str, Any]
Work = Callable[..., Result]
#: How many times in a row workers may die before taking work until the batch gives up.
_STARTS = 3


def _serve(conn: Connection, work: Work, initializer: Callable[[], None] | None) -> None:
    """A worker's life: run tasks from the pipe until told to stop or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    if initializer is not None:
        initializer()
    after_task()  # what is alive now (the imports) is set aside before the first pack too
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(work(*task))
        after_task()  # free what the task left, once its result is on its way


@dataclass
class _Worker(Generic[T]):
    process: BaseProcess
    conn: Connection
    item: T | None = None
    holds: bool = False
    groups: set[Hashable] = field(default_factory=set)  # of the items it was given


class _Queue(Generic[T]):
    """The items still waiting, and which to hand out next.

    Without `group_of`, in order. With it, an item whose group no worker has started yet
    comes first (a group's first item lays out the parts its group shares, the longest
    work: started early, it does not finish last), then one whose group has an item done
    (its shared parts are in the part cache now), of a group the worker has built before
    if there is one (it holds that group's merged fonts and pictures in memory), and only
    then one whose group is being laid out (it would wait for those parts, or lay them
    out a second time). Within each rule, the earliest item in the given order. The order
    is only a matter of time: a wrong group costs speed, never a pack.
    """

    def __init__(self, items: Iterable[T], group_of: Callable[[T], Hashable] | None = None):
        self.group_of: Callable[[T], Hashable] = group_of or (lambda item: None)
        self.waiting: dict[Hashable, deque[tuple[int, T]]] = {}
        for number, item in enumerate(items):
            self.waiting.setdefault(self.group_of(item), deque()).append((number, item))
        self.started: set[Hashable] = set()
        self.finished: set[Hashable] = set()

    def __bool__(self) -> bool:
        return bool(self.waiting)

    def __iter__(self) -> Iterator[T]:
        waiting = sorted((i for q in self.waiting.values() for i in q), key=lambda i: i[0])
        return (item for _, item in waiting)

    def take(self, known: set[Hashable] | None = None) -> T:
        """The next item to hand out (the queue must not be empty) to a worker that was
        given items of the `known` groups (which learns the item's group)."""
        known = set() if known is None else known
        rules: tuple[Callable[[Hashable], bool], ...] = (
            lambda g: g not in self.started,
            lambda g: g in self.finished and g in known,
            lambda g: g in self.finished,
            lambda g: True,
        )
        for rule in rules:
            groups = [g for g in self.waiting if rule(g)]
            if groups:  # the group whose next item comes first
                group = min(groups, key=lambda g: self.waiting[g][0][0])
                break
        else:
            raise IndexError("take from an empty queue")
        waiting = self.waiting[group]
        _, item = waiting.popleft()
        if not waiting:
            del self.waiting[group]
        self.started.add(group)
        known.add(group)
        return item

    def put_back(self, item: T) -> None:
        """An item that could not be handed out: first in line again."""
        self.waiting.setdefault(self.group_of(item), deque()).appendleft((-1, item))

    def done(self, item: T) -> None:
        """An item is finished (or failed): its group's shared parts are as done as they
        will be."""
        self.finished.add(self.group_of(item))


def death_reason(exitcode: int | None) -> str:
    """Why a worker process ended, in words."""
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        why = " (out of memory, or killed by someone)" if exitcode == -signal.SIGKILL else ""
        return f"the worker process building this pack was killed by {name}{why}"
    return f"the worker process building this pack died (exit status {exitcode})"


def run_pool(
    items: Iterable[T],
    workers: int,
    args_of: Callable[[T], tuple[Any, ...]],
    work: Work,
    done: Callable[[T, Result], None],
    *,
    initializer: Callable[[], None] | None = None,
    preload: Iterable[str] = (),
    group_of: Callable[[T], Hashable] | None = None,
) -> None:
    """Run `work(*args_of(item))` for every item in up to `workers` processes; call `done`.

    `preload` names modules the fork server imports once, before any worker starts;
    `group_of` tells which items share parts (see _Queue).
    """
    queue = _Queue(items, group_of)
    context = _start_method(preload)
    pool: list[_Worker[T]] = []

    def start() -> _Worker[T]:
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, work, initializer), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    stillborn = 0  # workers in a row that died before they could be given work
    try:
        while queue or any(w.holds for w in pool):
            pool = [w for w in pool if w.process.is_alive() or w.holds]
            while queue and len(pool) < workers:
                pool.append(start())
            busy = _hand_out(queue, pool, args_of)
            if not busy:  # every worker died before taking work: start others, a few times
                stillborn += 1
                if stillborn > _STARTS:
                    for item in queue:
                        done(item, {"error": "worker processes die as they start", "seconds": 0.0})
                    return
                continue
            stillborn = 0
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                result = _collect(worker)
                held, worker.item, worker.holds = worker.item, None, False
                if result is None:  # the worker is dead: replace it
                    result = {"error": death_reason(worker.process.exitcode), "seconds": 0.0}
                    pool.remove(worker)
                    worker.conn.close()
                queue.done(held)  # type: ignore[arg-type]
                done(held, result)  # type: ignore[arg-type]
    finally:
        _stop(pool)


def _start_method(
    preload: Iterable[str],
) -> multiprocessing.context.ForkContext | multiprocessing.context.ForkServerContext:
    """fork, if this process has not loaded WeasyPrint and runs no other thread; else a
    fork server that imports `preload` (see the module's docstring)."""
    if "weasyprint" not in sys.modules and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def _hand_out(
    queue: _Queue[T], pool: list[_Worker[T]], args_of: Callable[[T], tuple[Any, ...]]
) -> list[_Worker[T]]:
    """Give each idle worker the next item; the workers that hold one."""
    for worker in pool:
        if queue and not worker.holds:
            item = queue.take(worker.groups)
            try:
                worker.conn.send(args_of(item))
            except (OSError, ValueError):  # died before it was given work
                queue.put_back(item)
                continue
            worker.item, worker.holds = item, True
    return [w for w in pool if w.holds]


def _collect(worker: _Worker[T]) -> Result | None:
    """The worker's answer, or None if it died instead of answering."""
    try:
        if worker.conn.poll():
            answer: Result = worker.conn.recv()
            return answer
    except (EOFError, OSError):
        pass
    worker.process.join(timeout=5)
    return None


def _stop(pool: list[_Worker[T]]) -> None:
    """Ask idle workers to stop and end busy ones now; wait for them all."""
    for worker in pool:
        if worker.holds:
            worker.process.terminate()
        else:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                worker.process.terminate()
    for worker in pool:
        worker.process.join(timeout=10)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)
        worker.conn.close()
