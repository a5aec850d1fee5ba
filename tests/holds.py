"""Real `brochure` processes for the fault tests: started in their own process group,
stopped at a known point (tests/inject/sitecustomize.py), killed or interrupted there, and
always cleaned up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import pikepdf

INJECT = Path(__file__).parent / "inject"


def inject_env(hold_folder: Path, *, faults: bool = False) -> dict[str, str]:
    """Environment variables that plant the holds (and, with `faults`, the pikepdf fault)."""
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(INJECT), os.environ.get("PYTHONPATH")])),
        "BROCHURE_TEST_HOLD": str(hold_folder),
    }
    if faults:
        env["BROCHURE_TEST_FAULTS"] = "1"
    return env


class Holds:
    """The points where processes started with `inject_env(folder)` wait for the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.armed: list[str] = []

    def arm(self, name: str) -> None:
        """Make the first process that reaches `name` wait there."""
        (self.folder / f"{name}.hold").touch()
        self.armed.append(name)

    def wait(self, name: str, process: subprocess.Popen[str], timeout: float = 60) -> int:
        """The pid of the process waiting at `name`, once one is; fail if `process` ends."""
        held = self.folder / f"{name}.held"
        deadline = time.monotonic() + timeout
        while not held.exists():
            if process.poll() is not None:
                out, err = process.communicate()
                raise AssertionError(f"exited {process.returncode} before {name}:\n{out}{err}")
            assert time.monotonic() < deadline, f"nothing reached {name} in {timeout} s"
            time.sleep(0.05)
        return int(held.read_text())

    def release(self, name: str) -> None:
        (self.folder / f"{name}.go").touch()

    def release_all(self) -> None:
        for name in self.armed:
            self.release(name)


def brochure_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "brochure", *args]


@contextmanager
def started(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    """`python -m brochure ARGS` in a new process group, killed (group and all) at the end."""
    process = subprocess.Popen(
        brochure_command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        start_new_session=True,  # its own group: signals to it never reach pytest
    )
    try:
        yield process
    finally:
        kill_group(process)


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL every process of `process`'s group (spawned workers too) and reap it."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=30)


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    """Wait for `process`; its exit status, stdout and stderr."""
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def run_brochure(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> tuple[int, str, str]:
    """Run `python -m brochure ARGS` to the end."""
    with started(args, env=env) as process:
        return finish(process, timeout)


def group_gone(pgid: int, timeout: float = 10) -> bool:
    """Whether every process of group `pgid` has ended (zombies count as ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = False
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive = True
                break
        if not alive:
            return True
        time.sleep(0.1)
    return False


def pdf_pages(path: Path) -> int:
    """The page count of a whole, valid PDF (pikepdf raises on a damaged one)."""
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def leftovers(folder: Path) -> list[str]:
    """Temporary files (`.NAME.RANDOM.part`) and probes in `folder`."""
    return sorted(
        p.name for p in folder.iterdir() if p.name.endswith(".part") or ".brochure-probe" in p.name
    )
