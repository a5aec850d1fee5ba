"""Cost of brochure's pipeline over WeasyPrint alone, measured in one run.

Builds the full pack (every city, every topic) with `brochure.build_pack`, and has
WeasyPrint render the very same final HTML on its own, alternating the two so that
both see the same machine state. Prints the ratio of medians; target: at most 1.15.

Run: .venv/bin/python bench/bench_pack.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from weasyprint import HTML

import brochure
from brochure.content.models import PackRequest
from brochure.pack import prepare, render_options


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of `action` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    """Alternate full builds and bare WeasyPrint renders; print medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        # Without the part cache: every build lays the pack out, as WeasyPrint alone does.
        request = PackRequest(all_cities=True, cache=False, output=Path(tmp) / "pack.pdf")
        prepared = prepare(request)
        variant = render_options(prepared).variant  # the same PDF/UA job for both

        def full() -> None:
            brochure.build_pack(request)

        def bare() -> None:
            HTML(string=prepared.html, base_url=prepared.base_url).write_pdf(
                Path(tmp) / "bare.pdf", pdf_variant=variant
            )

        full()
        bare()  # warm both paths: imports, font caches
        pages = brochure.build_pack(request).pages
        full_times, bare_times = [], []
        for _ in range(rounds):
            full_times.append(timed(full))
            bare_times.append(timed(bare))
    full_median = statistics.median(full_times)
    bare_median = statistics.median(bare_times)
    cities = len(prepared.selection.cities)
    print(f"pack: {cities} cities, all topics, {pages} pages, {rounds} rounds")
    print(f"brochure build_pack  median {full_median:.3f} s")
    print(f"WeasyPrint alone     median {bare_median:.3f} s")
    print(f"ratio                {full_median / bare_median:.3f}  (target <= 1.15)")


if __name__ == "__main__":
    main()
