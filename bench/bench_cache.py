"""The part cache and parallel layout: the targets of docs/performance.md, in one run.

Every figure is a ratio of two measurements taken in this run, each in fresh processes
with a cache folder of its own (cold: empty) unless it says warm:

1. a batch of 24 personalised packs on 3 routes, `--jobs 2`: cache on vs `--no-cache`
   (medians of 3 alternated rounds: the machine's speed moves by a fifth from minute to
   minute); 1b. the same with a brand kit on every pack (`--only 11`);
2. the all-cities pack rebuilt after one city file was edited vs its cold build (each a
   whole `brochure build` process);
3. the same rebuild inside one warm process (what `--watch` does) vs that cold build;
4. a pack of about 265 pages (every city 7 times): `build --jobs 2` vs
   `--layout whole --no-cache` (medians of 3 alternated rounds), with the peak memory of
   every process, and (5) the PDF sizes, parts vs whole;
6. a typical two-city pack: the whole `brochure build` process (cold cache, and
   `--no-cache`) vs the `weasyprint` command on the same final HTML (medians of 7,
   alternated).

Run: .venv/bin/python bench/bench_cache.py [--quick] [--only N] [--rounds N]   (about 20
minutes; --quick: 6 packs in the batch, the cities 4 times instead of 7; --only: one
measurement; --rounds: rounds of 1, 1b and 4)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from brochure.resources import builtin_data

sys.path.insert(0, str(Path(__file__).parent))
from bench_pages import scaled_content

ROUTES = [("shanghai", "ningbo"), ("shenzhen", "hong-kong"), ("qingdao", "tianjin")]
EDIT = ("Qingdao stands on", "Qingdao lies on")

_WATCH = """
import json, sys, time
from pathlib import Path
import brochure
data, out = Path(sys.argv[1]), Path(sys.argv[2])
brochure.build_pack(all_cities=True, data_dir=data, output=out)  # as --watch's first build
city = data / "cities" / "qingdao.yml"
city.write_text(city.read_text().replace(sys.argv[3], sys.argv[4]))
start = time.perf_counter()
brochure.build_pack(all_cities=True, data_dir=data, output=out)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""

_PEAK = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
wall = time.perf_counter() - start
print(json.dumps({"seconds": wall,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def brochure(*args: str, cache: Path) -> float:
    """Wall time of one `brochure` command in a new process, with `cache` as its cache."""
    env = {**os.environ, "BROCHURE_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "brochure", *args], check=True, capture_output=True, env=env
    )
    return time.perf_counter() - start


def team(folder: Path, packs: int, kit: Path | None = None) -> Path:
    """A manifest of `packs` travellers, a third on each route, all topics; with `kit`,
    every pack carries that brand kit."""
    rows = ["traveller,cities,brand,output"]
    for i in range(packs):
        route = ROUTES[i % len(ROUTES)]  # a delegation listed by name: routes mixed
        rows.append(f"Delegate {i:02d},{';'.join(route)},{kit or ''},pack-{i:02d}.pdf")
    path = folder / ("delegation-kit.csv" if kit else "delegation.csv")
    path.write_text("\n".join(rows) + "\n")
    return path


def batches(folder: Path, packs: int, branded: bool = False, rounds: int = 3) -> None:
    kit = None
    if branded:
        kit = folder / "trade-office"
        brochure("brand", "new", str(kit), "--name", "Trade Office", cache=folder / "c-kit")
    manifest = team(folder, packs, kit)
    times: dict[str, list[float]] = {"no cache": [], "cache": []}
    for n in range(rounds):  # alternated, each with an empty cache of its own
        for name, extra in (("no cache", ["--no-cache"]), ("cache", [])):
            out = folder / f"batch-{name}-{branded}-{n}"
            cache = folder / f"cache-batch-{name}-{branded}-{n}"
            times[name].append(
                brochure("batch", str(manifest), "-o", str(out), "-j", "2", *extra, cache=cache)
            )
            shutil.rmtree(out)
    median = {name: _median(values) for name, values in times.items()}
    label = "1b. the same with a brand kit" if branded else f"1. batch of {packs} packs"
    print(
        f"{label} on 3 routes, -j 2 (medians of {rounds} alternated rounds): no cache "
        f"{median['no cache']:.1f} s, cache (cold) {median['cache']:.1f} s: "
        f"{median['no cache'] / median['cache']:.2f}x faster (target >= 3x); rounds: "
        + ", ".join(
            f"{a:.1f}/{b:.1f}" for a, b in zip(times["no cache"], times["cache"], strict=True)
        ),
        flush=True,
    )


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def rebuilds(folder: Path) -> None:
    data = folder / "data-edit"
    shutil.copytree(builtin_data(), data)
    cache, out = folder / "cache-edit", folder / "edit.pdf"
    cold = brochure("build", "--all-cities", "--data", str(data), "-o", str(out), cache=cache)
    city = data / "cities" / "qingdao.yml"
    city.write_text(city.read_text().replace(*EDIT))
    again = brochure("build", "--all-cities", "--data", str(data), "-o", str(out), cache=cache)
    print(
        f"2. all cities, one city edited: rebuild {again:.1f} s vs cold {cold:.1f} s: "
        f"{again / cold:.2f} (target <= 0.5)",
        flush=True,
    )
    shutil.rmtree(data)
    shutil.copytree(builtin_data(), data)
    env = {**os.environ, "BROCHURE_CACHE_DIR": str(folder / "cache-watch")}
    done = subprocess.run(
        [sys.executable, "-c", _WATCH, str(data), str(out), *EDIT],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    warm = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
    print(
        f"3. the same rebuild in a warm process (--watch): {warm:.1f} s vs cold {cold:.1f} s: "
        f"{warm / cold:.2f} (target <= 0.3)",
        flush=True,
    )


def long_pack(folder: Path, copies: int, rounds: int = 3) -> None:
    data = scaled_content(folder, copies)
    runs: dict[str, list[dict[str, float]]] = {"whole": [], "jobs 2": []}
    for n in range(rounds):  # alternated, each with an empty cache of its own
        for name, extra in (
            ("whole", ["--layout", "whole", "--no-cache"]),
            ("jobs 2", ["-j", "2"]),
        ):
            out = folder / f"long-{name.replace(' ', '')}.pdf"
            cache = folder / f"cache-long-{name}-{n}"
            env = {**os.environ, "BROCHURE_CACHE_DIR": str(cache)}
            command = [sys.executable, "-m", "brochure", "build", "--all-cities", "-t", "regions"]
            command += ["--data", str(data), "--timeout", "3600", "-o", str(out), *extra]
            done = subprocess.run(
                [sys.executable, "-c", _PEAK, *command],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            runs[name].append(
                {**json.loads(done.stdout.strip().splitlines()[-1]), "size": out.stat().st_size}
            )
            shutil.rmtree(cache, ignore_errors=True)
    pages = _pages(folder / "long-jobs2.pdf")
    whole = _median([r["seconds"] for r in runs["whole"]])
    jobs = _median([r["seconds"] for r in runs["jobs 2"]])
    peak = {name: max(r["peak_mb"] for r in values) for name, values in runs.items()}
    pairs = ", ".join(
        f"{w['seconds']:.1f}/{j['seconds']:.1f}"
        for w, j in zip(runs["whole"], runs["jobs 2"], strict=True)
    )
    print(
        f"4. {pages} pages (medians of {rounds} alternated rounds): --jobs 2 {jobs:.1f} s vs "
        f"whole {whole:.1f} s: {whole / jobs:.2f}x faster (target >= 1.7x); rounds (whole/jobs): "
        f"{pairs}; peak memory of any one process: {peak['jobs 2']:.0f} MB vs whole "
        f"{peak['whole']:.0f} MB (limit {150 + pages} MB)",
        flush=True,
    )
    size = {name: values[-1]["size"] for name, values in runs.items()}
    print(
        f"5. PDF size, parts vs whole: {size['jobs 2'] / 1e3:.0f} KB vs "
        f"{size['whole'] / 1e3:.0f} KB: {size['jobs 2'] / size['whole']:.2f} (target <= 1.15)"
    )


def one_pack(folder: Path, rounds: int = 7) -> None:
    from brochure.resources import builtin_templates

    html = folder / "typical.html"
    cities = ["-c", "shanghai", "-c", "hong-kong"]
    brochure("build", *cities, "--format", "html", "-o", str(html), cache=folder / "c-html")
    base = builtin_templates().resolve().as_uri() + "/"
    weasy = [sys.executable, "-m", "weasyprint", "--pdf-variant", "pdf/ua-1"]
    times: dict[str, list[float]] = {"cold cache": [], "no cache": [], "weasyprint": []}
    for n in range(rounds):
        out = str(folder / f"typical-{n}.pdf")
        times["cold cache"].append(
            brochure("build", *cities, "-o", out, cache=folder / f"c-typical-{n}")
        )
        times["no cache"].append(
            brochure("build", *cities, "--no-cache", "-o", out, cache=folder / "c-none")
        )
        start = time.perf_counter()
        subprocess.run([*weasy, "--base-url", base, str(html), out], check=True)
        times["weasyprint"].append(time.perf_counter() - start)
    median = {name: _median(values) for name, values in times.items()}
    bare = median["weasyprint"]
    print(
        f"6. two-city pack, whole process: brochure build {median['cold cache']:.1f} s "
        f"(cold cache), {median['no cache']:.1f} s (--no-cache) vs weasyprint {bare:.1f} s: "
        f"{median['cold cache'] / bare:.2f} and {median['no cache'] / bare:.2f} "
        "(target <= 1.15)",
        flush=True,
    )


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return len(doc.pages)


def main() -> None:
    """Run the four measurements and print each ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller batch and long pack")
    parser.add_argument(
        "--only", type=int, choices=[1, 11, 2, 4, 6], help="one measurement (11: 1b)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternated rounds of 1, 1b and 4 (default 3)"
    )
    args = parser.parse_args()
    packs, rounds = 6 if args.quick else 24, args.rounds
    steps: dict[int, Callable[[Path], None]] = {
        1: lambda folder: batches(folder, packs, rounds=rounds),
        11: lambda folder: batches(folder, packs, branded=True, rounds=rounds),
        2: rebuilds,  # 2 and 3
        4: lambda folder: long_pack(folder, 4 if args.quick else 7, rounds),  # 4 and 5
        6: one_pack,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for number, step in steps.items():
            if args.only in (None, number):
                step(Path(tmp))


if __name__ == "__main__":
    main()
