"""Helpers for the hostile-input tests: run the CLI, build kits, check what was (not) written.

Every test drives the real command line (`brochure build ...`) through click's CliRunner
with file-descriptor capture, so stderr is what a user would see, including anything C
libraries print. A "clean" outcome is an exit code, one `error: ...` line (plus `  - ...`
lines, one per problem), no traceback, and no leftover or half-written file.
"""

from __future__ import annotations

import errno
import os
import re
import resource
import signal
import struct
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType

import pikepdf
from click.testing import CliRunner

from brochure.cli import main
from pdftools import page_texts

#: Text of /etc/passwd that must never reach a PDF.
PASSWD_NEEDLE = "root:x:0:0"
#: What an earlier, good pack at the output path holds; a failed build must leave it alone.
EARLIER_PDF = b"%PDF-1.7\n% an earlier good pack that a failed build must not touch\n%%EOF\n"
#: Lines GLib-based libraries (Pango, cairo) print straight to fd 2: noise, not brochure's.
_GLIB_LINE = re.compile(r"^\(process:\d+\): [\w-]+-(?:CRITICAL|WARNING|ERROR) \*\*")
#: The cities and topics every build uses: small, so a render takes about a second.
SELECTION = ("-c", "ningbo", "-t", "regions")


class Hung(BaseException):
    """A build ran past the test's deadline (BaseException: nothing in brochure catches it)."""


@dataclass(frozen=True)
class Outcome:
    """What one CLI run did."""

    code: int
    stdout: str
    stderr: str
    exception: BaseException | None
    seconds: float
    hung: bool = False

    def __str__(self) -> str:
        return (
            f"exit {self.code} after {self.seconds:.1f} s"
            f"{' (HUNG)' if self.hung else ''}; exception {self.exception!r}\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )

    @property
    def messages(self) -> list[str]:
        """stderr lines brochure wrote (GLib noise from C libraries left out)."""
        return [
            line for line in self.stderr.splitlines() if line.strip() and not _GLIB_LINE.match(line)
        ]


def run_cli(args: Sequence[str], *, deadline: float | None = None) -> Outcome:
    """Run `brochure ARGS`; with `deadline`, give up (hung=True) after that many seconds.

    The deadline uses SIGALRM, so it only guards work done before rendering starts:
    brochure's own render limit takes the timer over while WeasyPrint runs.
    """
    runner = CliRunner(capture="fd")
    start = time.monotonic()
    try:
        with _alarm(deadline):
            result = runner.invoke(main, list(args))
    except Hung as exc:
        return Outcome(-1, "", "", exc, time.monotonic() - start, hung=True)
    return Outcome(
        result.exit_code,
        result.stdout,
        result.stderr,
        result.exception,
        time.monotonic() - start,
    )


def build(
    *args: str, timeout: float = 30, deadline: float | None = None, selection: bool = True
) -> Outcome:
    """`brochure build -c ningbo -t regions --timeout T ARGS`."""
    chosen = SELECTION if selection else ()
    return run_cli(["build", *chosen, "--timeout", f"{timeout:g}", *args], deadline=deadline)


@contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    if seconds is None:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"still running after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# -- outcomes -------------------------------------------------------------------------


def assert_clean_exit(outcome: Outcome) -> None:
    """No traceback, no exception other than the CLI's own exit, no hang."""
    assert not outcome.hung, str(outcome)
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), str(outcome)
    assert "Traceback" not in outcome.stderr + outcome.stdout, str(outcome)


def assert_error(outcome: Outcome, *needles: str, code: int = 1) -> None:
    """Exit `code` with `error: ...` (one `  - ...` line per problem) naming every needle."""
    assert_clean_exit(outcome)
    assert outcome.code == code, str(outcome)
    lines = outcome.messages
    assert lines, str(outcome)
    assert lines[0].startswith("error: "), str(outcome)
    assert all(line.startswith("  - ") for line in lines[1:]), str(outcome)
    assert not outcome.stdout.startswith("wrote"), str(outcome)
    for needle in needles:
        assert needle in outcome.stderr, f"{needle!r} not in stderr\n{outcome}"


@dataclass(frozen=True)
class Target:
    """The output path of a build, and what was there before it (None: nothing)."""

    path: Path
    before: bytes | None = None

    @property
    def args(self) -> tuple[str, str]:
        return ("-o", str(self.path))

    def assert_untouched(self) -> None:
        """No PDF written, the earlier file byte-for-byte intact, no temporary file left."""
        if self.before is None:
            assert not self.path.exists(), f"{self.path} was written"
        else:
            assert self.path.read_bytes() == self.before, f"{self.path} was changed"
        assert_no_temp_files(self.path.parent, keep=[self.path] if self.before else [])

    def assert_written(self) -> None:
        """A new PDF replaced whatever was there, and no temporary file is left."""
        assert self.path.read_bytes()[:5] == b"%PDF-"
        assert self.path.read_bytes() != self.before
        assert_no_temp_files(self.path.parent, keep=[self.path])


def assert_no_temp_files(folder: Path, keep: Sequence[Path] = ()) -> None:
    """`folder` holds nothing but `keep`: no `.*.part` leftovers, no stray files."""
    if not folder.exists():
        return
    parts = sorted(p.name for p in folder.glob(".*.part"))
    assert parts == [], f"temporary files left in {folder}: {parts}"
    extra = sorted(p.name for p in folder.iterdir() if p not in keep)
    assert extra == [], f"unexpected files in {folder}: {extra}"


def assert_refused(outcome: Outcome, target: Target, *needles: str, code: int = 1) -> None:
    """A clean failure that names every needle and leaves the output alone."""
    assert_error(outcome, *needles, code=code)
    target.assert_untouched()


def assert_built(outcome: Outcome, target: Target) -> str:
    """Exit 0, a new PDF, nothing from outside the allowed roots in it; return its text."""
    assert_clean_exit(outcome)
    assert outcome.code == 0, str(outcome)
    assert outcome.stdout.startswith(f"wrote {target.path}"), str(outcome)
    target.assert_written()
    return assert_no_leak(target.path)


def assert_no_leak(pdf: Path, needles: Sequence[str] = (PASSWD_NEEDLE,)) -> str:
    """No needle in the PDF's text, raw bytes or any decoded stream; no embedded files.

    Returns the text of all pages, joined by newlines.
    """
    text = "\n".join(page_texts(pdf))
    raw = pdf.read_bytes()
    with pikepdf.open(pdf) as doc:
        assert len(doc.attachments) == 0, f"{pdf} embeds files: {list(doc.attachments)}"
        streams = []
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    streams.append(obj.read_bytes())
                except pikepdf.PdfError:
                    streams.append(obj.read_raw_bytes())
    for needle in needles:
        assert needle not in text, f"{needle!r} printed in {pdf}"
        assert needle.encode() not in raw, f"{needle!r} in the bytes of {pdf}"
        assert all(needle.encode() not in s for s in streams), f"{needle!r} in a stream of {pdf}"
    return text


def squeeze(text: str) -> str:
    """`text` without whitespace, to find a phrase that a line break may have split."""
    return "".join(text.split())


# -- kits and templates ---------------------------------------------------------------


def put(folder: Path, relative: str, body: str | bytes) -> Path:
    """Write `body` at `folder/relative`, creating folders; return the path."""
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return path


def cover_with(html: str) -> str:
    """A kit `templates/cover.html` that extends the built-in one and adds `html`."""
    return (
        '{% extends "!default/cover.html" %}\n'
        '{% block cover_brand %}<p class="cover-kicker">Hostile</p>\n'
        f"{html}\n"
        "{% endblock %}\n"
    )


def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line of a text file that contains `needle`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def set_top_level(path: Path, key: str, value: str) -> Path:
    """Set the one-line top-level `key:` of a YAML file to `value` (YAML source text)."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{re.escape(key)}:[^\n]*$", re.M)
    assert pattern.search(text), f"no top-level {key}: in {path}"
    path.write_text(pattern.sub(lambda _: f"{key}: {value}", text, count=1), encoding="utf-8")
    return path


def add_after_id(path: Path, lines: str) -> Path:
    """Insert YAML `lines` right after the top-level `id:` line of a data file."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"^id:[^\n]*\n", re.M)
    assert pattern.search(text), f"no top-level id: in {path}"
    path.write_text(pattern.sub(lambda m: m.group(0) + lines, text, count=1), encoding="utf-8")
    return path


def replace_in(path: Path, old: str, new: str) -> Path:
    """Replace `old` (which must be there) with `new` in a text file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# -- crafted files ----------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with a valid CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims `width` x `height` RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def sparse_file(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of `size` bytes that takes no disk space beyond `head`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


# -- guards -----------------------------------------------------------------------------


def _address_space() -> int:
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
    return pages * resource.getpagesize()


@contextmanager
def memory_cap(extra: int) -> Iterator[None]:
    """Let the process grow by at most `extra` bytes of address space (Linux).

    Tests that hand brochure a huge file use this, so a bug that reads the whole file
    fails fast with MemoryError instead of filling the machine's memory.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = _address_space() + extra
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class FifoWatch:
    """Watches a FIFO: records whether anyone opened it for reading, and unblocks them.

    A writer that opens a FIFO with O_NONBLOCK succeeds only while a reader has it open
    (or is blocked opening it); the writer then closes at once, so the reader sees end of
    file instead of waiting forever. A test can therefore never hang on the FIFO, and
    `opened` tells whether brochure tried to read it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opened = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno not in (errno.ENXIO, errno.ENOENT):
                    raise
            else:
                self.opened = True
                os.close(fd)
            self._stop.wait(0.01)

    def __enter__(self) -> FifoWatch:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(5)
