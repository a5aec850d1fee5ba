"""Ctrl-C (SIGINT to the process group) during --watch and while a long pack is stitched."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from holds import Holds, finish, inject_env, leftovers, started


def test_ctrl_c_mid_write_during_watch_leaves_the_earlier_pack(
    tmp_path: Path, content: Path
) -> None:
    out = tmp_path / "out"
    pack = out / "pack.pdf"
    holds = Holds(tmp_path / "holds")
    args = ["build", "-c", "tianjin", "-t", "sustainability", "--data", str(content)]
    args += ["--traveller", "Wat W", "-o", str(pack), "--timeout", "60", "--watch"]
    try:
        with started(args, env=inject_env(holds.folder)) as watch:
            deadline = time.monotonic() + 60
            while not pack.exists():
                assert watch.poll() is None and time.monotonic() < deadline, finish(watch)
                time.sleep(0.05)
            earlier = pack.read_bytes()
            holds.arm("write")  # the rebuild's PDF stops half written
            city = content / "cities" / "tianjin.yml"
            city.write_text(city.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
            holds.wait("write", watch)
            os.killpg(watch.pid, signal.SIGINT)
            code, _, stderr = finish(watch, timeout=30)
    finally:
        holds.release_all()
    assert code == 130, stderr
    assert "stopped watching" in stderr and "Traceback" not in stderr
    assert pack.read_bytes() == earlier  # the half-written rebuild never took its place
    assert sorted(p.name for p in out.iterdir()) == ["pack.pdf"]


def test_ctrl_c_while_a_pack_in_parts_is_stitched_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holds = Holds(tmp_path / "holds")
    holds.arm("stitch")  # reached only by a pack laid out in parts
    args = ["build", "-c", "tianjin", "-t", "sustainability", "--layout", "parts"]
    args += ["-o", str(out / "pack.pdf"), "--timeout", "60"]
    try:
        with started(args, env=inject_env(holds.folder)) as build:
            holds.wait("stitch", build)
            os.killpg(build.pid, signal.SIGINT)
            code, stdout, stderr = finish(build, timeout=30)
    finally:
        holds.release_all()
    assert code == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not stdout.startswith("wrote")
    assert not out.exists() or (list(out.iterdir()) == [] and leftovers(out) == [])
