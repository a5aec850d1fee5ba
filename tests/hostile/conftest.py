"""Fixtures for the hostile-input tests: a valid kit to spoil, output targets, guards."""

from __future__ import annotations

import errno
import faulthandler
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from hostile.support import EARLIER_PDF, Target
from test_brand import make_kit

#: A test that runs longer than this is killed with a traceback of every thread.
HANG_LIMIT_SECONDS = 240


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any attempt to resolve a name or open a connection is refused and recorded.

    Hostile tests only ever check that a URL is refused; this makes sure a regression
    cannot turn into a real request (to a cloud metadata address, say).
    """
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        attempts.append(repr(args[-1] if args else kwargs))
        raise OSError(errno.ENETUNREACH, "network access is disabled in the hostile tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    connect = socket.socket.connect

    def local_only(sock: socket.socket, address: object) -> None:
        if sock.family == socket.AF_UNIX:  # a batch's workers talk to their fork server
            connect(sock, address)  # type: ignore[arg-type]
        else:
            refuse(address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    if attempts:
        pytest.fail(f"the build tried to reach the network: {attempts}")


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    """Last resort: a test that hangs kills the run (with tracebacks) instead of CI."""
    stream = sys.__stderr__ if sys.__stderr__ is not None else sys.stderr
    faulthandler.dump_traceback_later(HANG_LIMIT_SECONDS, exit=True, file=stream)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    """A valid brand kit (tests/test_brand.py's) that a test then spoils."""
    return make_kit(tmp_path / "kit")


@pytest.fixture
def target(tmp_path: Path) -> Target:
    """An output path where nothing exists yet."""
    return Target(tmp_path / "out" / "pack.pdf")


@pytest.fixture
def earlier(tmp_path: Path) -> Target:
    """An output path holding an earlier good pack that a failed build must not touch."""
    path = tmp_path / "out" / "pack.pdf"
    path.parent.mkdir()
    path.write_bytes(EARLIER_PDF)
    return Target(path, EARLIER_PDF)
