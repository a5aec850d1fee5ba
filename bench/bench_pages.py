"""Long packs: time and peak memory per page from 10 to about 300 pages, measured in one run.

Each pack is built in a fresh process (peak memory is the process's), twice: as brochure
lays it out by default (`--layout auto`: part by part once it is long) and in one piece
(`--layout whole`). The content is the bundled content with each city repeated, so that
cities, map, charts, cards and sources all grow together.

Prints, for each size: pages, seconds per page, peak MB, the limit (150 MB + 1 MB a page),
and the ratios auto/whole for wall time, processor time (steadier on a shared machine) and
memory; then how time per page changes from the shortest to the longest pack, in each
layout, and between the shortest and longest packs laid out in parts. Times are
medians of --repeat builds, alternating the two layouts, so that a busy moment of the
machine does not land on one of them only.

Run: .venv/bin/python bench/bench_pages.py [--quick] [--repeat N]   (about 15 minutes)
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from brochure.resources import builtin_data

_PROBE = """
import json, sys, time
from pathlib import Path
import brochure
import brochure.render.parts.layout  # WeasyPrint's import is not the pack's time
from brochure.render.limits import peak_memory_mb
data, out, layout, many = sys.argv[1:5]
options = dict(all_cities=True, topics=["regions"]) if many == "1" else dict(
    cities=["ningbo"], topics=["regions"])
if data != "-":
    options["data_dir"] = Path(data)
start, cpu = time.perf_counter(), time.process_time()
result = brochure.build_pack(**options, output=Path(out), layout=layout, timeout=3600,
                             cache=False)  # every build lays its pages out
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"pages": result.pages, "seconds": seconds, "cpu": cpu,
                  "peak": peak_memory_mb(), "parts": result.parts}))
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


def measure(data: str, out: Path, layout: str, many: bool) -> dict[str, float]:
    """One build in a fresh process: pages, seconds, peak MB, parts."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, data, str(out), layout, "1" if many else "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    row: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def main() -> None:
    """Build each size in both layouts and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="three sizes instead of five")
    parser.add_argument("--repeat", type=int, default=3, help="builds per size and layout")
    args = parser.parse_args()
    sizes = [0, 1, 4] if args.quick else [0, 1, 4, 8, 12]  # 0: one city; n: every city n times
    print(
        "pages  parts  s/page  peak MB  limit MB  | whole: s/page  peak MB | auto/whole time  mem"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for copies in sizes:
            data = str(scaled_content(folder, copies)) if copies > 1 else "-"
            runs: dict[str, list[dict[str, float]]] = {"auto": [], "whole": []}
            for _ in range(args.repeat):
                for layout, done in runs.items():
                    done.append(measure(data, folder / f"{layout}.pdf", layout, copies > 0))
            auto, whole = (
                {
                    **done[0],
                    "seconds": statistics.median(r["seconds"] for r in done),
                    "cpu": statistics.median(r["cpu"] for r in done),
                }
                for done in runs.values()
            )
            pages = auto["pages"]
            limit = 150 + pages
            rows.append((pages, auto["parts"], auto["seconds"] / pages, whole["seconds"] / pages))
            print(
                f"{pages:5.0f}  {auto['parts']:5.0f}  {auto['seconds'] / pages:6.3f}  "
                f"{auto['peak']:7.0f}  {limit:8.0f}{' ok' if auto['peak'] <= limit else ' OVER'}"
                f" | {whole['seconds'] / pages:13.3f}  {whole['peak']:7.0f} | "
                f"{auto['seconds'] / whole['seconds']:17.2f} {auto['cpu'] / whole['cpu']:4.2f} "
                f"{auto['peak'] / whole['peak']:4.2f}",
                flush=True,
            )
    (p0, _, a0, w0), (p1, _, a1, w1) = rows[0], rows[-1]
    print(
        f"seconds per page from {p0:.0f} to {p1:.0f} pages: auto x{a1 / a0:.2f}, "
        f"whole x{w1 / w0:.2f}"
    )
    cut = [row for row in rows if row[1] > 1]
    if len(cut) > 1:
        (q0, _, c0, _), (q1, _, c1, _) = cut[0], cut[-1]
        print(f"from {q0:.0f} to {q1:.0f} pages, both laid out in parts: x{c1 / c0:.2f}")


if __name__ == "__main__":
    main()
