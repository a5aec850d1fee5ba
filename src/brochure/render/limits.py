"""Bounds on one render: wall-clock time and memory, so hostile input cannot hang or exhaust."""

from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from ..errors import RenderError

#: Defaults, overridable per call (see docs/security.md).
RENDER_SECONDS = 120.0
RENDER_MEMORY_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Limits:
    """How long one build may take and how much more memory it may take.

    Started (`started()`), the limits hold a deadline: every stage bounded by them
    shares the same `seconds`, from templates to the last page, instead of each stage
    getting them anew.
    """

    seconds: float = RENDER_SECONDS
    memory_bytes: int = RENDER_MEMORY_BYTES
    deadline: float | None = None  # time.monotonic() when the time is up

    def started(self) -> Limits:
        """These limits, with the clock started now (unless it runs already)."""
        if self.deadline is not None or self.seconds <= 0:
            return self
        return replace(self, deadline=time.monotonic() + self.seconds)

    def remaining(self) -> float:
        """Seconds left: all of them before the start, a moment at least after the end."""
        if self.deadline is None:
            return self.seconds
        return max(self.deadline - time.monotonic(), 0.001)


class RenderTimeout(RenderError):
    """A render took longer than its limit."""


def _address_space() -> int:
    """The process's current virtual memory size, in bytes (Linux), or 0 if unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def peak_memory_mb() -> float:
    """This process's peak resident memory so far, in MB.

    Linux's VmHWM starts afresh when a program starts; `ru_maxrss` does not (it keeps the
    peak of the parent the process was forked from), so it is only the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def _in_finalizer(frame: FrameType | None) -> bool:
    """Whether `frame` runs inside an object's `__del__`."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


@contextmanager
def bounded(limits: Limits) -> Iterator[None]:
    """Run the body under a timer and a memory ceiling; both are lifted afterwards.

    The timer needs the main thread (signals); elsewhere only the memory ceiling applies.
    """
    on_main = threading.current_thread() is threading.main_thread()
    old_handler = None
    timeout = RenderTimeout(
        f"rendering took longer than {limits.seconds:g} s and was stopped "
        "(a pathological stylesheet? raise the limit with --timeout)"
    )
    expired = False
    if on_main and limits.seconds > 0:

        def expire(signum: int, frame: FrameType | None) -> None:
            nonlocal expired
            expired = True
            if _in_finalizer(frame):
                return  # Python ignores what a finalizer raises: the next tick will do
            raise timeout

        old_handler = signal.signal(signal.SIGALRM, expire)
        # The timer fires again every quarter second: WeasyPrint swallows an exception
        # raised while it draws an SVG image, and the render must still stop.
        signal.setitimer(signal.ITIMER_REAL, limits.remaining(), 0.25)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = _address_space()
    capped = False
    if limits.memory_bytes > 0 and used:
        ceiling = used + limits.memory_bytes
        if hard == resource.RLIM_INFINITY or ceiling < hard:
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
            capped = True

    def lift_ceiling() -> None:
        nonlocal capped
        if capped:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
            capped = False

    try:
        yield
        if expired:  # the body went on after swallowing the timeout: it is still a timeout
            raise timeout
    except MemoryError as exc:
        # Lift the ceiling before building the message: at the ceiling, even the few
        # bytes of a new exception can fail, and a bare MemoryError would escape.
        lift_ceiling()
        raise RenderError(
            f"rendering needed more than {limits.memory_bytes // 1024**2} MB and was stopped"
        ) from exc
    except Exception as exc:
        # A failure the timeout caused, reported as such: code that swallows exceptions
        # (Jinja's attribute lookup does, for one) fails later with some other error.
        if expired and exc is not timeout:
            raise timeout from exc
        raise
    finally:
        lift_ceiling()
        if old_handler is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
