"""A Dask cluster: a worker killed mid-task, and Ctrl-C while the batch waits on it."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dasktools import dask_cluster
from faults.support import assert_whole, manifest, packs, pdfs
from holds import Holds, finish, inject_env, leftovers, started


@pytest.fixture(scope="module")
def holds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Holds]:
    found = Holds(tmp_path_factory.mktemp("holds"))
    try:
        yield found
    finally:
        found.release_all()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, holds: Holds) -> Iterator[str]:
    """A real scheduler and two workers (under nannies) whose tasks can be held."""
    with dask_cluster(tmp_path_factory.mktemp("cluster"), env=inject_env(holds.folder)) as found:
        yield found.address


def _wait_idle(address: str, timeout: float = 30) -> None:
    """Wait until no worker of the cluster at `address` is running a task."""
    from distributed import Client

    deadline = time.monotonic() + timeout
    with Client(address, timeout="10s") as client:  # type: ignore[no-untyped-call]
        while any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.2)


def test_a_dask_worker_killed_mid_task_costs_no_pack(
    cluster: str, holds: Holds, tmp_path: Path
) -> None:
    team = manifest(tmp_path, ["Ann A", "Bo B", "Cy C"])
    out = tmp_path / "out"
    holds.arm("ann-a")  # the worker that takes Ann's task stops there, to be killed
    args = ["batch", str(team), "-o", str(out), "--scheduler", cluster, "--timeout", "60"]
    with started(args) as batch:
        worker = holds.wait("ann-a", batch)
        assert worker != batch.pid
        os.kill(worker, signal.SIGKILL)  # its nanny starts another; the task is retried
        code, stdout, stderr = finish(batch)
    assert "Traceback" not in stderr
    outcomes = {name: pack["status"] for name, pack in packs(out).items()}
    assert outcomes == {"ann-a.pdf": "built", "bo-b.pdf": "built", "cy-c.pdf": "built"}, stderr
    assert code == 0 and stdout.startswith("built 3, skipped 0 unchanged, failed 0"), stderr
    assert_whole(out, ["ann-a.pdf", "bo-b.pdf", "cy-c.pdf"])


def test_ctrl_c_during_a_dask_batch_keeps_whole_packs_only(
    cluster: str, holds: Holds, tmp_path: Path
) -> None:
    team = manifest(tmp_path, ["Dee D", "Eve E"])
    out = tmp_path / "out"
    holds.arm("dee-d")
    args = ["batch", str(team), "-o", str(out), "--scheduler", cluster, "--timeout", "60"]
    with started(args) as batch:
        holds.wait("dee-d", batch)
        os.killpg(batch.pid, signal.SIGINT)  # Ctrl-C: the batch's group, not the cluster's
        code, _, stderr = finish(batch, timeout=60)
    holds.release("dee-d")
    _wait_idle(cluster)  # the held task ends before the cluster is stopped
    assert code == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert "dee-d.pdf" not in pdfs(out)
    assert leftovers(out) == []
    assert_whole(out, pdfs(out))  # Eve's pack, if it came back in time, is whole
    written = {name for name, pack in packs(out).items() if pack["status"] == "built"}
    assert written == set(pdfs(out))  # the report was written on the way out, and is right
