"""A real Dask cluster on 127.0.0.1 for tests: one scheduler and worker processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Cluster:
    """A running cluster: its address and the processes the test started."""

    address: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def worker_pids(self) -> dict[str, int]:
        """Each worker's address and the pid of the process that runs its tasks."""
        from distributed import Client

        with Client(self.address, timeout="30s") as client:  # type: ignore[no-untyped-call]
            pids: dict[str, int] = client.run(os.getpid)
            return pids


@contextmanager
def dask_cluster(
    home: Path, workers: int = 2, env: Mapping[str, str] | None = None
) -> Iterator[Cluster]:
    """Start a scheduler and `workers` workers (each under a nanny, as `dask worker` does)."""
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    assert dask, "the dask command comes with brochure[dask]"
    port = free_port()
    cluster = Cluster(f"tcp://127.0.0.1:{port}")
    home.mkdir(parents=True, exist_ok=True)
    common = {
        "cwd": home,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "env": {**os.environ, **(env or {})},
        "start_new_session": True,  # a Ctrl-C sent to a test's batch must not reach us
    }
    cluster.processes.append(
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **common,  # type: ignore[call-overload]
        )
    )
    time.sleep(2)
    for _ in range(workers):
        cluster.processes.append(
            subprocess.Popen(
                [
                    *(dask, "worker", cluster.address, "--nthreads", "1", "--no-dashboard"),
                    *("--host", "127.0.0.1", "--memory-limit", "2GB", "--death-timeout", "60"),
                ],
                **common,  # type: ignore[call-overload]
            )
        )
    try:
        from distributed import Client

        with Client(cluster.address, timeout="30s") as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(workers, timeout=90)
        yield cluster
    finally:
        for process in cluster.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in cluster.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
