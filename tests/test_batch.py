"""Batch builds: manifests, validation, worker pools, failures, incremental runs, Ctrl-C, Dask."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from brochure.cli import main
from brochure.errors import BrochureError
from pdftools import outline, page_texts
from test_brand import make_kit

CSV = """\
traveller,cities,topics,trip_start,trip_end,brand,paper,profile,output
Alex Chen,shanghai;ningbo,investment,2026-12-07,2026-12-11,,,,
Bea Lin,Hong Kong,regions,2026-12-01,2026-12-03,kit,,,bea.pdf
Carl Diaz,qingdao,,,,,a5,print,carl.pdf
"""

#: The same three rows as small packs (one city, one topic), for tests about the batch
#: itself: skipping, failures, time limits. Bea's row still uses the brand kit.
SMALL_CSV = """\
traveller,cities,topics,trip_start,trip_end,brand,paper,profile,output
Alex Chen,ningbo,regions,2026-12-07,2026-12-11,,,,
Bea Lin,Hong Kong,regions,2026-12-01,2026-12-03,kit,,,bea.pdf
Carl Diaz,qingdao,regions,,,,a5,print,carl.pdf
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    make_kit(tmp_path / "kit")
    path = tmp_path / "team.csv"
    path.write_text(CSV)
    return path


@pytest.fixture
def small_manifest(tmp_path: Path) -> Path:
    make_kit(tmp_path / "kit")
    path = tmp_path / "small.csv"
    path.write_text(SMALL_CSV)
    return path


def report(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / "batch-report.json").read_text())
    return data


def test_a_csv_manifest_builds_personalised_packs(manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "packs"
    code, stdout, stderr = run("batch", str(manifest), "-o", str(out), "--jobs", "2")
    assert code == 0, stderr
    assert stdout.startswith("built 3, skipped 0 unchanged, failed 0")
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "alex-chen-shanghai-ningbo-a4.pdf",
        "bea.pdf",
        "carl.pdf",
    ]
    alex = out / "alex-chen-shanghai-ningbo-a4.pdf"
    cover, *_ = page_texts(alex)
    assert "Alex Chen" in cover and "7 December 2026" in cover
    titles = [b.title for b in outline(alex)]
    assert "Your itinerary" in titles and "Investment opportunities" in titles
    assert "Belt" not in " ".join(titles)
    carl = [b.title for b in outline(out / "carl.pdf")]
    assert "Planning the trip" in carl  # no topics given: all of them
    assert "Testco" in page_texts(out / "bea.pdf")[0]  # the row's brand kit
    lines = [line for line in stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 3 and all(" built " in line for line in lines)
    data = report(out)
    assert data["built"] == 3
    packs = data["packs"]
    assert isinstance(packs, list)
    for pack in packs:  # what a travel manager sizes workers by
        assert pack["parts"] > 5, "packs are cut at every chapter, for the part cache"
        assert 50 < pack["worker_peak_mb"] < 150 + pack["pages"], pack


def test_a_workers_memory_stays_flat_from_pack_to_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cycles a pack leaves are freed before the next (heap.after_task): a worker
    that grew by a few MB a pack would fail a batch of hundreds. Personalised packs from
    a part cache of their own lay out only short documents, which left the most."""
    monkeypatch.setenv("BROCHURE_CACHE_DIR", str(tmp_path / "cache"))
    rows = [f"Delegate {n},shanghai;ningbo,,,,,,,d{n}.pdf" for n in range(8)]
    path = tmp_path / "ten.csv"
    path.write_text(CSV.splitlines()[0] + "\n" + "\n".join(rows) + "\n")
    out = tmp_path / "packs"
    code, _, stderr = run("batch", str(path), "-o", str(out), "--jobs", "1")
    assert code == 0, stderr
    packs = report(out)["packs"]
    assert isinstance(packs, list) and len(packs) == 8
    peaks = [pack["worker_peak_mb"] for pack in packs]
    assert peaks[-1] - peaks[2] < 6, peaks  # the first packs fill the caches
    assert all(peak < 150 + pack["pages"] for peak, pack in zip(peaks, packs, strict=True))


def test_a_yaml_manifest_with_an_itinerary_and_meetings(tmp_path: Path) -> None:
    manifest = tmp_path / "trip.yml"
    manifest.write_text(
        "packs:\n"
        "  - traveller: Dana Wu\n"
        "    trip_start: 2026-12-07\n"
        "    trip_end: 2026-12-10\n"
        "    topics: [trip-planning]\n"
        "    itinerary:\n"
        "      - city: Shenzhen\n"
        "        arrive: 2026-12-07\n"
        "        depart: 2026-12-08\n"
        "        meetings: ['10:00 Supplier visit, Nanshan']\n"
        "      - city: hong kong\n"
        "        arrive: 2026-12-09\n"
        "        depart: 2026-12-10\n"
        "        meetings: ['Bank meeting, Central', 'Dinner with the trade office']\n"
        "    output: dana.pdf\n"
    )
    out = tmp_path / "out"
    code, _, stderr = run("batch", str(manifest), "-o", str(out), "--jobs", "1")
    assert code == 0, stderr
    pdf = out / "dana.pdf"
    start = next(b.page for b in outline(pdf) if b.title == "Your itinerary")
    page = page_texts(pdf)[start - 1]
    assert page.index("Shenzhen") < page.index("Hong Kong")
    for text in (
        "7 December 2026",
        "10:00 Supplier visit, Nanshan",
        "Dinner with the trade office",
    ):
        assert text in page
    chapters = [b.title.split(" ")[0] for b in outline(pdf) if b.level == 1]
    assert "Shenzhen" in chapters and "Hong" in chapters


def test_every_bad_row_is_reported_before_anything_renders(tmp_path: Path) -> None:
    manifest = tmp_path / "bad.csv"
    manifest.write_text(
        "traveller,cities,topics,trip_start,trip_end,brand,paper,profile,output\n"
        "Ok Person,ningbo,,,,,,,\n"
        "Typo Person,Shenzen,,,,,,,\n"
        "Date Person,qingdao,,2026-12-09,2026-12-01,,,,\n"
        "Paper Person,tianjin,,,,,b4,,\n"
        "Kit Person,tianjin,,,,missing-kit,,,\n"
        "Clash,ningbo,,,,,,,ok-person-ningbo-a4.pdf\n"
    )
    out = tmp_path / "out"
    code, _, stderr = run("batch", str(manifest), "-o", str(out))
    assert code == 1
    assert "5 bad rows; nothing was built" in stderr
    assert f"{manifest}:3: unknown city 'Shenzen' (did you mean 'shenzhen'?)" in stderr
    assert f"{manifest}:4: " in stderr and "trip_end is before trip_start" in stderr
    assert f"{manifest}:5: paper" in stderr
    assert f"{manifest}:6: " in stderr and "missing-kit" in stderr
    assert f"{manifest}:7: output ok-person-ningbo-a4.pdf is also written by row 2" in stderr
    assert not out.exists() or not list(out.glob("*.pdf"))


def test_unknown_columns_are_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("traveller,cities,colour\nA,ningbo,red\n")
    code, _, stderr = run("batch", str(manifest), "-o", str(tmp_path / "out"))
    assert code == 1 and "unknown: colour" in stderr


def test_a_failing_pack_does_not_stop_the_others(small_manifest: Path, tmp_path: Path) -> None:
    manifest = small_manifest
    kit = tmp_path / "kit"
    (kit / "templates").mkdir()
    (kit / "templates" / "topic.html").write_text("{{ 1 / 0 }}")  # valid kit, broken template
    out = tmp_path / "out"
    code, stdout, stderr = run("batch", str(manifest), "-o", str(out), "--jobs", "2")
    assert code == 1
    assert stdout.startswith("built 2, skipped 0 unchanged, failed 1")
    assert "failed: row 3 (bea.pdf): " in stderr and "ZeroDivisionError" in stderr
    data = report(out)
    assert data["failed"] == 1
    packs = {p["output"]: p for p in data["packs"]}  # type: ignore[attr-defined]
    assert packs["bea.pdf"]["status"] == "failed" and "division" in packs["bea.pdf"]["reason"]
    assert not (out / "bea.pdf").exists()
    assert (out / "carl.pdf").is_file()


def test_a_pack_over_its_time_limit_fails_alone(small_manifest: Path, tmp_path: Path) -> None:
    manifest = small_manifest
    kit = tmp_path / "kit"
    (kit / "templates").mkdir()
    (kit / "templates" / "topic.html").write_text(
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
    )
    out = tmp_path / "out"
    started = time.monotonic()
    code, _, stderr = run("batch", str(manifest), "-o", str(out), "--timeout", "8")
    assert time.monotonic() - started < 60
    assert code == 1
    assert "failed: row 3 (bea.pdf): " in stderr and "longer than 8 s" in stderr
    assert stderr.count("failed: ") == 1, stderr
    assert (out / "carl.pdf").is_file()


def test_unchanged_packs_are_skipped_and_changes_rebuild(
    small_manifest: Path, tmp_path: Path
) -> None:
    manifest = small_manifest
    out = tmp_path / "out"
    assert run("batch", str(manifest), "-o", str(out))[0] == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    code, stdout, _ = run("batch", str(manifest), "-o", str(out))
    assert code == 0 and stdout.startswith("built 0, skipped 3 unchanged")
    assert stamps == {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    css = tmp_path / "kit" / "styles"
    css.mkdir()
    (css / "x.css").write_text("h2 { letter-spacing: 0.1em; }")  # only Bea's brand changes
    code, stdout, _ = run("batch", str(manifest), "-o", str(out))
    assert stdout.startswith("built 1, skipped 2 unchanged")
    (out / "carl.pdf").unlink()  # a deleted pack is rebuilt
    assert run("batch", str(manifest), "-o", str(out))[1].startswith("built 1, skipped 2")
    code, stdout, _ = run("batch", str(manifest), "-o", str(out), "--force")
    assert stdout.startswith("built 3, skipped 0")


def test_ctrl_c_keeps_finished_packs_and_exits_130(tmp_path: Path) -> None:
    rows = "".join(f"P{i},ningbo;qingdao,regions,,,,,,p{i:02d}.pdf\n" for i in range(12))
    manifest = tmp_path / "many.csv"
    manifest.write_text(
        "traveller,cities,topics,trip_start,trip_end,brand,paper,profile,output\n" + rows
    )
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "brochure", "batch", str(manifest), "-o", str(out), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("p*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the whole terminal group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    finished = list(out.glob("p*.pdf"))
    assert 1 <= len(finished) < 12
    assert not list(out.glob(".*.part"))
    for pdf in finished:
        assert page_texts(pdf)[0]  # whole, readable PDFs
    data = report(out)
    assert data["built"] == len(finished)


def test_a_batch_runs_on_a_dask_cluster(fault_cluster: str, tmp_path: Path, content: Path) -> None:
    """On the module's cluster (its fault fails only the traveller "Pikepdf Failure")."""
    make_kit(tmp_path / "kit")
    tianjin = content / "cities" / "tianjin.yml"
    tianjin.write_text(
        tianjin.read_text().replace("tagline: ", "tagline: Shipped with the task. ", 1)
    )
    manifest = tmp_path / "team.csv"
    manifest.write_text(SMALL_CSV.replace("Carl Diaz,qingdao", "Carl Diaz,tianjin"))
    out = tmp_path / "packs"
    code, stdout, stderr = run(
        "batch", str(manifest), "-o", str(out), "--scheduler", fault_cluster, "--data", str(content)
    )
    assert code == 0, stderr
    assert stdout.startswith("built 3, skipped 0 unchanged, failed 0")
    assert "Testco" in page_texts(out / "bea.pdf")[0]
    assert "Shipped with the task." in "".join(page_texts(out / "carl.pdf"))


def test_ctrl_c_waits_until_a_finished_pack_is_in_the_report() -> None:
    from brochure.many.batch import _no_interrupt

    done = []
    with pytest.raises(KeyboardInterrupt), _no_interrupt():
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives while a PDF is being written
        time.sleep(0.05)
        done.append("written and recorded")
    assert done == ["written and recorded"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_build_batch_is_the_library_api_for_a_manifest(tmp_path: Path) -> None:
    """`brochure.build_batch` validates and builds a manifest without the command line."""
    import brochure

    manifest = tmp_path / "one.yaml"
    manifest.write_text(
        "- traveller: Dana Wu\n  cities: [tianjin]\n  topics: [regions]\n  output: dana.pdf\n"
        "- traveller: Eve Ng\n  cities: [nowhere]\n",
        encoding="utf-8",
    )
    with pytest.raises(brochure.BrochureError, match="bad row") as bad:
        brochure.build_batch(manifest, tmp_path / "out")
    assert any("nowhere" in p for p in bad.value.problems)
    assert not (tmp_path / "out" / "dana.pdf").exists()  # nothing built from a bad manifest

    manifest.write_text(
        "- traveller: Dana Wu\n  cities: [tianjin]\n  topics: [regions]\n  output: dana.pdf\n",
        encoding="utf-8",
    )
    seen: list[tuple[str, int, int]] = []
    result = brochure.build_batch(
        manifest,
        tmp_path / "out",
        workers=1,
        listener=lambda o, d, n: seen.append((o.status, d, n)),
    )
    assert isinstance(result, brochure.BatchReport)
    assert (result.count("built"), result.count("failed")) == (1, 0)
    assert seen == [("built", 1, 1)]
    assert "Dana Wu" in page_texts(tmp_path / "out" / "dana.pdf")[0]
    (outcome,) = result.outcomes
    built = outcome.result  # the same result type build_pack returns
    assert isinstance(built, brochure.BuildResult)
    assert built.path == tmp_path / "out" / "dana.pdf"
    assert (built.cities, built.topics) == (("tianjin",), ("regions",))
    assert built.pages == len(page_texts(built.path))


# -- integrity: the right brand, the right count, one failure per pack (issue 13) -------

INJECT = Path(__file__).parent / "inject"  # see tests/inject/sitecustomize.py
FAULTS_ENV = {
    "PYTHONPATH": os.pathsep.join(filter(None, [str(INJECT), os.environ.get("PYTHONPATH")])),
    "BROCHURE_TEST_FAULTS": "1",
}
#: kit b's colours: its palette and logo use these where kit a (as made) uses the others.
KIT_A = {"ocean": (0x0D, 0x4F, 0x6C), "coral": (0xE0, 0x60, 0x3A)}
KIT_B = {"ocean": (0x8A, 0x1C, 0x7C), "coral": (0x1C, 0x8A, 0x3A)}


@pytest.fixture(scope="module")
def fault_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real cluster whose workers carry the planted pikepdf fault (tests/inject)."""
    from dasktools import dask_cluster as start

    with start(tmp_path_factory.mktemp("cluster"), env=FAULTS_ENV) as cluster:
        yield cluster.address


def two_kits(folder: Path) -> tuple[Path, Path]:
    """Two kits made by `brochure brand new` with one name: same file names, other colours."""
    a, b = folder / "kit-a", folder / "kit-b"
    for kit in (a, b):
        code, _, stderr = run("brand", "new", str(kit), "--name", "Same Company")
        assert code == 0, stderr
    for name in ("brand.yml", "logo.svg"):
        text = (b / name).read_text()
        for key, rgb in KIT_A.items():
            text = text.replace(_hex(rgb), _hex(KIT_B[key]))
        (b / name).write_text(text)
    assert sorted(p.name for p in a.rglob("*")) == sorted(p.name for p in b.rglob("*"))
    return a, b


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def colour_pixels(pdf: Path, rgb: tuple[int, int, int], pages: int = 3) -> int:
    """How many pixels of the first pages are within a few steps of `rgb`."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        count = 0
        for index in range(min(pages, len(document))):
            raw = document[index].render(scale=1).to_pil().convert("RGB").tobytes()
            r, g, b = rgb
            count += sum(
                1
                for i in range(0, len(raw), 3)
                if abs(raw[i] - r) <= 6 and abs(raw[i + 1] - g) <= 6 and abs(raw[i + 2] - b) <= 6
            )
        return count
    finally:
        document.close()


def brand_of(pdf: Path) -> str:
    """Which kit's colours a pack carries: 'a', 'b', or 'mixed' / 'none'."""
    found = {
        kit: sum(colour_pixels(pdf, rgb) > 40 for rgb in colours.values())
        for kit, colours in (("a", KIT_A), ("b", KIT_B))
    }
    if found["a"] == 2 and found["b"] == 0:
        return "a"
    if found["b"] == 2 and found["a"] == 0:
        return "b"
    return f"mixed {found}"


def test_two_kits_with_the_same_file_names_keep_their_brands_on_dask(
    fault_cluster: str, tmp_path: Path
) -> None:
    two_kits(tmp_path)
    manifest = tmp_path / "kits.csv"
    manifest.write_text(
        "traveller,cities,topics,brand,output\n"
        "Ann A,ningbo,regions,kit-a,a.pdf\n"
        "Bob B,ningbo,regions,kit-b,b.pdf\n"
    )
    out = tmp_path / "out"
    code, stdout, stderr = run("batch", str(manifest), "-o", str(out), "--scheduler", fault_cluster)
    assert code == 0, stderr
    assert stdout.startswith("built 2, skipped 0 unchanged, failed 0")
    assert (brand_of(out / "a.pdf"), brand_of(out / "b.pdf")) == ("a", "b")


def test_three_bad_packs_of_a_yaml_manifest_are_three_bad_rows(tmp_path: Path) -> None:
    manifest = tmp_path / "team.yaml"
    manifest.write_text(
        "packs:\n"
        "  - {cities: [ningbo]}\n"
        "  - {cities: [Shenzen]}\n"
        "  - {cities: [ningbo], paper: b4, profile: glossy}\n"
        "  - {cities: [qingdao], brand: missing-kit}\n"
    )
    code, _, stderr = run("batch", str(manifest), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "error: 3 bad rows; nothing was built" in stderr  # pack 3 has two problems
    assert f"{manifest}: pack 2: unknown city 'Shenzen'" in stderr
    assert stderr.count(f"{manifest}: pack 3: ") == 2


@pytest.mark.parametrize("suffix", [".CSV", ".Csv"])
def test_a_csv_manifest_in_capitals_names_its_lines(tmp_path: Path, suffix: str) -> None:
    manifest = tmp_path / f"team{suffix}"
    manifest.write_text("traveller,cities\nA,ningbo\nB,Shenzen\nC,qingdao\nD,Atlantis\n")
    code, _, stderr = run("batch", str(manifest), "-o", str(tmp_path / "out"))
    assert code == 1 and "2 bad rows" in stderr
    assert f"{manifest}:3: unknown city 'Shenzen'" in stderr
    assert f"{manifest}:5: unknown city 'Atlantis'" in stderr


@pytest.mark.parametrize("suffix", [".YAML", ".Yml"])
def test_a_yaml_manifest_in_capitals_is_read_as_yaml(tmp_path: Path, suffix: str) -> None:
    from brochure.many.manifest import plan

    manifest = tmp_path / f"team{suffix}"
    manifest.write_text(
        "- {traveller: A, cities: [ningbo], output: a.pdf}\n- {cities: [Shenzen]}\n"
    )
    with pytest.raises(BrochureError) as caught:
        plan(manifest, tmp_path / "out")
    assert "1 bad row;" in str(caught.value)
    assert f"{manifest}: pack 2: unknown city 'Shenzen'" in str(caught.value)


FAILING_ROWS = (
    "traveller,cities,topics,output\n"
    "Ann A,ningbo,regions,a.pdf\n"
    "Pikepdf Failure,ningbo,regions,broken.pdf\n"
    "Cy C,ningbo,regions,c.pdf\n"
)


def _assert_fails_alone(code: int, stdout: str, stderr: str, out: Path) -> None:
    assert code == 1, stderr
    assert stdout.startswith("built 2, skipped 0 unchanged, failed 1"), stderr
    assert "Traceback" not in stderr
    assert "failed: row 3 (broken.pdf): unexpected error: PdfError: injected: object 12 0" in stderr
    assert sorted(p.name for p in out.glob("*.pdf")) == ["a.pdf", "c.pdf"]
    packs = {p["output"]: p for p in report(out)["packs"]}  # type: ignore[attr-defined]
    assert packs["broken.pdf"]["status"] == "failed" and "PdfError" in packs["broken.pdf"]["reason"]


def test_any_exception_in_a_local_worker_fails_that_pack_alone(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(FAILING_ROWS)
    out = tmp_path / "out"
    # a process of its own: the workers' fork server keeps the environment it started with
    done = subprocess.run(
        [sys.executable, "-m", "brochure", "batch", str(manifest), "-o", str(out), "-j", "2"],
        capture_output=True,
        text=True,
        env={**os.environ, **FAULTS_ENV},
        timeout=300,
    )
    _assert_fails_alone(done.returncode, done.stdout, done.stderr, out)


def test_any_exception_on_a_dask_worker_fails_that_pack_alone(
    fault_cluster: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(FAILING_ROWS)
    out = tmp_path / "out"
    result = run("batch", str(manifest), "-o", str(out), "--scheduler", fault_cluster)
    _assert_fails_alone(*result, out)


# -- the output folder's lock and record of builds --------------------------------------


def test_a_second_batch_on_one_folder_is_refused_at_once(tmp_path: Path) -> None:
    from brochure.many.batchstate import batch_lock

    manifest = tmp_path / "one.csv"
    manifest.write_text("traveller,cities,output\nAnn A,ningbo,a.pdf\n")
    out = tmp_path / "out"
    out.mkdir()
    with batch_lock(out):  # another batch is writing here
        code, _, stderr = run("batch", str(manifest), "-o", str(out))
    assert code == 1
    assert f"error: {out}: another batch (process {os.getpid()}) is writing" in stderr
    assert not (out / "a.pdf").exists()


def test_a_damaged_record_is_reported_and_its_packs_rebuilt(tmp_path: Path) -> None:
    from brochure.many.batchstate import STATE_FILE, Built, is_current, load_state, save_state

    assert load_state(tmp_path) == ({}, [])
    (tmp_path / STATE_FILE).write_text("{not json")
    state, warnings = load_state(tmp_path)
    assert state == {} and len(warnings) == 1 and "damaged" in warnings[0]

    (tmp_path / STATE_FILE).write_text(
        json.dumps({"version": 2, "packs": {"a.pdf": {"fingerprint": "f", "size": 3}, "b.pdf": 7}})
    )
    state, warnings = load_state(tmp_path)
    assert state == {"a.pdf": Built("f", 3)}
    assert warnings and "1 damaged entry (b.pdf)" in warnings[0]

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"abc")
    assert is_current(state, "a.pdf", pdf, "f")
    pdf.write_bytes(b"ab")  # cut short: the same fingerprint, but not the PDF written
    assert not is_current(state, "a.pdf", pdf, "f")
    save_state(tmp_path, {"v1.pdf": Built("g")})
    assert load_state(tmp_path) == ({"v1.pdf": Built("g")}, [])


def test_packs_with_one_kit_share_their_chapters_through_the_part_cache(tmp_path: Path) -> None:
    """Every task unpacks the kit's bytes at the same path, so the HTML of a chapter is the
    same in every pack that uses the kit, and the second traveller's pack takes it from
    the part cache: it lays out its own front, not the chapters again."""
    from holds import run_brochure

    make_kit(tmp_path / "kit")
    cache = tmp_path / "cache"
    head = "traveller,cities,topics,brand,output\n"
    rows = ["Ann Ash,ningbo,regions,kit,ann.pdf\n", "Bo Birch,ningbo,regions,kit,bo.pdf\n"]

    def batch(lines: list[str]) -> int:
        (tmp_path / "team.csv").write_text(head + "".join(lines))
        args = ("batch", str(tmp_path / "team.csv"), "-o", str(tmp_path / "out"), "-j", "1")
        code, _, stderr = run_brochure(*args, env={"BROCHURE_CACHE_DIR": str(cache)})
        assert code == 0, stderr
        return len(list(cache.rglob("*.part")))

    first = batch(rows[:1])
    both = batch(rows)  # Ann's pack is unchanged (skipped); Bo's is built
    assert first >= 5 and 1 <= both - first <= first // 2, (first, both)
    for name, traveller in (("ann.pdf", "Ann Ash"), ("bo.pdf", "Bo Birch")):
        cover = page_texts(tmp_path / "out" / name)[0]
        assert traveller in cover and "Testco" in cover, cover


def test_packs_that_share_chapters_wait_for_the_first_of_their_group() -> None:
    """A group's first pack goes out before any second pack (new groups first: they are the
    longest work), and a group's other packs wait while its first is laid out, unless
    nothing else is left to hand out; a worker gets more of a group it built if it can."""
    from brochure.many.workers import _Queue

    queue = _Queue(["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3"], group_of=lambda x: x[0])
    one: set[object] = set()
    two: set[object] = set()
    assert [queue.take(one), queue.take(two)] == ["a1", "b1"]
    queue.done("b1")
    assert queue.take(one) == "c1"  # a new group before b2, whose chapters are ready
    assert queue.take(one) == "b2"  # ready: not a2 or c2, whose first packs are still out
    assert queue.take(two) == "b3"
    assert queue.take(two) == "a2"  # only groups being laid out are left: the first in line
    queue.done("a1")
    queue.done("c1")
    assert list(queue) == ["c2", "a3"]
    assert queue.take(two) == "a3"  # of a group it has built, though c2 comes first
    assert queue.take(one) == "c2"
    queue.put_back("c2")
    assert queue.take(one) == "c2"
    assert not queue
    plain = _Queue([3, 1, 2])
    assert [plain.take(), plain.take(), plain.take()] == [3, 1, 2]


def test_colleagues_on_one_trip_share_a_key_and_other_trips_do_not() -> None:
    from brochure.many.batch import shared
    from brochure.pack import make_request

    def key(**options: object) -> str | None:
        return shared(make_request(**{"cities": ["ningbo"], **options}), "bundle")

    ann = key(traveller="Ann Ash", title="Ann's trip", output="ann.pdf", trip_start="2027-01-04")
    assert ann is not None and ann == key(traveller="Bo Birch", output="bo.pdf")
    assert key(cities=["qingdao"], traveller="Ann Ash") != ann
    assert key(paper="letter") != ann
    assert shared(make_request(cities=["ningbo"]), "other bundle") != ann
    assert key(cache=False) is None


def test_workers_are_forked_unless_this_process_has_loaded_weasyprint() -> None:
    """`brochure batch` forks its workers (they start at once); a process that may have
    rendered (WeasyPrint loaded) starts them from a fork server instead."""
    probe = (
        "import sys\n"
        "from brochure.many.workers import _start_method\n"
        "print(_start_method(()).get_start_method())\n"
        "import weasyprint\n"
        "print(_start_method(()).get_start_method())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["fork", "forkserver"]


def test_a_batch_killed_outright_frees_its_folder_at_once(tmp_path: Path) -> None:
    """Workers forked from a batch do not keep its lock: killed with SIGKILL mid-pack, the
    batch leaves its folder to the next batch though its workers still run."""
    from brochure.many.batchstate import batch_lock

    manifest = tmp_path / "two.csv"
    manifest.write_text("traveller,cities,output\nAnn A,ningbo,a.pdf\nBo B,qingdao,b.pdf\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "brochure", "batch", str(manifest), "-o", str(out)]
    process = subprocess.Popen(
        [*command, "-j", "2", "--no-cache"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    while len(children.read_text().split()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [int(pid) for pid in children.read_text().split()]
    assert len(workers) == 2
    time.sleep(1.0)  # into their packs (each takes seconds)
    process.kill()
    process.wait(timeout=10)
    try:
        assert all(Path(f"/proc/{pid}").exists() for pid in workers)  # still laying out
        with batch_lock(out):  # not refused
            pass
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
