"""SIGKILL: a worker of a batch, then the whole batch, killed mid-run."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from faults.support import assert_whole, manifest, packs, pdfs
from holds import Holds, finish, group_gone, inject_env, leftovers, run_brochure, started


def test_a_worker_killed_mid_batch_fails_its_pack_alone(tmp_path: Path) -> None:
    team = manifest(tmp_path, ["Ann A", "Bo B"])
    out = tmp_path / "out"
    holds = Holds(tmp_path / "holds")
    holds.arm("ann-a")  # the worker that takes Ann's pack stops there, to be killed
    args = ["batch", str(team), "-o", str(out), "-j", "2", "--timeout", "60"]
    try:
        with started(args, env=inject_env(holds.folder)) as batch:
            worker = holds.wait("ann-a", batch)
            assert worker != batch.pid
            os.kill(worker, signal.SIGKILL)
            code, stdout, stderr = finish(batch)
    finally:
        holds.release_all()
    assert code == 1, stderr
    assert stdout.startswith("built 1, skipped 0 unchanged, failed 1"), stderr
    assert "Traceback" not in stderr
    reason = "the worker process building this pack was killed by SIGKILL"
    assert f"failed: row 2 (ann-a.pdf): {reason}" in stderr
    lost = packs(out)["ann-a.pdf"]
    assert lost["status"] == "failed" and reason in lost["reason"]
    assert_whole(out, ["bo-b.pdf"])

    code, stdout, stderr = run_brochure(*args)  # no fault this time
    assert code == 0, stderr
    assert stdout.startswith("built 1, skipped 1 unchanged, failed 0"), stderr
    assert_whole(out, ["ann-a.pdf", "bo-b.pdf"])


def test_a_batch_killed_with_its_workers_keeps_whole_packs_and_resumes(tmp_path: Path) -> None:
    travellers = ["Ann A", "Bo B", "Cy C"]
    team = manifest(tmp_path, travellers)
    out = tmp_path / "out"
    holds = Holds(tmp_path / "holds")
    holds.arm("cy-c")  # the batch cannot finish before it is killed
    args = ["batch", str(team), "-o", str(out), "-j", "2", "--timeout", "60"]
    try:
        with started(args, env=inject_env(holds.folder)) as batch:
            holds.wait("cy-c", batch)
            while not pdfs(out) and batch.poll() is None:
                time.sleep(0.05)
            os.killpg(batch.pid, signal.SIGKILL)  # the batch and every worker, at once
            assert group_gone(batch.pid), "a worker outlived the batch"
            finish(batch)
    finally:
        holds.release_all()
    assert batch.returncode == -signal.SIGKILL
    finished = pdfs(out)
    assert finished in (["ann-a.pdf"], ["bo-b.pdf"], ["ann-a.pdf", "bo-b.pdf"])
    assert leftovers(out) == []
    assert_whole(out, finished)  # each one whole: pikepdf opens it
    record = json.loads((out / ".brochure-batch.json").read_text())
    assert sorted(record["packs"]) == finished  # the record names only what was written

    code, stdout, stderr = run_brochure(*args)
    assert code == 0, stderr
    missing = len(travellers) - len(finished)
    assert stdout.startswith(f"built {missing}, skipped {len(finished)} unchanged, failed 0")
    assert_whole(out, ["ann-a.pdf", "bo-b.pdf", "cy-c.pdf"])
