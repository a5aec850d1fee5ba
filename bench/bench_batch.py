"""Batch speed, measured in one run: parallel speed-up, warm workers, reruns, scaling.

Prints ratios (and the timings they come from), each with its target:
  1. 24 packs with 2 workers vs 1 worker             speed-up, target >= 1.8 on 2 cores
  2. per-pack time in a warm worker vs `brochure build` in a fresh process, target <= 0.7
  3. a second run with nothing changed vs the first   target < 5%
  4. packs of 10 to 300 pages: seconds and peak memory per page (no worse than linear);
     peak memory per worker, target <= 150 MB + 1 MB per page

Run: .venv/bin/python bench/bench_batch.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from brochure.batch import run_batch
from brochure.manifest import plan
from brochure.resources import builtin_data

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
) -> tuple[float, list[float]]:
    """Wall time of one batch, and the per-pack render times the workers reported."""
    jobs = plan(path, out)
    start = time.perf_counter()
    report = run_batch(jobs, out, workers=workers, force=force)
    wall = time.perf_counter() - start
    assert report.count("failed") == 0, report.to_json()
    return wall, [o.seconds for o in report.outcomes if o.status == "built"]


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
            "-o",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


_SIZE_PROBE = """
import json, resource, sys, time
from pathlib import Path
import brochure
start = time.perf_counter()
result = brochure.build_pack(all_cities=True, topics=["regions"], data_dir=Path(sys.argv[1]),
                             output=Path(sys.argv[2]), timeout=1800)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"pages": result.pages, "seconds": seconds, "peak_mb": peak}))
"""


def scaled_content(folder: Path, copies: int) -> Path:
    """The bundled content with each city repeated `copies` times under new ids."""
    data = folder / f"data-{copies}"
    shutil.copytree(builtin_data(), data)
    cities = data / "cities"
    for source in sorted(cities.glob("*.yml")):
        text = source.read_text()
        for n in range(1, copies):
            new_id = f"{source.stem}-{n}"
            (cities / f"{new_id}.yml").write_text(
                text.replace(f"id: {source.stem}\n", f"id: {new_id}\n", 1)
            )
    return data


def main() -> None:
    """Run the four measurements and print their ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer packs and sizes")
    quick = parser.parse_args().quick
    packs = 8 if quick else 24
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = manifest(folder, packs)
        one, one_each = timed_batch(path, folder / "one", 1)
        two, _ = timed_batch(path, folder / "two", 2)
        print(f"1. {packs} packs: 1 worker {one:.1f} s, 2 workers {two:.1f} s")
        print(f"   speed-up {one / two:.2f}  (target >= 1.8 on 2 cores)")

        warm = statistics.median(one_each[1:])
        cold = statistics.median(fresh_process(folder / f"cold-{i}.pdf") for i in range(3))
        print(f"2. per pack: warm worker {warm:.2f} s, fresh `brochure build` {cold:.2f} s")
        print(f"   ratio {warm / cold:.2f}  (target <= 0.7)")

        first, _ = timed_batch(path, folder / "again", 2)
        second, _ = timed_batch(path, folder / "again", 2, force=False)
        print(f"3. rerun with nothing changed: first {first:.1f} s, second {second:.2f} s")
        print(f"   ratio {second / first:.3f}  (target < 0.05)")

        print("4. pages  seconds  s/page  peak MB  MB/page  limit MB (150 + 1/page)")
        for copies in [1, 4] if quick else [1, 4, 12, 24]:
            data = scaled_content(folder, copies)
            done = subprocess.run(
                [sys.executable, "-c", _SIZE_PROBE, str(data), str(folder / f"size-{copies}.pdf")],
                check=True,
                capture_output=True,
                text=True,
            )
            row = json.loads(done.stdout.strip().splitlines()[-1])
            pages, seconds, peak = row["pages"], row["seconds"], row["peak_mb"]
            limit = 150 + pages
            print(
                f"   {pages:5d}  {seconds:7.1f}  {seconds / pages:6.3f}  {peak:7.0f}  "
                f"{peak / pages:7.2f}  {limit:8.0f} {'ok' if peak <= limit else 'OVER'}"
            )


if __name__ == "__main__":
    main()
