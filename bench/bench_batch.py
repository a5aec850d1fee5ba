"""Batch speed, measured in one run: parallel speed-up, warm workers, reruns.

Prints ratios (and the timings they come from), each with its target:
  1. 24 packs with 2 workers vs 1 worker             speed-up, target >= 1.8 on 2 cores
  2. per-pack time in a warm worker vs `brochure build` in a fresh process, target <= 0.7
  3. a second run with nothing changed vs the first   target < 5%
(Long packs, 10 to 300 pages, have their own script: bench/bench_pages.py.) Every build
runs without the part cache (`--no-cache`): with it, the second batch of 1 would take its
chapters from the first, and the parallel speed-up would measure the cache instead
(bench/bench_cache.py measures that).

Run: .venv/bin/python bench/bench_batch.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from brochure.many.batch import Outcome, run_batch
from brochure.many.manifest import plan

CITIES = ["shanghai", "shenzhen", "hong-kong", "ningbo", "qingdao", "guangzhou", "tianjin"]


def manifest(folder: Path, packs: int) -> Path:
    """A CSV with `packs` rows: two cities and two topics each, every row different."""
    rows = ["traveller,cities,topics,output"]
    topics = ["investment", "trip-planning", "regions", "belt-and-road"]
    for i in range(packs):
        cities = f"{CITIES[i % 7]};{CITIES[(i + 3) % 7]}"
        pair = f"{topics[i % 4]};{topics[(i + 1) % 4]}"
        rows.append(f"Traveller {i},{cities},{pair},pack-{i:03d}.pdf")
    path = folder / "team.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def timed_batch(
    path: Path, out: Path, workers: int, force: bool = True
) -> tuple[float, list[Outcome]]:
    """Wall time of one batch, and the outcomes of the packs it built."""
    jobs = plan(path, out, cache=False)
    start = time.perf_counter()
    report = run_batch(jobs, out, workers=workers, force=force)
    wall = time.perf_counter() - start
    assert report.count("failed") == 0, report.to_json()
    return wall, [o for o in report.outcomes if o.status == "built"]


def fresh_process(out: Path) -> float:
    """Wall time of one `brochure build` in a new Python process."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "brochure",
            "build",
            "-c",
            CITIES[0],
            "-c",
            CITIES[3],
            "-t",
            "investment",
            "-t",
            "trip-planning",
            "--traveller",
            "Traveller 0",
            "--no-cache",
            "-o",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    """Run the three measurements and print their ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer packs and sizes")
    quick = parser.parse_args().quick
    packs = 8 if quick else 24
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = manifest(folder, packs)
        one, one_each = timed_batch(path, folder / "one", 1)
        two, two_each = timed_batch(path, folder / "two", 2)
        print(f"1. {packs} packs: 1 worker {one:.1f} s, 2 workers {two:.1f} s")
        print(f"   speed-up {one / two:.2f}  (target >= 1.8 on 2 cores)")
        peak = max(o.worker_peak_mb or 0 for o in two_each)
        longest = max((o.result and o.result.pages) or 0 for o in two_each)
        print(
            f"   peak memory per worker {peak:.0f} MB, packs of up to {longest} pages"
            f" (target <= {150 + longest} MB: 150 + 1 per page)"
        )

        warm = statistics.median(o.seconds for o in one_each[1:])
        cold = statistics.median(fresh_process(folder / f"cold-{i}.pdf") for i in range(3))
        print(f"2. per pack: warm worker {warm:.2f} s, fresh `brochure build` {cold:.2f} s")
        print(f"   ratio {warm / cold:.2f}  (target <= 0.7)")

        first, _ = timed_batch(path, folder / "again", 2)
        second, _ = timed_batch(path, folder / "again", 2, force=False)
        print(f"3. rerun with nothing changed: first {first:.1f} s, second {second:.2f} s")
        print(f"   ratio {second / first:.3f}  (target < 0.05)")


if __name__ == "__main__":
    main()
